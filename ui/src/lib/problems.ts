// Verification problems come from the core with a stable `code`; the UI
// shows its own localized sentence for every known code and falls back to
// the core's (English) message only for a code it does not know.

export const PROBLEM_CODES = [
  'event_altered',
  'event_missing',
  'log_truncated',
  'events_rewritten',
  'checkpoint_mismatch',
  'checkpoint_signature',
  'node_mismatch',
  'key_mismatch',
  'data_mismatch',
  'identity_mismatch',
  'checkpoint_unrecorded',
  'register_mismatch',
  'data_missing',
  'merge_mismatch',
  'erasure_mismatch',
  'requisites_mismatch',
  'agreement_altered',
] as const;

/** The i18n key of a problem code, or null when the code is unknown. */
export function problemKey(code: string): string | null {
  return (PROBLEM_CODES as readonly string[]).includes(code) ? `problem.${code}` : null;
}
