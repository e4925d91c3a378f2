// Folder names for new vaults. `slugify` makes a safe folder name out of
// anything a user types (for names chosen by the user, not suggested by us).
// Cyrillic is transliterated (a simplified passport-style scheme, as in
// ICAO Doc 9303 / Russian passports), anything else unsafe becomes "-".

const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i',
  й: 'i', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't',
  у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '',
  э: 'e', ю: 'iu', я: 'ia',
  // Ukrainian and Belarusian letters that turn up in organisation names
  і: 'i', ї: 'i', є: 'ie', ґ: 'g', ў: 'u',
};

export const FALLBACK_SLUG = 'vault';
export const MAX_SLUG_LENGTH = 48;

// Names Windows refuses for a folder, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

export function slugify(name: string): string {
  const lower = name.normalize('NFKD').toLowerCase();
  let out = '';
  for (const ch of lower) {
    if (/[a-z0-9]/.test(ch)) out += ch;
    else if (ch in CYRILLIC) out += CYRILLIC[ch];
    else if (/\p{M}/u.test(ch)) continue; // combining accents left by NFKD
    else out += '-';
  }
  out = out.replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (out.length > MAX_SLUG_LENGTH) out = out.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
  if (out === '') return FALLBACK_SLUG;
  if (RESERVED.test(out)) return `${out}-${FALLBACK_SLUG}`;
  return out;
}

/** Joins a folder and a name with the separator the folder already uses. */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const trimmed = dir.replace(/[\\/]+$/, '');
  return trimmed === '' ? `${sep}${name}` : `${trimmed}${sep}${name}`;
}

/**
 * The suggested folder for a new vault: dated, never derived from the
 * organisation name, because vault paths are kept in the app's unencrypted
 * list of recent vaults.
 */
export function defaultVaultFolder(defaultVaultDir: string, today: Date): string {
  const day = today.toISOString().slice(0, 10);
  return joinPath(defaultVaultDir, `vault-${day}`);
}
