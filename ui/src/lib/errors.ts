// Maps IPC error codes to localized message keys. The UI branches on `code`
// only; a code it does not know falls back to the shell's `message` text.
import type { IpcError } from './bindings/IpcError';

export const KNOWN_ERROR_CODES = [
  'wrong_secret',
  'weak_passphrase',
  'corrupt',
  'too_new',
  'not_a_vault',
  'already_exists',
  'invalid',
  'not_found',
  'cancelled',
  'tampered',
  'locked',
  'io',
  'database',
  'erased',
  'migration',
  'internal',
] as const;

export type KnownErrorCode = (typeof KNOWN_ERROR_CODES)[number];

/** The i18n key for a code, or null when the code is unknown. */
export function errorMessageKey(code: string): string | null {
  return (KNOWN_ERROR_CODES as readonly string[]).includes(code) ? `error.${code}` : null;
}

/**
 * Codes whose shell message carries useful specifics for the user (which file,
 * which field, why the passphrase is weak) shown beneath the localized sentence.
 */
const DETAIL_CODES = new Set(['invalid', 'corrupt', 'io', 'already_exists', 'not_a_vault', 'too_new']);

export type ErrorText = { text: string; detail: string | null };

/** The text to show for an error: localized sentence plus, for some codes, the shell's detail. */
export function describeError(err: IpcError, t: (key: string) => string): ErrorText {
  const key = errorMessageKey(err.code);
  if (key === null) return { text: err.message || t('error.unknown'), detail: null };
  const detail = DETAIL_CODES.has(err.code) && err.message ? err.message : null;
  return { text: t(key), detail };
}
