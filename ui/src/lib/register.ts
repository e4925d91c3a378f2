// The Consents section's logic as plain functions: the register's filters
// (form values → the shell's Filter), dates typed in local time → RFC 3339,
// which agreements can take a consent, what a subject's timeline shows, the
// manual entry form, and the import wizard (reading options, the column
// mapping and its remembered copy, the report's summary). The core decides
// every rule; this only decides what the UI sends and shows.
import type { Action } from './bindings/Action';
import type { Channel } from './bindings/Channel';
import type { ConsentInput } from './bindings/ConsentInput';
import type { Detail } from './bindings/Detail';
import type { Filter } from './bindings/Filter';
import type { Hit } from './bindings/Hit';
import type { Rejected } from './bindings/Rejected';
import type { ImportAction } from './bindings/ImportAction';
import type { ImportField } from './bindings/ImportField';
import type { ImportFormat } from './bindings/ImportFormat';
import type { ImportMapping } from './bindings/ImportMapping';
import type { ImportPreset } from './bindings/ImportPreset';
import type { ImportRead } from './bindings/ImportRead';
import type { ImportReport } from './bindings/ImportReport';
import type { Summary } from './bindings/Summary';
import type { Timeline } from './bindings/Timeline';

export const ACTIONS: readonly Action[] = ['given', 'refused', 'withdrawn', 'expired'];
export const CHANNELS: readonly Channel[] = ['web_form', 'chat', 'phone', 'email', 'paper', 'import', 'other'];
/** What an operator can type in: a consent given or refused (withdrawals start on the subject's page). */
export const RECORD_ACTIONS = ['given', 'refused'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];
/** Channels an operator chooses from (paper first: the usual case for manual entry). */
export const RECORD_CHANNELS: readonly Channel[] = ['paper', 'phone', 'email', 'chat', 'web_form', 'other'];
export const DEFAULT_WITHDRAW_CHANNEL: Channel = 'email';

/** Register rows fetched per request (the shell allows up to 1000). */
export const REGISTER_PAGE = 200;
/** How long typing in the search box waits before searching. */
export const SEARCH_DELAY_MS = 250;
/** People shown above the register for a search. */
export const HITS_LIMIT = 8;

// ---- time ----------------------------------------------------------------------------

/** Minutes east of UTC at a given moment (Moscow: 180). */
export type OffsetAt = (d: Date) => number;
export const localOffset: OffsetAt = (d) => -d.getTimezoneOffset();

/** `+03:00`, `-05:30`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(Math.round(minutes));
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * The first (or last) moment of a local calendar day as RFC 3339 with the
 * local offset of that moment, e.g. `2025-03-14T00:00:00+03:00`; null for
 * anything that is not a `YYYY-MM-DD` date.
 */
export function dayBound(date: string, end: boolean, offset: OffsetAt = localOffset): string | null {
  const m = DATE_RE.exec(date.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return null;
  const at = end ? new Date(y, mo - 1, d, 23, 59, 59, 999) : new Date(y, mo - 1, d, 0, 0, 0, 0);
  const off = formatOffset(offset(at));
  return end ? `${m[0]}T23:59:59.999${off}` : `${m[0]}T00:00:00${off}`;
}

/** The value of a `datetime-local` input for a moment, in local time (minutes). */
export function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A `datetime-local` value as RFC 3339 with the local offset; null when it is not one. */
export function localInputToRfc3339(value: string, offset: OffsetAt = localOffset): string | null {
  const m = LOCAL_RE.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  const off = formatOffset(offset(new Date(y, mo - 1, d, h, mi, s)));
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${off}`;
}

// ---- the register's filters ---------------------------------------------------------------

/** The filter controls as the form holds them ('' = any). */
export type FilterForm = {
  /** An agreement id, or ''. */
  agreement: string;
  /** A version number of that agreement, or ''. */
  version: string;
  action: Action | '';
  channel: Channel | '';
  /** Local dates `YYYY-MM-DD`, inclusive. */
  from: string;
  to: string;
  text: string;
};

export function emptyFilterForm(): FilterForm {
  return { agreement: '', version: '', action: '', channel: '', from: '', to: '', text: '' };
}

export function isFilterFormEmpty(f: FilterForm): boolean {
  return (
    f.agreement === '' && f.version === '' && f.action === '' && f.channel === '' && f.from === '' && f.to === '' && f.text.trim() === ''
  );
}

function positiveInt(s: string): number | null {
  return /^\d+$/.test(s.trim()) && Number(s) > 0 ? Number(s) : null;
}

/**
 * The shell's Filter for the form. Dates become the start and end of those
 * local days. A range whose start is after its end is left out and reported
 * (`inverted`), so the list does not silently come out empty.
 */
export function buildFilter(f: FilterForm, offset: OffsetAt = localOffset): { filter: Filter; inverted: boolean } {
  const agreement = positiveInt(f.agreement);
  let from = f.from ? dayBound(f.from, false, offset) : null;
  let to = f.to ? dayBound(f.to, true, offset) : null;
  const inverted = from !== null && to !== null && f.from > f.to;
  if (inverted) {
    from = null;
    to = null;
  }
  const text = f.text.trim();
  return {
    filter: {
      agreement,
      version: agreement === null ? null : positiveInt(f.version),
      action: f.action === '' ? null : f.action,
      channel: f.channel === '' ? null : f.channel,
      from,
      to,
      subject: null,
      text: text === '' ? null : text,
    },
    inverted,
  };
}

/** Whether the register's total (all consents) is also this list's length: nothing is filtered. */
export function isUnfiltered(f: Filter): boolean {
  return (
    f.agreement === null &&
    f.version === null &&
    f.action === null &&
    f.channel === null &&
    f.from === null &&
    f.to === null &&
    f.subject === null &&
    f.text === null
  );
}

// ---- agreements ------------------------------------------------------------------------

/** Agreements a new consent or refusal can be recorded against: published and not retired. */
export function recordableAgreements(list: readonly Summary[]): Summary[] {
  return list.filter((s) => s.published_version !== null && s.retired_at === null).sort((a, b) => a.id - b.id);
}

/** Agreements the register can hold consents for (every one ever published, retired too). */
export function filterableAgreements(list: readonly Summary[]): Summary[] {
  return list.filter((s) => s.published_version !== null).sort((a, b) => a.id - b.id);
}

/** The published versions of an agreement (each published version is followed by at most one draft). */
export function publishedVersions(s: Summary | undefined): number[] {
  const n = s?.published_version ?? 0;
  return Array.from({ length: n }, (_, i) => i + 1);
}

// ---- a subject's timeline --------------------------------------------------------------------

export type MatchState = 'yes' | 'no' | 'erased';

/** Whether the stored data still produces the ledger's commitment (`erased`: no data left to check). */
export function matchState(d: Pick<Detail, 'matches_ledger'>): MatchState {
  return d.matches_ledger === null ? 'erased' : d.matches_ledger ? 'yes' : 'no';
}

/** Stored data fields shown by name, in this order. */
export const DATA_FIELDS = ['name', 'email', 'phone', 'address', 'id_document', 'ip', 'url', 'user_agent'] as const;
export type DataField = (typeof DATA_FIELDS)[number];

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return s.trim() === '' ? null : s;
}

/**
 * What the register records when a consent's term ends: the ledger event of
 * the consent that expired and the term in months.
 */
export type ExpiryData = { consent: number; months: number };

/** The keys of the data recorded with an expiry. */
const EXPIRY_KEYS = ['expired_consent', 'term_months'] as const;

function wholeNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** The expiry recorded in an action's data, when that is what it holds. */
export function expiryData(data: unknown): ExpiryData | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const o = data as Record<string, unknown>;
  const consent = wholeNumber(o.expired_consent);
  const months = wholeNumber(o.term_months);
  return consent !== null && months !== null ? { consent, months } : null;
}

/**
 * The personal data recorded with one action, as text only: the known fields
 * in a fixed order, then every form field (and anything unexpected) by its
 * name. An expiry's data is given apart (`expiry`), to be shown as a sentence.
 */
export function recordedData(data: unknown): {
  known: Array<{ field: DataField; value: string }>;
  fields: Array<{ name: string; value: string }>;
  expiry: ExpiryData | null;
} {
  const known: Array<{ field: DataField; value: string }> = [];
  const fields: Array<{ name: string; value: string }> = [];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { known, fields, expiry: null };
  const o = data as Record<string, unknown>;
  const expiry = expiryData(o);
  for (const f of DATA_FIELDS) {
    const v = text(o[f]);
    if (v !== null) known.push({ field: f, value: v });
  }
  const form = o.fields;
  if (form && typeof form === 'object' && !Array.isArray(form)) {
    for (const [name, raw] of Object.entries(form as Record<string, unknown>)) {
      const v = text(raw);
      if (v !== null) fields.push({ name, value: v });
    }
  }
  for (const [name, raw] of Object.entries(o)) {
    if ((DATA_FIELDS as readonly string[]).includes(name) || name === 'fields') continue;
    if (expiry !== null && (EXPIRY_KEYS as readonly string[]).includes(name)) continue;
    const v = text(raw);
    if (v !== null) fields.push({ name, value: v });
  }
  return { known, fields, expiry };
}

export type Contacts = { name: string | null; email: string | null; phone: string | null };

function pick(d: Detail, k: 'name' | 'email' | 'phone'): string | null {
  const data = d.data && typeof d.data === 'object' ? (d.data as Record<string, unknown>) : {};
  return text(data[k]) ?? text(d.entry[k]);
}

/** The subject's newest known name, e-mail and phone (each from the newest action that has it). */
export function subjectContacts(t: Pick<Timeline, 'items'>): Contacts {
  const out: Contacts = { name: null, email: null, phone: null };
  for (let i = t.items.length - 1; i >= 0; i--) {
    for (const k of ['name', 'email', 'phone'] as const) out[k] ??= pick(t.items[i], k);
  }
  return out;
}

/** A search hit's first name, e-mail and phone. */
export function hitContacts(h: Pick<Hit, 'names' | 'emails' | 'phones'>): Contacts {
  return { name: h.names[0] ?? null, email: h.emails[0] ?? null, phone: h.phones[0] ?? null };
}

/** What to call a person in a heading or a list: the name, else the e-mail, else the phone. */
export function displayName(c: { name: string | null; email: string | null; phone: string | null }): string | null {
  for (const v of [c.name, c.email, c.phone]) if (v && v.trim() !== '') return v;
  return null;
}

/** Everything a search hit is known by besides its display name: further names, e-mails, phones (each once). */
export function hitDetails(h: Pick<Hit, 'names' | 'emails' | 'phones'>): string[] {
  const main = displayName(hitContacts(h));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of [...h.names, ...h.emails, ...h.phones]) {
    if (v.trim() === '' || v === main || seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  return out;
}

/** The contacts after the display name, joined for one line. */
export function secondaryContacts(c: { name: string | null; email: string | null; phone: string | null }): string {
  const main = displayName(c);
  return [c.name, c.email, c.phone].filter((v): v is string => !!v && v.trim() !== '' && v !== main).join(' · ');
}

/**
 * The agreement versions a withdrawal can target: for each agreement whose
 * latest action is a consent given, the version it was given to; the most
 * recent first.
 */
export function withdrawalTargets(t: Pick<Timeline, 'items'>): string[] {
  return currentStatus(t)
    .filter((s) => s.action === 'given')
    .sort((a, b) => (a.acted_at < b.acted_at ? 1 : a.acted_at > b.acted_at ? -1 : 0))
    .map((s) => s.label);
}

/** The latest action per agreement: where this person stands now. */
export function currentStatus(t: Pick<Timeline, 'items'>): Array<{ agreement: number; label: string; action: Action; acted_at: string }> {
  const latest = new Map<number, { agreement: number; label: string; action: Action; acted_at: string }>();
  for (const d of t.items) {
    const e = d.entry;
    latest.set(e.agreement, { agreement: e.agreement, label: e.label, action: e.action, acted_at: e.acted_at });
  }
  return [...latest.values()].sort((a, b) => a.agreement - b.agreement);
}

/**
 * A withdrawal is linked to a subject by e-mail or phone: without either, the
 * shell would record it under a new person.
 */
export function canLinkWithdrawal(c: Contacts): boolean {
  return !!c.email || !!c.phone;
}

/** The withdrawal as the shell records it: the subject's contacts, the version, the channel, the time ('' = now). */
export function withdrawalInput(c: Contacts, label: string, channel: Channel, actedAt: string): ConsentInput {
  return {
    agreement: label,
    action: 'withdrawn',
    channel,
    name: c.name ?? '',
    email: c.email ?? '',
    phone: c.phone ?? '',
    address: '',
    idDocument: '',
    actedAt,
    scanSha256: '',
  };
}

// ---- merging people ------------------------------------------------------------------------

/**
 * The people a subject's page offers to merge: the hits without this person
 * (`selves`: the subject the page was opened for and the one its timeline
 * resolved to, which differ once a record was merged), each once, at most `limit`.
 */
export function otherPeople(hits: readonly Hit[], selves: ReadonlyArray<string | null | undefined>, limit = Infinity): Hit[] {
  const skip = new Set(selves.filter((s): s is string => !!s));
  const out: Hit[] = [];
  for (const h of hits) {
    if (out.length >= limit) break;
    if (skip.has(h.subject)) continue;
    skip.add(h.subject);
    out.push(h);
  }
  return out;
}

// ---- manual entry -------------------------------------------------------------------------

export type RecordForm = {
  /** A label such as `A3` (the newest published version). */
  agreement: string;
  action: RecordAction;
  channel: Channel;
  name: string;
  email: string;
  phone: string;
  address: string;
  docNumber: string;
  docDate: string;
  docIssuer: string;
  /** A `datetime-local` value; '' = now. */
  actedAt: string;
  /** SHA-256 of a scanned paper form, or ''. */
  scanSha256: string;
};

export function emptyRecordForm(agreement = ''): RecordForm {
  return {
    agreement,
    action: 'given',
    channel: 'paper',
    name: '',
    email: '',
    phone: '',
    address: '',
    docNumber: '',
    docDate: '',
    docIssuer: '',
    actedAt: '',
    scanSha256: '',
  };
}

/** The personal data typed in (what leaving the form would lose). */
export function recordFormHasData(f: RecordForm): boolean {
  return [f.name, f.email, f.phone, f.address, f.docNumber, f.docDate, f.docIssuer, f.scanSha256].some((v) => v.trim() !== '');
}

/** The ID document of a 152-FZ written consent as one line: number, date of issue, issuer. */
export function composeIdDocument(number: string, date: string, issuer: string): string {
  return [number, date, issuer]
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .join(', ');
}

export type RecordProblem = 'agreement' | 'person' | 'acted_at';

/** What stops the form from being sent (the shell checks the rest and says why). */
export function recordProblems(f: RecordForm): RecordProblem[] {
  const out: RecordProblem[] = [];
  if (f.agreement.trim() === '') out.push('agreement');
  if (f.name.trim() === '' && f.email.trim() === '' && f.phone.trim() === '') out.push('person');
  if (f.actedAt.trim() !== '' && localInputToRfc3339(f.actedAt) === null) out.push('acted_at');
  return out;
}

export function toConsentInput(f: RecordForm, offset: OffsetAt = localOffset): ConsentInput {
  return {
    agreement: f.agreement.trim(),
    action: f.action,
    channel: f.channel,
    name: f.name.trim(),
    email: f.email.trim(),
    phone: f.phone.trim(),
    address: f.address.trim(),
    idDocument: composeIdDocument(f.docNumber, f.docDate, f.docIssuer),
    actedAt: f.actedAt.trim() === '' ? '' : (localInputToRfc3339(f.actedAt, offset) ?? f.actedAt.trim()),
    scanSha256: f.scanSha256.trim(),
  };
}

/** Hex SHA-256 of a file's bytes (the scan of a signed paper form). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- import: reading the file ----------------------------------------------------------------

export const ENCODINGS = ['utf-8', 'windows-1251', 'koi8-r'] as const;
export const DELIMITERS = [';', ',', 'tab', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
export const PRESETS: readonly ImportPreset[] = ['bitrix24', 'amocrm', 'kantara', 'iso27560'];
export const IMPORT_ACTIONS: readonly ImportAction[] = ['given', 'refused', 'withdrawn'];
/** The fields of the mapping step, in the order shown: the required ones first. */
export const IMPORT_FIELDS: readonly ImportField[] = [
  'acted_at',
  'name',
  'email',
  'phone',
  'action',
  'agreement',
  'channel',
  'ip',
  'url',
  'user_agent',
  'address',
  'id_document',
  'items',
];

/** The delimiter's select value for the byte the shell detected. */
export function delimiterValue(byte: number | null): string {
  if (byte === null) return '';
  if (byte === 9) return 'tab';
  return String.fromCharCode(byte);
}

/** Whether the file is read through columns (CSV, XLSX) — JSON records have their own fields. */
export function hasColumns(format: ImportFormat): boolean {
  return format === 'csv' || format === 'xlsx';
}

/**
 * A path as typed or pasted: surrounding white space and the quotes that
 * Windows' "Copy as path" adds are removed.
 */
export function cleanPath(p: string): string {
  const t = p.trim();
  const m = /^"(.*)"$/.exec(t) ?? /^'(.*)'$/.exec(t);
  return (m ? m[1] : t).trim();
}

/** A full path (`/home/…`, `C:\…`, `\\server\…`); the shell refuses relative ones. */
export function isFullPath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

export function fileNameOf(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] || p;
}

/** The reading options the user chose ('' = let the shell detect it). */
export type ReadChoice = { preset: ImportPreset | ''; encoding: string; delimiter: string };

/**
 * The reading options to send. Encoding and delimiter are CSV's only: for a
 * file read as XLSX or JSON they are left to the shell.
 */
export function readOptions(c: ReadChoice, mapping: ImportMapping | null, format: ImportFormat | null = null): ImportRead {
  const csv = format === null || format === 'csv';
  return {
    preset: c.preset === '' ? null : c.preset,
    encoding: !csv || c.encoding === '' ? null : c.encoding,
    delimiter: !csv || c.delimiter === '' ? null : c.delimiter,
    mapping,
  };
}

// ---- import: the column mapping ---------------------------------------------------------------

/** Field → the file's header chosen for it ('' = not in the file). */
export type Selects = Record<ImportField, string>;

function norm(h: string): string {
  return h.trim().toLowerCase();
}

/** The selects for a mapping: each field's column, as the file spells it (headers match case-insensitively). */
export function mappingToSelects(mapping: ImportMapping, headers: readonly string[]): Selects {
  const out = {} as Selects;
  for (const f of IMPORT_FIELDS) {
    const col = mapping.columns[f];
    out[f] = col === undefined ? '' : (headers.find((h) => norm(h) === norm(col)) ?? '');
  }
  return out;
}

/**
 * The mapping to send for the selects. Fallback columns of the suggested
 * mapping (amoCRM's further phone columns) are kept for the fields whose
 * main column the user left as suggested.
 */
export function selectsToMapping(selects: Selects, base: ImportMapping, defaultAction: ImportAction): ImportMapping {
  const columns: ImportMapping['columns'] = {};
  const fallback: NonNullable<ImportMapping['fallback']> = {};
  for (const f of IMPORT_FIELDS) {
    const col = selects[f];
    if (!col) continue;
    columns[f] = col;
    const was = base.columns[f];
    const more = base.fallback?.[f];
    if (was !== undefined && norm(was) === norm(col) && more && more.length > 0) fallback[f] = [...more];
  }
  const out: ImportMapping = { columns, default_action: defaultAction };
  if (Object.keys(fallback).length > 0) out.fallback = fallback;
  return out;
}

/**
 * After the file was read again (another encoding or delimiter), keeps each
 * choice the user made whose column still exists, and takes the new
 * suggestion for the rest.
 */
export function keepSelects(previous: Selects, fresh: Selects, headers: readonly string[]): Selects {
  const out = { ...fresh };
  for (const f of IMPORT_FIELDS) if (previous[f] && headers.includes(previous[f])) out[f] = previous[f];
  return out;
}

/** The file's column each field is read from, by header index (for marking the preview's columns). */
export function fieldsByColumn(selects: Selects, headers: readonly string[]): ImportField[][] {
  return headers.map((h, i) => IMPORT_FIELDS.filter((f) => selects[f] === h && headers.indexOf(h) === i));
}

/** Required fields the selects leave out: the time, and one of name / e-mail / phone (as the core requires). */
export function missingFields(selects: Selects): ImportField[] {
  const out: ImportField[] = [];
  if (!selects.acted_at) out.push('acted_at');
  if (!selects.name && !selects.email && !selects.phone) out.push('name', 'email', 'phone');
  return out;
}

// ---- import: the remembered mapping ----------------------------------------------------------

const MAPPING_PREFIX = 'consent-ledger.import-mapping.';

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function headerSet(headers: readonly string[]): string[] {
  return [...new Set(headers.map(norm))].sort();
}

/** The localStorage key of the mapping remembered for a set of headers (order and case do not matter). */
export function mappingStorageKey(headers: readonly string[]): string {
  return `${MAPPING_PREFIX}${fnv1a(headerSet(headers).join('\u0000'))}`;
}

/**
 * Whether a "header" row looks like data — a file without a header row
 * shows its first record there, and a person's e-mail or phone must not end
 * up in the browser's storage.
 */
export function headersLookLikeData(headers: readonly string[]): boolean {
  return headers.some((h) => /\S@\S/.test(h) || (h.match(/\d/g)?.length ?? 0) >= 7);
}

export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** Remembers the mapping for these headers (header names only); false when it was not stored. */
export function rememberMapping(store: KeyValueStore, headers: readonly string[], mapping: ImportMapping): boolean {
  if (headers.length === 0 || headersLookLikeData(headers)) return false;
  const known = new Set(headers.map(norm));
  const columns: ImportMapping['columns'] = {};
  for (const [f, col] of Object.entries(mapping.columns) as Array<[ImportField, string]>) {
    if (known.has(norm(col))) columns[f] = col;
  }
  const fallback: NonNullable<ImportMapping['fallback']> = {};
  for (const [f, cols] of Object.entries(mapping.fallback ?? {}) as Array<[ImportField, string[]]>) {
    const kept = cols.filter((c) => known.has(norm(c)));
    if (kept.length > 0) fallback[f] = kept;
  }
  const value = { headers: headerSet(headers), mapping: { columns, fallback, default_action: mapping.default_action } };
  try {
    store.setItem(mappingStorageKey(headers), JSON.stringify(value));
    return true;
  } catch {
    return false; // storage full or unavailable: the suggestion is used next time
  }
}

/** The mapping remembered for exactly these headers, or null. */
export function recallMapping(store: KeyValueStore, headers: readonly string[]): ImportMapping | null {
  if (headers.length === 0) return null;
  let raw: string | null;
  try {
    raw = store.getItem(mappingStorageKey(headers));
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { headers?: unknown; mapping?: Partial<ImportMapping> };
    const same = Array.isArray(v.headers) && JSON.stringify(v.headers) === JSON.stringify(headerSet(headers));
    const m = v.mapping;
    if (!same || !m || typeof m.columns !== 'object' || m.columns === null) return null;
    const columns: ImportMapping['columns'] = {};
    for (const f of IMPORT_FIELDS) {
      const c = (m.columns as Record<string, unknown>)[f];
      if (typeof c === 'string' && c !== '') columns[f] = c;
    }
    const action = IMPORT_ACTIONS.includes(m.default_action as ImportAction) ? (m.default_action as ImportAction) : 'given';
    const out: ImportMapping = { columns, default_action: action };
    if (m.fallback && typeof m.fallback === 'object') {
      const fb: NonNullable<ImportMapping['fallback']> = {};
      for (const f of IMPORT_FIELDS) {
        const cols = (m.fallback as Record<string, unknown>)[f];
        if (Array.isArray(cols) && cols.every((c) => typeof c === 'string') && cols.length > 0) fb[f] = cols as string[];
      }
      if (Object.keys(fb).length > 0) out.fallback = fb;
    }
    return out;
  } catch {
    return null;
  }
}

// ---- import: the report -----------------------------------------------------------------------

/** The headline of an import report: an i18n key and its values. */
export function importSummary(r: ImportReport): { key: string; values: Record<string, number> } {
  const rejected = r.rejected.length;
  if (!r.committed) return { key: 'consents.import.summary_refused', values: { rejected, rows: r.rows_read } };
  if (rejected > 0)
    return { key: 'consents.import.summary_partial', values: { added: r.added, duplicates: r.duplicates, rejected } };
  if (r.added === 0) return { key: 'consents.import.summary_nothing_new', values: { duplicates: r.duplicates } };
  return { key: 'consents.import.summary_done', values: { added: r.added, duplicates: r.duplicates } };
}

/**
 * Whether the rejected rows can be saved to a file to fix and import again:
 * the good rows were stored and some were left out of a CSV or XLSX file
 * (JSON records have no columns to write back).
 */
export function canSaveRejected(r: Pick<ImportReport, 'committed' | 'format' | 'rejected'>): boolean {
  return r.committed && r.rejected.length > 0 && (r.format === 'csv' || r.format === 'xlsx');
}

/** The line numbers of the rejected rows, each once, in file order. */
export function rejectedLines(r: Pick<ImportReport, 'rejected'>): number[] {
  return [...new Set(r.rejected.map((x) => x.line))].sort((a, b) => a - b);
}

/** The reasons for a rejected row the core names by id (`ImportProblem.id`), each with a message in both catalogues. */
export const IMPORT_PROBLEMS = [
  'email_invalid',
  'phone_invalid',
  'action_invalid',
  'date_invalid',
  'date_missing',
  'ip_invalid',
  'nobody',
  'field_count',
  'beyond_columns',
  'unclosed_quote',
  'agreement_unknown',
  'agreement_missing',
] as const;

/**
 * Why a row was rejected, in the reader's language: each of its problems
 * through `t`, joined with "; ". The core's English text when it named no
 * problem, or one this version does not know.
 */
export function rejectionText(
  r: Pick<Rejected, 'reason' | 'problems'>,
  t: (key: string, values: Record<string, string | number>) => string,
): string {
  const known = IMPORT_PROBLEMS as readonly string[];
  if (r.problems.length === 0 || !r.problems.every((p) => known.includes(p.id))) return r.reason;
  // Counts come as text; plural forms need numbers.
  const values = (v: Record<string, string>) =>
    Object.fromEntries(Object.entries(v).map(([k, x]) => [k, /^\d+$/.test(x) ? Number(x) : x]));
  return r.problems.map((p) => t(`consents.import.problem.${p.id}`, values(p.values))).join('; ');
}

/** The i18n keys built at run time from these values (checked against both catalogues by the tests). */
export function dynamicMessageKeys(): string[] {
  return [
    ...IMPORT_PROBLEMS.map((p) => `consents.import.problem.${p}`),
    ...ACTIONS.map((a) => `consents.action.${a}`),
    ...CHANNELS.map((c) => `consents.channel.${c}`),
    ...(['yes', 'no', 'erased'] as const).map((m) => `consents.match.${m}`),
    ...(['yes', 'no', 'erased'] as const).map((m) => `consents.match_hint.${m}`),
    ...DATA_FIELDS.map((f) => `consents.data.${f}`),
    ...(['agreement', 'person', 'acted_at'] as const).map((p) => `consents.record.problem.${p}`),
    ...RECORD_ACTIONS.map((a) => `consents.record.decision.${a}`),
    ...IMPORT_FIELDS.map((f) => `consents.import.field.${f}`),
    ...IMPORT_FIELDS.map((f) => `consents.import.field_hint.${f}`),
    ...PRESETS.map((p) => `consents.import.preset.${p}`),
    ...IMPORT_ACTIONS.map((a) => `consents.import.default_action.${a}`),
    ...DELIMITERS.map((d) => delimiterKey(d) as string),
    ...(['csv', 'xlsx', 'json'] as const).map((f) => `consents.import.format.${f}`),
    'consents.import.blocked_missing',
    'consents.import.stale',
    'consents.import.agreement_needed',
    'consents.import.path_empty',
    'consents.import.path_not_full',
    'consents.import.summary_refused',
    'consents.import.summary_partial',
    'consents.import.summary_nothing_new',
    'consents.import.summary_done',
  ];
}

/** The i18n key of a delimiter's name. */
export function delimiterKey(d: string): string | null {
  switch (d) {
    case ';':
      return 'consents.import.delimiter.semicolon';
    case ',':
      return 'consents.import.delimiter.comma';
    case '|':
      return 'consents.import.delimiter.pipe';
    case 'tab':
      return 'consents.import.delimiter.tab';
    default:
      return null;
  }
}
