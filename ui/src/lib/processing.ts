// Pure helpers of the Processing section: a blank activity, the legal
// bases, what the form must say before it can be saved (the same rules the
// core enforces, shown at once), and the rows of recipients and transfers.
import type { Activity } from './bindings/Activity';
import type { Basis } from './bindings/Basis';
import type { Drift } from './bindings/Drift';
import type { Law } from './bindings/Law';
import type { ThirdParty } from './bindings/ThirdParty';
import type { Transfer } from './bindings/Transfer';

export const BASES: Basis[] = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'];

export function blankActivity(law: Law): Activity {
  return {
    name: '',
    law,
    purposes: [],
    legal_bases: [],
    basis_details: null,
    subject_categories: [],
    data_categories: [],
    special_categories: [],
    special_condition: null,
    actions: [],
    methods: null,
    recipients: [],
    transfers: [],
    storage_country: null,
    storage: null,
    retention: null,
    security: [],
    responsible: null,
    started_on: null,
    agreements: [],
  };
}

export const blankRecipient = (): ThirdParty => ({ name: '', inn: '', address: '', role: 'processor' });
export const blankTransfer = (): Transfer => ({ country: '', recipient: '', safeguards: null });

const filled = (s: string | null | undefined) => (s ?? '').trim() !== '';

/** What must change before the activity can be saved (message ids under `processing.problem.`). */
export function activityProblems(a: Activity): string[] {
  const p: string[] = [];
  if (!filled(a.name)) p.push('name');
  if (!a.purposes.some(filled)) p.push('purpose');
  if (a.legal_bases.length === 0) p.push('basis');
  if (a.special_categories.some(filled) && !filled(a.special_condition)) p.push('special_condition');
  if (a.transfers.some((t) => !filled(t.country) && (filled(t.recipient) || filled(t.safeguards)))) p.push('transfer_country');
  if (a.recipients.some((r) => !filled(r.name) && (filled(r.inn) || filled(r.address)))) p.push('recipient_name');
  return p;
}

/** Toggles a basis, keeping the list in the order of `BASES`. */
export function toggleBasis(list: Basis[], b: Basis): Basis[] {
  const has = list.includes(b);
  return BASES.filter((x) => (x === b ? !has : list.includes(x)));
}

/** Drift grouped by the agreement version it comes from, in the order found. */
export function driftByVersion(drift: Drift[]): Array<{ label: string; agreement: number; items: Drift[] }> {
  const out: Array<{ label: string; agreement: number; items: Drift[] }> = [];
  for (const d of drift) {
    let g = out.find((x) => x.label === d.label);
    if (!g) {
      g = { label: d.label, agreement: d.agreement, items: [] };
      out.push(g);
    }
    g.items.push(d);
  }
  return out;
}
