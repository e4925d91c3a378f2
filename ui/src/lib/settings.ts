// App settings rules shared by the Settings screen and its tests.

export const AUTOLOCK_MIN = 1;
export const AUTOLOCK_MAX = 240;
export const AUTOLOCK_DEFAULT = 10;

/** Whole minutes in [1, 240], or null for anything else. */
export function parseAutoLock(input: string | number): number | null {
  const text = String(input).trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= AUTOLOCK_MIN && n <= AUTOLOCK_MAX ? n : null;
}
