// App settings rules shared by the Settings screen and its tests.

export const AUTOLOCK_MIN = 1;
export const AUTOLOCK_MAX = 240;
export const AUTOLOCK_DEFAULT = 10;
/** How many automatic backups of a vault may be kept (the shell's MAX_BACKUP_KEEP). */
export const BACKUP_KEEP_MIN = 1;
export const BACKUP_KEEP_MAX = 100;

/** A whole number in [min, max] as typed, or null for anything else. */
export function parseWhole(input: string | number | null, min: number, max: number): number | null {
  const text = String(input ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** Whole minutes in [1, 240], or null for anything else. */
export function parseAutoLock(input: string | number): number | null {
  return parseWhole(input, AUTOLOCK_MIN, AUTOLOCK_MAX);
}
