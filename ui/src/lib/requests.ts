// Subjects' requests: the small rules the screens share (what a status
// allows, how a deadline reads, what the intake and fulfilment forms send).
// Pure functions, tested in requests.test.ts.
import type { DeadlineSource } from './bindings/DeadlineSource';
import type { Fulfilment } from './bindings/Fulfilment';
import type { Period } from './bindings/Period';
import type { Hit } from './bindings/Hit';
import type { IdentityMethod } from './bindings/IdentityMethod';
import type { Law } from './bindings/Law';
import type { Month } from './bindings/Month';
import type { NewRequest } from './bindings/NewRequest';
import type { RequestChannel } from './bindings/RequestChannel';
import type { RequestFilter } from './bindings/RequestFilter';
import type { RequestKind } from './bindings/RequestKind';
import type { RequestStatus } from './bindings/RequestStatus';
import type { Timeline } from './bindings/Timeline';

export const REQUEST_KINDS: readonly RequestKind[] = [
  'access',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'withdrawal',
  'portability',
  'regulator',
];
export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'received',
  'identity_check',
  'in_progress',
  'fulfilled',
  'refused',
  'cancelled',
];
export const OPEN_STATUSES: readonly RequestStatus[] = ['received', 'identity_check', 'in_progress'];
export const REQUEST_CHANNELS: readonly RequestChannel[] = ['email', 'post', 'in_person', 'web_form', 'phone', 'regulator'];
export const LAWS: readonly Law[] = ['152-fz', 'gdpr', 'both'];
export const IDENTITY_METHODS: readonly IdentityMethod[] = ['document', 'email', 'in_person', 'waived'];
/** Outcomes a closed request may carry (fulfilment outcomes, and a cancellation). */
export const OUTCOMES = ['answered', 'no_data_held', 'rectified', 'erased', 'restricted', 'withdrawn', 'cancelled_by_requester'] as const;
/** Follow-on deadlines the shipped rules start. */
export const FOLLOWUP_KINDS = ['destroy', 'stop'] as const;
/** Ledger event kinds a request's history holds. */
export const STEP_KINDS = [
  'request.received',
  'request.identity_checked',
  'request.extended',
  'request.fulfilled',
  'request.refused',
  'request.cancelled',
  'request.file_attached',
  'subject.rectified',
  'subject.restricted',
  'suppression.added',
] as const;
/** Fields of the personal data a request's steps record, each with a label. */
export const DATA_KEYS = [
  'name',
  'email',
  'phone',
  'address',
  'representative',
  'text',
  'searches',
  'identity_details',
  'extension_reasons',
  'refusal_text',
  'cancel_note',
  'fulfilment_note',
  'fields',
] as const;
/** Kinds whose answer is a copy of the person's data (the access export). */
export const EXPORT_KINDS: readonly RequestKind[] = ['access', 'portability', 'regulator'];

/** What the Requests section opens on: one request, or the intake form. */
export type RequestTarget = { name: 'request'; id: number } | { name: 'new' };

/** Rows per request of the list. */
export const REQUEST_PAGE = 100;

export function isOpen(status: RequestStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

// ---- days -------------------------------------------------------------------------------------

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Today's date on this computer as YYYY-MM-DD (the shell counts from the same local date). */
export function todayIso(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A YYYY-MM-DD date as local midnight (never shifted by the time zone), or null. */
export function parseDay(iso: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 ? d : null;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(lang: string, opts: Intl.DateTimeFormatOptions, key: string): Intl.DateTimeFormat {
  const k = `${lang}|${key}`;
  let f = dayFormats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, opts);
    dayFormats.set(k, f);
  }
  return f;
}

/** A YYYY-MM-DD date in the reader's language ("1 Apr 2026", "1 апр. 2026 г."); the text itself if it is no date. */
export function formatDay(iso: string, lang: string): string {
  const d = parseDay(iso);
  return d ? dayFormat(lang, { dateStyle: 'medium' }, 'day').format(d) : iso;
}

/** A YYYY-MM month as a chart label ("Apr 2026"). */
export function formatMonth(month: string, lang: string): string {
  const d = parseDay(`${month}-01`);
  return d ? dayFormat(lang, { month: 'short', year: 'numeric' }, 'month').format(d) : month;
}

/** A month as a chart axis label: its short name, with the year under it for the first month shown and each January. */
export function monthTick(month: string, first: boolean, lang: string): string | string[] {
  const d = parseDay(`${month}-01`);
  if (!d) return month;
  const name = dayFormat(lang, { month: 'short' }, 'month-name').format(d);
  return first || d.getMonth() === 0 ? [name, String(d.getFullYear())] : name;
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); null if either is no date. */
export function daysBetween(from: string, to: string): number | null {
  const a = parseDay(from);
  const b = parseDay(to);
  if (!a || !b) return null;
  const utc = (d: Date) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate());
  return Math.round((utc(b) - utc(a)) / 86_400_000);
}

/** Where a deadline stands: passed, today, within the week, later; closed requests have none. */
export type DueState = 'overdue' | 'today' | 'soon' | 'later' | 'closed';

export function dueState(daysLeft: number, open: boolean): DueState {
  if (!open) return 'closed';
  if (daysLeft < 0) return 'overdue';
  if (daysLeft === 0) return 'today';
  return daysLeft <= 6 ? 'soon' : 'later';
}

/** How the days left read: an i18n key and its values; null for a closed request. */
export function daysLeftText(daysLeft: number, open: boolean): { key: string; values: Record<string, number> } | null {
  switch (dueState(daysLeft, open)) {
    case 'closed':
      return null;
    case 'overdue':
      return { key: 'requests.due.overdue', values: { count: -daysLeft } };
    case 'today':
      return { key: 'requests.due.today', values: {} };
    default:
      return { key: 'requests.due.left', values: { count: daysLeft } };
  }
}

/**
 * A deadline counted over a calendar year that is not decreed yet
 * (provisional) or not known at all (missing): such a date may move, and
 * is marked wherever it is shown. Null for a decreed date.
 */
export function uncertainBasis(basis: string): 'provisional' | 'missing' | null {
  return basis === 'provisional' || basis === 'missing' ? basis : null;
}

// ---- what a request allows ----------------------------------------------------------------------

export type RequestAction = 'identity' | 'extend' | 'fulfil' | 'refuse' | 'cancel' | 'export';

/**
 * The steps a request can take now: the identity check before fulfilment
 * (the shell refuses to fulfil before it passed or was waived), the one
 * extension while the shell allows it, refusal and cancellation while open;
 * the access answer's export for the kinds answered with a copy of the data.
 */
export function availableActions(r: { status: RequestStatus; kind: RequestKind; can_extend: boolean }): RequestAction[] {
  const out: RequestAction[] = [];
  if (isOpen(r.status)) {
    if (r.status === 'in_progress') out.push('fulfil');
    else out.push('identity');
    if (r.can_extend) out.push('extend');
    out.push('refuse', 'cancel');
  }
  if (EXPORT_KINDS.includes(r.kind)) out.push('export');
  return out;
}

/** The list's status choice: every open request, all of them, or one status. */
export type StatusChoice = 'open' | 'all' | RequestStatus;

export function requestFilter(status: StatusChoice, kind: RequestKind | '', subject: string | null = null): RequestFilter {
  const one = status !== 'open' && status !== 'all';
  return { open: status === 'open', status: one ? status : null, kind: kind === '' ? null : kind, subject };
}

// ---- intake ------------------------------------------------------------------------------------

export type IntakeForm = {
  kind: RequestKind;
  /** '' = from the laws of the agreements the person consented to (the shell decides). */
  law: Law | '';
  channel: RequestChannel;
  /** YYYY-MM-DD */
  received: string;
  /** The person chosen from the search. */
  person: Hit | null;
  /** None of the people the searches offered wrote. */
  notInRegister: boolean;
  name: string;
  email: string;
  phone: string;
  representative: string;
  text: string;
};

export function emptyIntake(today: string): IntakeForm {
  return {
    kind: 'access',
    law: '',
    channel: 'email',
    received: today,
    person: null,
    notInRegister: false,
    name: '',
    email: '',
    phone: '',
    representative: '',
    text: '',
  };
}

export type IntakeProblem = 'person' | 'contact' | 'received' | 'received_future';

/** What stops the intake from being sent (the shell checks the rest and says why). */
export function intakeProblems(f: IntakeForm, today: string): IntakeProblem[] {
  const out: IntakeProblem[] = [];
  if (f.person === null && !f.notInRegister) out.push('person');
  if (f.person === null && f.notInRegister && !f.name.trim() && !f.email.trim() && !f.phone.trim()) out.push('contact');
  if (parseDay(f.received) === null) out.push('received');
  else if (f.received > today) out.push('received_future');
  return out;
}

/** Adds a search to those made (trimmed, each once, in order). */
export function rememberSearch(searches: readonly string[], text: string): string[] {
  const q = text.trim();
  return q === '' || searches.includes(q) ? [...searches] : [...searches, q];
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** The request as the shell takes it in. */
export function toNewRequest(f: IntakeForm, searches: readonly string[]): NewRequest {
  const chosen = f.person !== null;
  return {
    kind: f.kind,
    law: f.law === '' ? null : f.law,
    channel: f.channel,
    received: f.received.trim() === '' ? null : f.received.trim(),
    subject: chosen ? f.person!.subject : null,
    name: orNull(f.name),
    email: orNull(f.email),
    phone: orNull(f.phone),
    representative: orNull(f.representative),
    text: orNull(f.text),
    not_in_register: !chosen && f.notInRegister,
    searches: [...searches],
  };
}

// ---- fulfilment --------------------------------------------------------------------------------

export type FulfilForm = {
  name: string;
  email: string;
  phone: string;
  address: string;
  /** Withdrawal and objection: every active consent, or the chosen agreements. */
  allAgreements: boolean;
  agreements: number[];
  unlawful: boolean;
  legalHold: boolean;
  note: string;
};

export function emptyFulfil(): FulfilForm {
  return { name: '', email: '', phone: '', address: '', allAgreements: true, agreements: [], unlawful: false, legalHold: false, note: '' };
}

/** The parts of the fulfilment form a kind asks for. */
export function fulfilFields(kind: RequestKind): { corrections: boolean; agreements: boolean; unlawful: boolean; legalHold: boolean } {
  return {
    corrections: kind === 'rectification',
    agreements: kind === 'withdrawal' || kind === 'objection',
    unlawful: kind === 'objection',
    legalHold: kind === 'restriction',
  };
}

export type FulfilProblem = 'correction' | 'agreements';

export function fulfilProblems(kind: RequestKind, f: FulfilForm): FulfilProblem[] {
  const fields = fulfilFields(kind);
  const out: FulfilProblem[] = [];
  if (fields.corrections && ![f.name, f.email, f.phone, f.address].some((v) => v.trim() !== '')) out.push('correction');
  if (fields.agreements && !f.allAgreements && f.agreements.length === 0) out.push('agreements');
  return out;
}

/** The fulfilment as the shell takes it: only what the kind reads. */
export function toFulfilment(kind: RequestKind, f: FulfilForm): Fulfilment {
  const fields = fulfilFields(kind);
  return {
    corrections: fields.corrections
      ? { name: orNull(f.name), email: orNull(f.email), phone: orNull(f.phone), address: orNull(f.address), fields: {} }
      : { name: null, email: null, phone: null, address: null, fields: {} },
    agreements: fields.agreements && !f.allAgreements ? [...f.agreements].sort((a, b) => a - b) : [],
    unlawful: fields.unlawful && f.unlawful,
    legal_hold: fields.legalHold && f.legalHold,
    note: orNull(f.note),
  };
}

/** The agreements a person's latest action is "given" on: what a withdrawal can withdraw. */
export function activeAgreements(t: Pick<Timeline, 'items'>): Array<{ agreement: number; label: string }> {
  const latest = new Map<number, { label: string; action: string }>();
  for (const d of t.items) latest.set(d.entry.agreement, { label: d.entry.label, action: d.entry.action });
  return [...latest]
    .filter(([, v]) => v.action === 'given')
    .map(([agreement, v]) => ({ agreement, label: v.label }))
    .sort((a, b) => a.agreement - b.agreement);
}

// ---- follow-on deadlines -----------------------------------------------------------------------

/** The reason an erasure made to meet a follow-on deadline records: the request and the deadline. */
export function eraseReason(f: { request: number; kind: string }): string {
  return `request ${f.request}: ${f.kind}`;
}

/** The i18n key of a follow-on deadline's sentence ("Destroy the data by {date}"). */
export function followupKey(kind: string): string {
  return (FOLLOWUP_KINDS as readonly string[]).includes(kind) ? `requests.followup.${kind}` : 'requests.followup.other';
}

// ---- the history -------------------------------------------------------------------------------

export function stepLabelKey(kind: string): string | null {
  return (STEP_KINDS as readonly string[]).includes(kind) ? `requests.step.${kind.replace('.', '_')}` : null;
}

export function dataLabelKey(key: string): string | null {
  return (DATA_KEYS as readonly string[]).includes(key) ? `requests.data.${key}` : null;
}

function isSearch(v: unknown): v is { query: string; hits: number; candidates: number } {
  return typeof v === 'object' && v !== null && typeof (v as { query?: unknown }).query === 'string';
}

/** A value of a step's body or data as one line of text (never markup). */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    if (v.every(isSearch)) return v.map((s) => `«${s.query}»: ${s.hits} + ${s.candidates}`).join('; ');
    return v.map(valueText).join(', ');
  }
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${valueText(x)}`)
      .join('; ');
  }
  return String(v);
}

/** Searches recorded with a request, as one sentence per search ("«Fedorov»: 1 found, 0 by another spelling"). */
export function searchesText(v: unknown, t: (key: string, values: Record<string, string | number>) => string): string | null {
  if (!Array.isArray(v) || !v.every(isSearch)) return null;
  return v.map((s) => t('requests.search_made', { query: s.query, hits: s.hits, candidates: s.candidates })).join('; ');
}

/** The Russian text where the interface is Russian and the data gives one, else the English. */
export function inLanguage(en: string, ru: string | null | undefined, lang: string): string {
  return lang.startsWith('ru') && ru ? ru : en;
}

/** A deadline's source in the interface's language, led by its law unless the text names it already. */
export function sourceText(s: DeadlineSource, lang: string): string {
  const ru = lang.startsWith('ru');
  const text = inLanguage(s.en, s.ru, lang);
  const law = ru && s.law === '152-FZ' ? '152-ФЗ' : s.law;
  return text.startsWith(law) ? text : `${law}: ${text}`;
}

/** A period of the rules as words: "10 working days", "1 month". */
export function periodText(p: Period, t: (key: string, values: Record<string, number>) => string): string {
  if (Object.values(p)[0] === 0) return t('requests.period.at_once', {});
  if ('working_days' in p) return t('requests.period.working_days', { count: p.working_days });
  if ('calendar_days' in p) return t('requests.period.calendar_days', { count: p.calendar_days });
  return t('requests.period.months', { count: p.months });
}

/** A step's body or data as (field, text) pairs; nothing for what is no object (e.g. erased data: null). */
export function pairs(value: unknown, skip: readonly string[] = []): Array<[string, string]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => [k, valueText(v)]);
}

/** The requester as written with the request (its first step's data); nulls once erased. */
export function requesterOf(data: unknown): { name: string | null; email: string | null; phone: string | null; representative: string | null; text: string | null } {
  const d = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const s = (k: string) => (typeof d[k] === 'string' && (d[k] as string).trim() !== '' ? (d[k] as string) : null);
  return { name: s('name'), email: s('email'), phone: s('phone'), representative: s('representative'), text: s('text') };
}

/** A hit's other names and its contacts as one line (its first name is its heading). */
export function hitLine(h: Hit): string {
  return [...h.names.slice(1, 2), ...h.emails.slice(0, 2), ...h.phones.slice(0, 1)].join(' · ');
}

/** The calendar years by region, in order, for a one-line summary each. */
export function yearsByRegion<Y extends { region: string; year: number }>(years: readonly Y[]): Array<{ region: string; years: Y[] }> {
  const out: Array<{ region: string; years: Y[] }> = [];
  for (const y of [...years].sort((a, b) => (a.region === b.region ? a.year - b.year : a.region === 'RU' ? -1 : b.region === 'RU' ? 1 : a.region < b.region ? -1 : 1))) {
    const last = out.at(-1);
    if (last && last.region === y.region) last.years.push(y);
    else out.push({ region: y.region, years: [y] });
  }
  return out;
}

// ---- counts and the chart ----------------------------------------------------------------------

export function countOf(counts: ReadonlyArray<{ name: string; n: number }>, name: string): number {
  return counts.find((c) => c.name === name)?.n ?? 0;
}

/** The chart's series, oldest month first. */
export function chartSeries(months: readonly Month[]): { months: string[]; given: number[]; refused: number[]; withdrawn: number[] } {
  return {
    months: months.map((m) => m.month),
    given: months.map((m) => m.given),
    refused: months.map((m) => m.refused),
    withdrawn: months.map((m) => m.withdrawn),
  };
}

/** A two-letter country code as typed (upper case), or null when it is none. */
export function countryCode(text: string): string | null {
  const c = text.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(c) ? c : null;
}

/** A file size in the reader's language ("1.2 MB"). */
export function formatSize(bytes: number, lang: string): string {
  const units = lang.startsWith('ru') ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const n = new Intl.NumberFormat(lang, { maximumFractionDigits: u === 0 ? 0 : 1 }).format(v);
  return `${n} ${units[u]}`;
}

/** The i18n keys built at run time from these values (checked against both catalogues by the tests). */
export function requestMessageKeys(): string[] {
  return [
    ...REQUEST_KINDS.map((k) => `requests.kind.${k}`),
    ...REQUEST_STATUSES.map((s) => `requests.status.${s}`),
    ...REQUEST_CHANNELS.map((c) => `requests.channel.${c}`),
    ...LAWS.map((l) => `requests.law.${l}`),
    ...IDENTITY_METHODS.map((m) => `requests.identity.method.${m}`),
    ...OUTCOMES.map((o) => `requests.outcome.${o}`),
    ...STEP_KINDS.map((k) => stepLabelKey(k) as string),
    ...DATA_KEYS.map((k) => dataLabelKey(k) as string),
    ...FOLLOWUP_KINDS.map((k) => followupKey(k)),
    'requests.followup.other',
    ...(['person', 'contact', 'received', 'received_future'] as const).map((p) => `requests.new.problem.${p}`),
    ...(['correction', 'agreements'] as const).map((p) => `requests.fulfil.problem.${p}`),
    ...(['provisional', 'missing'] as const).flatMap((b) => [`requests.basis.${b}`, `requests.basis.${b}_hint`]),
    'requests.due.overdue',
    'requests.due.today',
    'requests.due.left',
    ...(['identity', 'extend', 'fulfil', 'refuse', 'cancel', 'export'] as const).map((a) => `requests.action.${a}`),
    ...(['passed', 'failed', 'waived'] as const).flatMap((r) => [`requests.identity.result.${r}`, `requests.identity.recorded_${r}`]),
    ...IDENTITY_METHODS.map((m) => `requests.identity.hint.${m}`),
    ...REQUEST_KINDS.map((k) => `requests.fulfil.intro.${k}`),
    'requests.fulfil.save.erasure',
    'requests.fulfil.save.other',
    'requests.files.purpose.request',
    'requests.files.purpose.identity',
    ...(['H', 'M', 'U'] as const).map((c) => `requests.confidence.${c}`),
  ];
}
