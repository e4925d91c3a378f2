// Human labels for ledger event kinds. Unknown kinds are shown raw.

export const KNOWN_KINDS = [
  'vault.created',
  'vault.unlocked',
  'vault.locked',
  'vault.recovered',
  'passphrase.changed',
  'subject.recorded',
  'subject.erased',
  'subject.merged',
  'organisation.requisites_changed',
  'demo.note',
  'agreement.published',
  'agreement.retired',
  'checkpoint.created',
  'incident.recorded',
  'incident.updated',
  'incident.notified',
  'incident.closed',
  'read.person',
  'read.search',
  'read.export',
  'operator.added',
  'operator.role_changed',
  'operator.removed',
  'activity.recorded',
  'activity.updated',
  'activity.retired',
] as const;

/** The i18n key for a kind's label, or null when the kind is unknown. */
export function kindLabelKey(kind: string): string | null {
  return (KNOWN_KINDS as readonly string[]).includes(kind) ? `kind.${kind.replace('.', '_')}` : null;
}

export function kindLabel(kind: string, t: (key: string) => string): string {
  const key = kindLabelKey(kind);
  return key === null ? kind : t(key);
}
