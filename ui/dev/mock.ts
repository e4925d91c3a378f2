// Development harness: the real UI over a fake backend in the browser, for
// working on screens without the Tauri shell (`npm run dev`, then open
// /dev/index.html). Not part of the production build.
// Query parameters: events=N (ledger size, default 1,000,000), tampered=1,
// empty=1 (no recent vaults), consents=N (register size, default 100,000).
// Import: a path ending in .json reads as Kantara JSON; a path containing
// "bad" reports rejected rows; "missing" fails to read.
// Requests: a dozen sample requests (one overdue, one on a provisional
// calendar, a pending destruction deadline); gdpr=DE sets the GDPR country.
// Letters: any request's letters can be issued; an answer warns about the
// documents profile's empty statements until Settings → Documents fills them.
// Evidence: two destruction acts (one past its three years of retention, in
// the overview's reminder) and one more for each person erased here; evidence
// packs are made with progress (Cancel works), and a pack path containing
// "changed" checks as not intact.
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CheckpointDto } from '../src/lib/bindings/CheckpointDto';
import type { EventDto } from '../src/lib/bindings/EventDto';
import type { Settings } from '../src/lib/bindings/Settings';
import type { VaultSummary } from '../src/lib/bindings/VaultSummary';

const q = new URLSearchParams(location.search);
const TOTAL = Number(q.get('events') ?? 1_000_000);
const TAMPERED = q.get('tampered') === '1';
const KINDS = ['vault.unlocked', 'subject.recorded', 'vault.locked', 'subject.erased', 'consent.given', 'organisation.requisites_changed'];
const START = Date.parse('2024-01-01T00:00:00Z');

let settings: Settings = { language: q.get('lang') ?? 'system', autoLockMinutes: 10, witnessFolders: [], backupFolder: null, backupKeep: 10 };
let backupCancelled = false;
let summary: VaultSummary = {
  path: '/home/anna/Consent Ledger/ooo-romashka',
  vaultId: '6f1c2d3e-aaaa-bbbb-cccc-1234567890ab',
  organisation: 'ООО «Ромашка» <script>alert(1)</script>',
  operator: 'владелец',
  role: 'owner',
  createdAt: '2024-01-01T00:00:00.000000Z',
  events: TOTAL,
  checkpoints: 2,
  verifierKey: 'consent-ledger+6f1c2d3e+AcZlb3cBqH9+u6cJ0nH6eQ0H3zM0vUo3kq1m8vJx5w2T',
  witnessProblems: [],
};
const checkpoints: CheckpointDto[] = [1, 2].map((id) => checkpoint(id, Math.floor((TOTAL * id) / 3)));
let cancelled = false;

function checkpoint(id: number, size: number): CheckpointDto {
  const root = btoa(String(size * 7919)).padEnd(44, 'A');
  return {
    id,
    treeSize: size,
    root,
    createdAt: new Date(START + size * 60_000).toISOString().replace('Z', '000Z'),
    note: `consent-ledger/${summary.vaultId}\n${size}\n${root}\n\n— consent-ledger+6f1c2d3e ${btoa('signature' + id)}`,
  };
}

function event(seq: number): EventDto {
  const kind = seq === 1 ? 'vault.created' : KINDS[seq % KINDS.length];
  return {
    seq,
    recordedAt: new Date(START + seq * 60_000).toISOString().replace('Z', '123Z'),
    actor: seq % 7 === 0 ? 'Мария Иванова' : 'владелец',
    kind,
    subject: kind.startsWith('subject') ? `subj_${(seq * 2654435761) % 100000}` : null,
    body: JSON.stringify({ note: '<img src=x onerror=alert(1)>', commitment: 'b3f1' + seq.toString(16), n: seq }),
    leafHash: (seq * 2654435761).toString(16).padStart(16, '0').repeat(4),
  };
}

function strength(p: string) {
  const chars = [...p].length;
  const words = p.trim().split(/\s+/).filter(Boolean).length;
  const score = Math.min(4, Math.floor(chars / 6) + (words >= 3 ? 1 : 0));
  if (p === '') return { score: 0, acceptable: false, reason: 'the passphrase is empty', suggestions: [] };
  if (chars < 10)
    return {
      score: Math.min(score, 1),
      acceptable: false,
      reason: `it has ${chars} characters; use at least 10`,
      suggestions: ['Add another word or two. Uncommon words are better.'],
    };
  if (score < 3)
    return {
      score,
      acceptable: false,
      reason: 'it is too easy to guess (A word by itself is easy to guess.)',
      suggestions: ['Use four or more unrelated words.'],
    };
  return { score, acceptable: true, reason: '', suggestions: [] };
}

// ---- the consent register (consents=N, default 100,000) ------------------------------
const CONSENTS = Number(q.get('consents') ?? 100_000);
const FIRST = ['Иван', 'Мария', 'Пётр', 'Анна', 'Ольга', 'Алексей', 'Елена', 'John', 'Sophie', '<b>Юлия</b>'];
const LAST = ['Петров', 'Иванова', 'Сидоров', 'Кузнецова', 'Смирнов', 'Попова', 'Smith', 'Müller'];
const SUBJECTS = 5000;
const CHANNELS_M = ['web_form', 'chat', 'phone', 'email', 'paper', 'import'] as const;
const agreementsM = [
  { id: 1, title: 'Согласие на обработку персональных данных', template: 'processing', language: 'ru', translation_of: null, latest_version: 2, latest_is_draft: false, published_version: 2, retired_at: null, updated_at: '2025-01-10T10:00:00.000000Z' },
  { id: 2, title: 'Согласие на рассылку', template: 'marketing', language: 'ru', translation_of: null, latest_version: 2, latest_is_draft: true, published_version: 1, retired_at: null, updated_at: '2025-02-10T10:00:00.000000Z' },
  { id: 3, title: 'Старое согласие', template: 'processing', language: 'ru', translation_of: null, latest_version: 1, latest_is_draft: false, published_version: 1, retired_at: '2025-03-01T00:00:00.000000Z', updated_at: '2025-03-01T00:00:00.000000Z' },
  { id: 4, title: '', template: 'custom', language: 'en', translation_of: null, latest_version: 1, latest_is_draft: true, published_version: null, retired_at: null, updated_at: '2025-03-05T00:00:00.000000Z' },
];
type MEntry = Record<string, unknown> & { id: number; subject: string; acted_at: string; action: string; channel: string; agreement: number; version: number; name: string | null; email: string | null; phone: string | null };
const recorded: MEntry[] = []; // newest first
function person(s: number) {
  const name = `${FIRST[s % FIRST.length]} ${LAST[(s >> 3) % LAST.length]}`;
  return { name, email: s % 4 === 3 ? null : `user${s}@example.ru`, phone: s % 3 === 0 ? `+7 916 ${String(1000000 + s).slice(1, 4)}-${String(s % 100).padStart(2, '0')}-${String((s * 7) % 100).padStart(2, '0')}` : null };
}
function consentAt(i: number): MEntry {
  const id = CONSENTS - i;
  const s = (id * 7919) % SUBJECTS;
  const p = person(s);
  const agreement = (id % 3) + 1;
  const version = agreement === 1 ? (id % 2) + 1 : 1;
  const action = id % 11 === 0 ? 'withdrawn' : id % 7 === 0 ? 'refused' : id % 97 === 0 ? 'expired' : 'given';
  return {
    id, subject: `subj-${s}`, ...p, agreement, version, label: `A${agreement}-v${version}`, action,
    acted_at: new Date(START + id * 90_000).toISOString().replace('Z', '000Z'), acted_at_original: id % 5 === 0 ? '14.03.2024 10:00 MSK' : null,
    recorded_at: new Date(START + id * 90_000 + 3000).toISOString().replace('Z', '000Z'),
    channel: CHANNELS_M[id % CHANNELS_M.length], url: id % 2 ? `https://example.ru/forms/consent?utm=${'x'.repeat(id % 40)}` : null, seq: id + 10, erased: s === 13, restricted: s === 7, rectified: false,
  };
}
function allConsent(i: number): MEntry | undefined {
  if (i < recorded.length) return recorded[i];
  const j = i - recorded.length;
  return j < CONSENTS ? consentAt(j) : undefined;
}
function matches(e: MEntry, f: Record<string, unknown>): boolean {
  if (f.agreement != null && e.agreement !== f.agreement) return false;
  if (f.version != null && e.version !== f.version) return false;
  if (f.action != null && e.action !== f.action) return false;
  if (f.channel != null && e.channel !== f.channel) return false;
  if (f.from != null && Date.parse(e.acted_at) < Date.parse(String(f.from))) return false;
  if (f.to != null && Date.parse(e.acted_at) > Date.parse(String(f.to))) return false;
  if (f.subject != null && e.subject !== f.subject) return false;
  if (f.text != null) {
    const words = String(f.text).toLowerCase().split(/\s+/).filter(Boolean);
    const hay = [e.name, e.email, e.phone].filter(Boolean).join(' ').toLowerCase().split(/[\s@.+()-]+/);
    if (!words.every((w) => hay.some((h) => h.startsWith(w.replace(/[@.+()-]/g, ''))))) return false;
  }
  return true;
}
function detailOf(e: MEntry) {
  const erased = e.erased === true;
  return {
    entry: erased ? { ...e, name: null, email: null, phone: null } : e,
    data: erased ? null : { name: e.name, email: e.email, phone: e.phone, ip: e.id % 2 ? '2001:db8:85a3::8a2e:370:7334' : '192.0.2.17', url: e.url, user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', fields: { 'Согласен на рассылку': e.id % 2 ? 'да' : 'нет', Комментарий: '<img src=x onerror=alert(1)>' } },
    matches_ledger: erased ? null : e.id % 53 !== 0,
    content_sha256: 'c0ffee'.repeat(10) + 'abcd',
    scan_sha256: e.channel === 'paper' ? 'ab'.repeat(32) : null,
  };
}

// ---- subjects' requests -------------------------------------------------------------------
type MRequest = Record<string, unknown> & {
  id: number; kind: string; law: string; channel: string; received: string; status: string; due: string;
  due_152fz: string | null; due_gdpr: string | null; due_basis: string; extended_on: string | null; identity: string | null;
  closed_on: string | null; outcome: string | null; subject: string; found: boolean; name: string | null; duplicate_of: number | null;
  data: Record<string, unknown> | null; history: Array<Record<string, unknown>>; files: Array<Record<string, unknown>>;
};
const dayMs = 86_400_000;
const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
const todayM = () => iso(new Date());
const plusDays = (day: string, n: number) => iso(new Date(Date.parse(`${day}T12:00:00`) + n * dayMs));
/** Working days after `day` (weekends only: the mock knows no holidays). */
function plusWorking(day: string, n: number): string {
  let d = new Date(Date.parse(`${day}T12:00:00`));
  let left = n;
  while (left > 0) {
    d = new Date(d.getTime() + dayMs);
    if (d.getDay() !== 0 && d.getDay() !== 6) left--;
  }
  return iso(d);
}
const daysLeft = (due: string) => Math.round((Date.parse(`${due}T12:00:00`) - Date.parse(`${todayM()}T12:00:00`)) / dayMs);
let gdprCountry: string | null = q.get('gdpr');
let nextSeq = TOTAL + 1;
const requestsM: MRequest[] = [];
const SRC_FZ_ACCESS = { law: '152-FZ', en: '152-FZ art. 14 part 3, art. 20 part 1', ru: '152-ФЗ, ч. 3 ст. 14, ч. 1 ст. 20', confidence: 'H' };
const SRC_GDPR_ACCESS = { law: 'GDPR', en: 'GDPR Art. 12(3), Art. 15', ru: 'GDPR, ст. 12(3), ст. 15', confidence: 'H' };
const SRC_FZ_WITHDRAWAL = { law: '152-FZ', en: '152-FZ art. 21 part 5 (stop and destroy within 30 days of receipt)', ru: '152-ФЗ, ч. 5 ст. 21 (прекратить обработку и уничтожить в течение 30 дней)', confidence: 'H' };
let rulesOwn = false;
function rulesM() {
  const kinds = ['access', 'rectification', 'erasure', 'restriction', 'objection', 'withdrawal', 'portability', 'regulator'] as const;
  const deadlines = [
    ...kinds.map((kind) => ({ law: '152-fz', kind, period: kind === 'withdrawal' ? { calendar_days: 30 } : { working_days: kind === 'rectification' || kind === 'erasure' ? 7 : 10 }, extension: kind === 'access' ? { working_days: 5 } : null, source: '152-FZ art. 14 part 3', source_ru: '152-ФЗ, ч. 3 ст. 14', confidence: kind === 'objection' ? 'M' : 'H' })),
    ...kinds.map((kind) => ({ law: 'gdpr', kind, period: { months: 1 }, extension: { months: 2 }, source: 'GDPR Art. 12(3)', source_ru: 'GDPR, ст. 12(3)', confidence: kind === 'regulator' ? 'U' : 'H' })),
  ];
  return { own: rulesOwn, sha256: (rulesOwn ? 'c0' : '5e').repeat(32), event_seq: rulesOwn ? 321 : null, deadlines };
}
const followupsM: Array<{ id: number; request: number; subject: string; kind: string; due: string; due_basis: string; source: string; source_ru: string | null; done_seq: number | null }> = [];
const erasedSubjects = new Set<string>();
function dues(kind: string, law: string, received: string, extended = false) {
  const ru = law === 'gdpr' ? null : kind === 'withdrawal' ? plusDays(received, 30) : plusWorking(received, (kind === 'rectification' || kind === 'erasure' ? 7 : 10) + (extended ? 5 : 0));
  const eu = law === '152-fz' ? null : (() => { const d = new Date(Date.parse(`${received}T12:00:00`)); d.setMonth(d.getMonth() + (extended ? 3 : 1)); return iso(d); })();
  const due = ru && eu ? (ru < eu ? ru : eu) : (ru ?? eu)!;
  return { due, due_152fz: ru, due_gdpr: eu, due_basis: due.startsWith('2027') ? 'provisional' : 'decreed' };
}
function step(r: MRequest, kind: string, body: Record<string, unknown>, data: unknown = null) {
  const seq = nextSeq++;
  r.history.push({ seq, kind, recorded_at: new Date().toISOString(), actor: 'владелец', body: { ...body, request: r.id }, data });
  return seq;
}
function openM(input: Record<string, unknown>, receivedOverride?: string) {
  const kind = String(input.kind);
  const subject = input.subject ? String(input.subject) : `subj-new-r${requestsM.length}`;
  const law = (input.law as string | null) ?? (Number(subject.replace(/\D/g, '')) % 3 === 0 ? 'both' : '152-fz');
  const received = receivedOverride ?? (input.received as string | null) ?? todayM();
  const id = nextSeq;
  const dup = requestsM.find((x) => x.subject === subject && x.kind === kind && ['received', 'identity_check', 'in_progress'].includes(x.status));
  const data: Record<string, unknown> = {};
  for (const k of ['name', 'email', 'phone', 'representative', 'text']) if (input[k]) data[k] = input[k];
  const searches = ((input.searches as string[]) ?? []).map((qq) => ({ query: qq, hits: 1, candidates: qq.length % 2 }));
  data.searches = searches;
  const r: MRequest = {
    id, kind, law, channel: String(input.channel ?? 'email'), received, status: 'received', ...dues(kind, law, received),
    extended_on: null, identity: null, closed_on: null, outcome: null, subject, found: !!input.subject,
    name: (input.name as string | null) ?? null, duplicate_of: dup?.id ?? null, data, history: [], files: [],
  };
  step(r, 'request.received', { kind, law, channel: r.channel, received, due: r.due, found: r.found, searches: searches.length });
  requestsM.push(r);
  return { r, searches };
}
function itemOf(r: MRequest) {
  const open = ['received', 'identity_check', 'in_progress'].includes(r.status);
  const { data: _d, history: _h, files: _f, ...rest } = r;
  return { ...rest, days_left: daysLeft(r.due), overdue: open && daysLeft(r.due) < 0, name: erasedSubjects.has(r.subject) ? null : r.name };
}
function followupOf(f: (typeof followupsM)[number]) {
  const r = requestsM.find((x) => x.id === f.request);
  return { ...f, days_left: daysLeft(f.due), name: r?.name ?? null, request_kind: r?.kind ?? 'withdrawal' };
}
{
  const t = todayM();
  const samples: Array<[string, number, string, string, string]> = [
    ['access', 1, 'Анна Смирнова', 'anna.smirnova@example.ru', 'Прошу сообщить, какие мои данные вы обрабатываете. <script>alert(1)</script>'],
    ['withdrawal', 3, 'Иван Петров', 'ivan@example.ru', 'Отзываю согласие на рассылку.'],
    ['erasure', 5, 'John Smith', 'john@example.com', 'Please delete my data.'],
    ['rectification', 8, 'Мария Иванова', 'maria@example.ru', 'Моя фамилия изменилась.'],
    ['objection', 12, '<b>Пётр</b> Сидоров', 'petr@example.ru', 'Возражаю против обработки.'],
    ['restriction', 2, 'Ольга Кузнецова', 'olga@example.ru', 'Прошу приостановить обработку.'],
    ['portability', 20, 'Sophie Müller', 'sophie@example.de', 'Please send my data in a portable format.'],
  ];
  samples.forEach(([kind, ago, name, email, text], i) => {
    const received = plusDays(t, -ago);
    const { r } = openM({ kind, channel: i % 2 ? 'post' : 'email', subject: `subj-${i * 3 + 1}`, name, email, text, searches: [name] }, received);
    if (i === 6) { r.law = 'gdpr'; Object.assign(r, dues(kind, 'gdpr', received)); }
    if (i === 1) { r.due = plusDays(t, -2); r.due_152fz = r.due; }
    if (i === 3) { r.due_basis = 'provisional'; }
  });
  const done = openM({ kind: 'withdrawal', channel: 'email', subject: 'subj-40', name: 'Алексей Попов', email: 'alexey@example.ru', searches: ['Попов'] }, plusDays(t, -10)).r;
  done.identity = 'passed';
  step(done, 'request.identity_checked', { method: 'email', result: 'passed' });
  done.status = 'fulfilled';
  done.outcome = 'withdrawn';
  done.closed_on = plusDays(t, -8);
  const seq = step(done, 'request.fulfilled', { outcome: 'withdrawn', consents_withdrawn: 2 });
  followupsM.push({ id: 1, request: done.id, subject: done.subject, kind: 'destroy', due: plusDays(done.received, 30), due_basis: 'decreed', source: '152-FZ art. 21 part 5', source_ru: '152-ФЗ, ч. 5 ст. 21', done_seq: null });
  void seq;
  const refused = openM({ kind: 'access', channel: 'post', subject: 'subj-41', name: 'Елена Смирнова', searches: ['Елена'] }, plusDays(t, -40)).r;
  refused.status = 'refused';
  refused.outcome = 'identity_not_confirmed';
  refused.closed_on = plusDays(t, -30);
  step(refused, 'request.refused', { reason: 'identity_not_confirmed', ground: '152-FZ art. 14 part 3' }, { refusal_text: 'Не приложены сведения о документе.' });
}
const reasonsM = [
  { code: 'identity_not_confirmed', ground: '152-FZ art. 14 part 3; GDPR Art. 12(6)', confidence: 'M', en: "The requester's identity could not be confirmed", ru: 'Личность заявителя не подтверждена' },
  { code: 'repeated_request', ground: '152-FZ art. 14 part 5, part 6', confidence: 'M', en: 'A repeated request sent earlier than 30 days after the previous one', ru: 'Повторный запрос ранее чем через 30 дней' },
  { code: 'legal_claims', ground: 'GDPR Art. 17(3)(e); 152-FZ art. 21 part 5', confidence: 'M', en: 'The data is needed for legal claims', ru: 'Данные необходимы для правовых требований' },
  { code: 'other', ground: '—', confidence: 'U', en: 'Another reason (explained)', ru: 'Иная причина (с объяснением)' },
];
const calendarYears = [
  { region: 'RU', year: 2025, status: 'decreed', source: 'Government decree No. 1335 of 04.10.2024', sourceRu: 'Постановление Правительства РФ от 04.10.2024 № 1335', loaded: false },
  { region: 'RU', year: 2026, status: 'decreed', source: 'Government decree No. 1466 of 24.09.2025', sourceRu: 'Постановление Правительства РФ от 24.09.2025 № 1466', loaded: false },
  { region: 'RU', year: 2027, status: 'provisional', source: 'PROVISIONAL: Labour Code art. 112', sourceRu: 'ПРЕДВАРИТЕЛЬНЫЙ: ст. 112 ТК РФ', loaded: false },
  { region: 'DE', year: 2026, status: 'decreed', source: 'Feiertagsgesetze der Länder (bundesweit)', sourceRu: null, loaded: false },
  { region: 'FR', year: 2026, status: 'decreed', source: 'Code du travail, art. L3133-1', sourceRu: null, loaded: false },
];
function requestMock(cmd: string, a: Record<string, unknown>): unknown {
  const byId = (id: unknown) => requestsM.find((r) => r.id === Number(id));
  const need = (id: unknown) => {
    const r = byId(id);
    if (!r) throw { code: 'not_found', message: `request ${String(id)} does not exist` };
    return r;
  };
  const mustBeOpen = (r: MRequest) => {
    if (!['received', 'identity_check', 'in_progress'].includes(r.status)) throw { code: 'invalid', message: `request ${r.id} is ${r.status} already` };
  };
  switch (cmd) {
    case 'request_overview': {
      const t = todayM();
      const open = requestsM.filter((r) => ['received', 'identity_check', 'in_progress'].includes(r.status)).sort((x, y) => (x.due < y.due ? -1 : x.due > y.due ? 1 : x.id - y.id));
      const count = (key: 'status' | 'kind', list: MRequest[]) => {
        const m = new Map<string, number>();
        for (const r of list) m.set(r[key], (m.get(r[key]) ?? 0) + 1);
        return [...m].sort().map(([name, n]) => ({ name, n }));
      };
      const months = Array.from({ length: 12 }, (_, i) => {
        const d = new Date();
        d.setDate(1);
        d.setMonth(d.getMonth() - 11 + i);
        return { month: iso(d).slice(0, 7), given: 120 + ((i * 37) % 90), refused: 8 + ((i * 13) % 15), withdrawn: 3 + ((i * 7) % 11) };
      });
      const pending = followupsM.filter((f) => f.done_seq === null);
      return {
        today: t, open: open.slice(0, 50).map(itemOf), open_total: open.length,
        overdue: open.filter((r) => r.due < t).length,
        due_this_week: open.filter((r) => r.due >= t && r.due <= plusDays(t, 6)).length,
        followups: pending.map(followupOf), followups_pending: pending.length,
        by_status: count('status', requestsM), by_kind: count('kind', open), months, gdpr_country: gdprCountry,
        acts_due: actsDue(t),
        incidents_due: [], now: new Date().toISOString(),
      };
    }
    case 'request_list': {
      const f = a.filter as { open: boolean; status: string | null; kind: string | null; subject: string | null };
      const after = a.after as { due: string; id: number } | null;
      const list = requestsM
        .filter((r) => (!f.open || ['received', 'identity_check', 'in_progress'].includes(r.status)) && (!f.status || r.status === f.status) && (!f.kind || r.kind === f.kind) && (!f.subject || r.subject === f.subject))
        .sort((x, y) => (x.due < y.due ? -1 : x.due > y.due ? 1 : x.id - y.id))
        .filter((r) => !after || r.due > after.due || (r.due === after.due && r.id > after.id))
        .slice(0, Number(a.limit));
      const last = list.at(-1);
      return { items: list.map(itemOf), next: list.length === Number(a.limit) && last ? { due: last.due, id: last.id } : null };
    }
    case 'request_get': {
      const r = need(a.id);
      const erased = erasedSubjects.has(r.subject);
      const ext = !['withdrawal', 'rectification', 'erasure', 'restriction'].includes(r.kind) || r.law === 'gdpr';
      return {
        ...itemOf(r), data: erased ? null : r.data,
        history: r.history.map((h) => (erased ? { ...h, data: null } : h)), files: r.files,
        followups: followupsM.filter((f) => f.request === r.id).map(followupOf),
        can_extend: ext && ['received', 'identity_check', 'in_progress'].includes(r.status) && r.extended_on === null && daysLeft(r.due) >= 0,
        sources: (r.law === 'both' ? [SRC_FZ_ACCESS, SRC_GDPR_ACCESS] : r.law === 'gdpr' ? [SRC_GDPR_ACCESS] : [SRC_FZ_WITHDRAWAL]),
      };
    }
    case 'request_find_person': {
      const text = String(a.text).toLowerCase().trim();
      const hits = [];
      const candidates = [];
      for (let s = 0; s < SUBJECTS && hits.length < 8; s++) {
        if (s === 13 || erasedSubjects.has(`subj-${s}`)) continue;
        const p = person(s);
        const h = { subject: `subj-${s}`, names: [p.name], emails: p.email ? [p.email] : [], phones: p.phone ? [p.phone] : [], consents: 20, restricted: false };
        if ([p.name, p.email, p.phone].some((v) => v && v.toLowerCase().includes(text))) hits.push(h);
        else if (candidates.length < 2 && text.startsWith('smirn') && p.name.includes('Смирнов')) candidates.push(h);
      }
      return { hits, candidates };
    }
    case 'request_open': {
      const input = a.input as Record<string, unknown>;
      if (input.received && String(input.received) > todayM()) throw { code: 'invalid', message: `the receipt date ${String(input.received)} is in the future` };
      if (!input.subject && !input.name && !input.email && !input.phone) throw { code: 'invalid', message: 'say who wrote' };
      const { r, searches } = openM(input);
      return { ...itemOf(r), uncertain_years: r.due_basis === 'provisional' ? [2027] : [], weekends_only: r.law !== '152-fz' && gdprCountry === null, searches };
    }
    case 'request_identity': {
      const r = need(a.id);
      mustBeOpen(r);
      const c = a.check as { method: string; passed: boolean; details: string | null };
      if (c.method === 'waived' && !c.details) throw { code: 'invalid', message: 'say why the identity check is waived' };
      const result = c.method === 'waived' ? 'waived' : c.passed ? 'passed' : 'failed';
      step(r, 'request.identity_checked', { method: c.method, result }, c.details ? { identity_details: c.details } : null);
      r.identity = result;
      r.status = result === 'failed' ? 'identity_check' : 'in_progress';
      return itemOf(r);
    }
    case 'request_extend': {
      const r = need(a.id);
      mustBeOpen(r);
      if (!String(a.reasons).trim()) throw { code: 'invalid', message: 'the reasons for the extension is required' };
      Object.assign(r, dues(r.kind, r.law, r.received, true), { extended_on: String(a.noticeSent) });
      step(r, 'request.extended', { notice_sent: a.noticeSent, due: r.due }, { extension_reasons: a.reasons });
      return itemOf(r);
    }
    case 'request_fulfil': {
      const r = need(a.id);
      mustBeOpen(r);
      if (r.status !== 'in_progress') throw { code: 'invalid', message: `request ${r.id} cannot be fulfilled before the requester's identity is checked` };
      const outcome = { access: 'answered', portability: 'answered', regulator: 'answered', rectification: 'rectified', erasure: 'erased', restriction: 'restricted', objection: 'withdrawn', withdrawal: 'withdrawn' }[r.kind] ?? 'answered';
      const seq = step(r, 'request.fulfilled', { outcome });
      if (r.kind === 'withdrawal' || r.kind === 'objection') {
        followupsM.push({ id: followupsM.length + 1, request: r.id, subject: r.subject, kind: 'destroy', due: plusDays(r.received, 30), due_basis: 'decreed', source: '152-FZ art. 21 part 5', source_ru: '152-ФЗ, ч. 5 ст. 21', done_seq: null });
      }
      if (r.kind === 'erasure') erasedSubjects.add(r.subject);
      const act = r.kind === 'erasure' ? newAct(seq, r.name ?? '—', new Date()).id : null;
      Object.assign(r, { status: 'fulfilled', outcome, closed_on: todayM() });
      return {
        request: r.id, seq, outcome, consents_withdrawn: outcome === 'withdrawn' ? 2 : 0, records_destroyed: r.kind === 'erasure' ? 5 : 0,
        erased: r.kind === 'erasure' ? [r.subject] : [], followups: followupsM.filter((f) => f.request === r.id).map(followupOf),
        notify: ['rectification', 'erasure', 'restriction'].includes(r.kind) ? ['ООО «Рассылки»', 'Mailchimp <script>'] : [],
        answer_sha256: outcome === 'answered' ? 'c0ffee'.repeat(10) + 'abcd' : null,
        act,
      };
    }
    case 'request_refuse': {
      const r = need(a.id);
      mustBeOpen(r);
      if (!String(a.text).trim()) throw { code: 'invalid', message: 'the explanation of the refusal is required' };
      const reason = reasonsM.find((x) => x.code === a.reason);
      if (!reason) throw { code: 'invalid', message: `unknown refusal reason ${String(a.reason)}` };
      step(r, 'request.refused', { reason: reason.code, ground: reason.ground }, { refusal_text: a.text });
      Object.assign(r, { status: 'refused', outcome: reason.code, closed_on: todayM() });
      return itemOf(r);
    }
    case 'request_cancel': {
      const r = need(a.id);
      mustBeOpen(r);
      step(r, 'request.cancelled', {}, a.note ? { cancel_note: a.note } : null);
      Object.assign(r, { status: 'cancelled', outcome: 'cancelled_by_requester', closed_on: todayM() });
      return itemOf(r);
    }
    case 'request_reasons':
      return reasonsM;
    case 'request_attach': {
      const r = need(a.id);
      const name = String(a.path).split(/[\\/]/).pop() ?? 'file';
      const seq = step(r, 'request.file_attached', { purpose: a.purpose, sha256: 'ab'.repeat(32), size: 48213 });
      r.files.push({ id: seq, purpose: a.purpose, name, sha256: 'ab'.repeat(32), size: 48213 });
      return seq;
    }
    case 'request_file_save':
      return `/home/user/${(a as { fileId: number }).fileId}.bin`;
    case 'request_export':
      return [`/home/anna/Документы/request-${String(a.id)}-access.json`, `/home/anna/Документы/request-${String(a.id)}-access.csv`];
    case 'request_rules':
      return rulesM();
    case 'request_rules_load':
      rulesOwn = a.path !== null && a.path !== undefined;
      return rulesM();
    case 'request_rules_export':
      return '/home/user/request-rules.json';
    case 'calendar_info':
      return { years: calendarYears, gdprCountry, countries: ['DE', 'FR'] };
    case 'calendar_load':
      calendarYears[2] = { ...calendarYears[2], status: 'decreed', source: 'Постановление Правительства РФ (загружено)', loaded: true };
      return [{ region: 'RU', year: 2027, status: 'decreed', sha256: 'ab'.repeat(32), seq: nextSeq++ }];
    case 'set_gdpr_country': {
      const c = a.country as string | null;
      if (c !== null && !/^[A-Z]{2}$/.test(c)) throw { code: 'invalid', message: `"${c}" is not a country code` };
      gdprCountry = c;
      return null;
    }
    case 'subject_erase': {
      const s = String(a.subject);
      if (erasedSubjects.has(s)) throw { code: 'erased', message: `subject ${s} was erased` };
      erasedSubjects.add(s);
      const seq = nextSeq++;
      for (const f of followupsM) if (f.subject === s && f.done_seq === null) f.done_seq = seq;
      const act = newAct(seq, 'Фёдоров Дмитрий <b>Иванович</b>', new Date());
      return { subject: s, erased: [s], records_destroyed: 4, event_seq: seq, act: act.id };
    }
    case 'subject_unrestrict':
      return nextSeq++;
    case 'suppression_export':
      return '/home/anna/Документы/suppression.csv';
    default:
      return undefined;
  }
}
type MDoc = {
  id: string; key: string; kind: string; language: string; request: number; issued_at: string; title: string;
  text_sha256: string; pdf_sha256: string; seq: number; text: string; stamp: number; subject: string;
};
const documentsM: MDoc[] = [];
let profileM: Record<string, unknown> & { signatory: { name: string; position: string }; destroyers: Array<{ name: string; position: string }> } = {
  signatory: { name: '', position: '' }, information_system: '', destroyers: [], cross_border: '', measures: 'Политика обработки персональных данных опубликована на сайте; назначен ответственный.', automated: '', other: '',
};
const DOC_CODES: Record<string, string> = {
  acknowledgement: 'ACK', identity_request: 'IDR', extension: 'EXT', answer: 'ANS', refusal: 'REF', rectification_notice: 'RCN', destruction_notice: 'DSN',
};
const DOC_TITLES: Record<string, [string, string]> = {
  acknowledgement: ['Уведомление о получении запроса', 'Acknowledgement of your request'],
  identity_request: ['Запрос на подтверждение личности', 'Request to confirm your identity'],
  extension: ['Уведомление о продлении срока ответа', 'Notice of extension'],
  answer: ['Ответ на запрос субъекта персональных данных', 'Answer to your request'],
  refusal: ['Мотивированный отказ', 'Reasoned refusal'],
  rectification_notice: ['Уведомление об уточнении персональных данных', 'Notice of rectification'],
  destruction_notice: ['Уведомление об уничтожении персональных данных', 'Notice of destruction'],
};
function lettersOf(r: MRequest): string[] {
  const out = ['acknowledgement'];
  if (['received', 'identity_check', 'in_progress'].includes(r.status) && r.identity !== 'passed' && r.identity !== 'waived') out.push('identity_request');
  if (r.extended_on) out.push('extension');
  if (r.status === 'fulfilled') out.push('answer', ...(r.kind === 'rectification' ? ['rectification_notice'] : []));
  if (r.status === 'refused') out.push('refusal');
  if (['erasure', 'withdrawal', 'objection'].includes(r.kind) && r.found && erasedSubjects.has(r.subject)) out.push('destruction_notice');
  return out;
}
function docOf(d: MDoc, fresh = false, warnings: { code: string; message: string }[] = []) {
  const { text: _t, stamp: _s, subject: _u, ...rest } = d;
  return { ...rest, new: fresh, erased: erasedSubjects.has(d.subject), retain_until: null, warnings };
}
function documentsMock(cmd: string, a: Record<string, unknown>): unknown {
  const need = (id: unknown) => {
    const r = requestsM.find((x) => x.id === Number(id));
    if (!r) throw { code: 'not_found', message: `request ${String(id)} does not exist` };
    return r;
  };
  const docNeed = (id: unknown) => {
    const d = documentsM.find((x) => x.id === String(id));
    if (!d) throw { code: 'not_found', message: `no document ${String(id)}` };
    if (erasedSubjects.has(d.subject)) throw { code: 'erased', message: `document ${d.id} was erased` };
    return d;
  };
  switch (cmd) {
    case 'letter_list': {
      const r = need(a.request);
      return { available: lettersOf(r), issued: documentsM.filter((d) => d.request === r.id).map((d) => docOf(d)), defaultLanguage: r.law === 'gdpr' ? 'en' : 'ru' };
    }
    case 'letter_issue': {
      const r = need(a.request);
      const kind = String(a.kind);
      const language = String(a.language);
      if (!lettersOf(r).includes(kind)) throw { code: 'invalid', message: `request ${r.id} has no ${kind} letter yet (it is ${r.status})` };
      const warnings =
        kind === 'answer'
          ? (['cross_border', 'measures', 'automated'] as const)
              .filter((k) => String(profileM[k] ?? '') === '')
              .map((k) => ({ code: `profile.${k}`, message: `the documents profile does not state ${k.replace('_', '-')}: the answer says so; fill it in (Settings → Documents, or \`org documents\`)` }))
          : [];
      const key = `R${r.id}-${DOC_CODES[kind]}-${language}`;
      const stamp = r.history.length * 1000 + JSON.stringify(profileM).length;
      const same = documentsM.filter((d) => d.key === key);
      const last = same.at(-1);
      if (last && last.stamp === stamp && !erasedSubjects.has(last.subject)) return docOf(last, false, warnings);
      const id = same.length === 0 ? key : `${key}/${same.length + 1}`;
      const title = DOC_TITLES[kind][language === 'ru' ? 0 : 1];
      const org = 'ООО «Ромашка» <script>alert(1)</script>';
      const who = r.name ?? '—';
      const text = `${title}\n\n${language === 'ru' ? 'Кому' : 'To'}: ${who}\n${language === 'ru' ? 'Запрос' : 'Request'} №${r.id} ${language === 'ru' ? 'от' : 'of'} ${r.received}\n\n${org}\n\n${id}\n`;
      const d: MDoc = {
        id, key, kind, language, request: r.id, issued_at: new Date().toISOString().slice(0, 19) + 'Z', title,
        text_sha256: (id.length.toString(16) + 'ab').repeat(13).slice(0, 64).padEnd(64, 'c'), pdf_sha256: 'cd'.repeat(32), seq: 0, text, stamp, subject: r.subject,
      };
      d.seq = step(r, 'document.issued', { id, key, kind, language, title, text_sha256: d.text_sha256, pdf_sha256: d.pdf_sha256 });
      documentsM.push(d);
      return docOf(d, true, warnings);
    }
    case 'document_text':
      return docNeed(a.id).text;
    case 'document_save':
      return `/home/anna/Документы/${docNeed(a.id).id.replace(/\//g, '-')}.pdf`;
    case 'documents_profile':
      return profileM;
    case 'set_documents_profile': {
      const p = a.profile as typeof profileM;
      const bad = p.destroyers.find((d) => d.name.trim() !== '' && d.position.trim() === '');
      if (bad) throw { code: 'invalid', message: `${bad.name}: give the position too (order 179 names each person's position)` };
      profileM = { ...p, destroyers: p.destroyers.filter((d) => d.name.trim() !== '') };
      nextSeq++;
      return profileM;
    }
    default:
      return undefined;
  }
}
// ---- destruction acts (Evidence) ------------------------------------------------------
type MAct = { id: string; key: string; language: 'ru' | 'en'; issued_at: string; retain_until: string; erased: boolean; seq: number; erasure: number; who: string };
const actsM: MAct[] = [];
const ACT_TITLES = { ru: 'Акт об уничтожении персональных данных', en: 'Act of destruction of personal data' };
function newAct(erasure: number, who: string, at: Date, language: 'ru' | 'en' = 'ru'): MAct {
  const key = `E${erasure}-ACT-${language}`;
  const retain = new Date(at);
  retain.setFullYear(retain.getFullYear() + 3);
  const a: MAct = { id: key, key, language, issued_at: at.toISOString().slice(0, 19) + 'Z', retain_until: iso(retain), erased: false, seq: nextSeq++, erasure, who };
  actsM.push(a);
  return a;
}
{
  const old = new Date();
  old.setFullYear(old.getFullYear() - 3);
  old.setDate(old.getDate() - 12);
  newAct(57, 'Смирнова Ольга', old);
  const recent = new Date();
  recent.setMonth(recent.getMonth() - 2);
  newAct(212, 'O\'Brien <img src=x onerror=alert(1)>', recent);
}
function actDoc(a: MAct, kind: 'destruction_act' | 'log_extract' = 'destruction_act', fresh = false) {
  const id = kind === 'destruction_act' ? a.id : a.id.replace('-ACT-', '-LOG-');
  const title = kind === 'destruction_act' ? ACT_TITLES[a.language] : a.language === 'ru' ? 'Выгрузка из журнала регистрации событий' : 'Extract from the event log';
  return {
    id, key: id.split('/')[0], kind, language: a.language, request: null, issued_at: a.issued_at, title,
    text_sha256: 'ef'.repeat(32), pdf_sha256: 'cd'.repeat(32), seq: a.seq, new: fresh, erased: a.erased, retain_until: a.retain_until,
    warnings: fresh && String(profileM.information_system ?? '') === '' ? [{ code: 'profile.information_system', message: 'the documents profile does not name the information system: the act says so; fill it in (Settings → Documents, or `org documents`)' }] : [],
  };
}
function actsDue(today: string) {
  const limit = plusDays(today, 60);
  return actsM.filter((a) => !a.erased && a.retain_until <= limit).sort((x, y) => (x.retain_until < y.retain_until ? -1 : 1)).map((a) => actDoc(a));
}
function actOf(id: unknown): MAct | undefined {
  return actsM.find((a) => a.id === String(id).replace('-LOG-', '-ACT-'));
}
function actsMock(cmd: string, a: Record<string, unknown>): unknown {
  const need = (id: unknown) => {
    const x = actOf(id);
    if (!x) throw { code: 'not_found', message: `no document ${String(id)}` };
    return x;
  };
  switch (cmd) {
    case 'act_list':
      return [...actsM].sort((x, y) => y.seq - x.seq).map((x) => actDoc(x));
    case 'act_issue': {
      const x = need(a.id);
      if (x.erased) throw { code: 'erased', message: `document ${x.id} was erased` };
      const language = a.language as 'ru' | 'en';
      let y = actsM.find((b) => b.erasure === x.erasure && b.language === language);
      const fresh = !y;
      if (!y) y = newAct(x.erasure, x.who, new Date(Date.parse(x.retain_until) - 3 * 365 * 86_400_000), language);
      return [actDoc(y, 'destruction_act', fresh), actDoc(y, 'log_extract', fresh)];
    }
    case 'act_destroy': {
      const x = need(a.id);
      if (x.erased) throw { code: 'invalid', message: `${x.id} was destroyed already` };
      const reason = String(a.reason ?? '').trim();
      if (reason === '') throw { code: 'invalid', message: x.retain_until > todayM() ? `${x.id} is to be kept until ${x.retain_until} (order 179 п. 8): say why it is destroyed earlier` : 'say why the act is destroyed (e.g. its three years of retention ended)' };
      for (const b of actsM) if (b.erasure === x.erasure) b.erased = true;
      return nextSeq++;
    }
    case 'document_text': {
      const x = need(a.id);
      if (x.erased) throw { code: 'erased', message: `document ${String(a.id)} was erased` };
      const log = String(a.id).includes('-LOG-');
      const title = log ? actDoc(x, 'log_extract').title : ACT_TITLES[x.language];
      return `${title}\n\n${x.language === 'ru' ? 'Оператор' : 'Operator'}: ООО «Ромашка» <script>alert(1)</script>\n${x.language === 'ru' ? 'Субъект' : 'Data subject'}: ${x.who}\n\n${String(a.id)}\n`;
    }
    case 'document_save': {
      const x = need(a.id);
      if (x.erased) throw { code: 'erased', message: `document ${String(a.id)} was erased` };
      return `/home/anna/Документы/${String(a.id).replace(/\//g, '-')}.pdf`;
    }
    default:
      return undefined;
  }
}
let importCancelled = false;
let packCancelled = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fail = (code: string, message: string) => Promise.reject({ code, message });

// The processing register, kept in memory.
type MActivity = { id: number; details: Record<string, unknown>; status: string; retired_at: string | null; sha256: string; history: Array<Record<string, unknown>>; drift: unknown[] };
let activitiesM: MActivity[] = [];
const blankActivityM = () => ({
  name: '', law: '152-fz', purposes: [], legal_bases: [], basis_details: null, subject_categories: [], data_categories: [], special_categories: [],
  special_condition: null, actions: [], methods: null, recipients: [], transfers: [], storage_country: null, storage: null, retention: null,
  security: [], responsible: null, started_on: null, agreements: [],
});

mockIPC(
  async (cmd, raw) => {
    const a = (raw ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'app_info':
        return {
          version: '0.1.0-dev',
          formatVersion: 12,
          keyFileVersion: 1,
          licence: 'AGPL-3.0-or-later',
          dataDir: '/home/anna/.local/share/consent-ledger',
          defaultVaultDir: '/home/anna/Consent Ledger',
          recent:
            q.get('empty') === '1'
              ? []
              : [
                  { path: summary.path, lastOpened: '2025-11-20T09:15:00.000000Z' },
                  { path: '/media/usb/Архив/ip-ivanova', lastOpened: '2025-10-02T17:40:00.000000Z' },
                ],
          settings,
          witnessFolder: '/home/anna/.local/share/consent-ledger/witness',
        };
      case 'passphrase_strength':
        return strength(String(a.passphrase));
      case 'pick_vault_folder':
        return String(a.title).includes('new') || String(a.title).includes('нов') ? '/home/anna/Documents/new-vault' : summary.path;
      case 'create_vault':
        await sleep(400);
        summary = { ...summary, path: String(a.path), organisation: String(a.organisation), operator: String(a.operator) };
        return { vault: summary, recoveryCode: 'K7QX-M2PA-9VRT-B4LC-Z8NE-H3WD-Y6FJ-T5GU' };
      case 'save_recovery_code':
      case 'export_checkpoint':
        return true;
      case 'open_demo':
        return { path: '/tmp/consent-ledger-demo-x1y2', passphrase: 'demo vault — not for real data' };
      case 'unlock':
        await sleep(300);
        if (a.passphrase === 'wrong') return fail('wrong_secret', 'wrong passphrase or recovery code');
        return { ...summary, path: String(a.path) };
      case 'recover':
        return { ...summary, path: String(a.path) };
      case 'lock':
        setTimeout(() => void emit('vault-locked', { reason: 'user' }), 0);
        return null;
      case 'touch':
        return null;
      case 'vault_summary':
        return summary;
      case 'ledger_page': {
        const before = (a.before as number | null) ?? TOTAL + 1;
        const limit = Number(a.limit);
        const top = Math.min(before - 1, TOTAL);
        const events: EventDto[] = [];
        for (let s = top; s >= 1 && events.length < limit; s--) events.push(event(s));
        const last = events.at(-1);
        await sleep(30);
        return { events, nextBefore: last && last.seq > 1 ? last.seq : null, total: TOTAL };
      }
      case 'ledger_filtered': {
        const before = (a.before as number | null) ?? TOTAL + 1;
        const floor = Math.max(1, before - 50_000);
        const events: EventDto[] = [];
        for (let s = Math.min(before - 1, TOTAL); s >= floor && events.length < Number(a.limit); s--) {
          const e = event(s);
          if ((!a.kind || e.kind === a.kind || e.kind.startsWith(String(a.kind))) && (!a.actor || e.actor === a.actor)) events.push(e);
        }
        const last = events.at(-1);
        return { events, nextBefore: events.length === Number(a.limit) && last ? last.seq : floor > 1 ? floor : null, total: TOTAL };
      }
      case 'ledger_actors':
        return [summary.operator];
      case 'operator_list':
      case 'operator_add':
      case 'operator_set_role':
      case 'operator_remove':
        // The dev mock has one operator, the owner; changes are not kept.
        return [{ slot: '0011aabbccddeeff', name: summary.operator, role: 'owner', added_seq: null }];
      case 'ledger_event':
        return event(Number(a.seq));
      case 'verify_ledger': {
        cancelled = false;
        const steps = 40;
        for (let i = 1; i <= steps; i++) {
          await sleep(60);
          if (cancelled) return fail('cancelled', 'verification cancelled');
          await emit('verify-progress', { done: Math.round((TOTAL * i) / steps), total: TOTAL });
        }
        if (TAMPERED)
          return {
            ok: false,
            events: TOTAL,
            checkpoints: checkpoints.length,
            outsideNotes: 1,
            root: '',
            problem: { code: 'leaf_mismatch', seq: 4242, message: 'event 4242: stored leaf hash does not match its contents' },
          };
        return { ok: true, events: TOTAL, checkpoints: checkpoints.length, outsideNotes: 1, root: 'r00tHashBase64xyz=', problem: null };
      }
      case 'cancel_verify':
        cancelled = true;
        return null;
      case 'create_checkpoint': {
        const cp = checkpoint(checkpoints.length + 1, TOTAL);
        checkpoints.push(cp);
        return cp;
      }
      case 'list_checkpoints':
        return checkpoints;
      case 'get_settings':
        return settings;
      case 'set_settings':
        settings = a.settings as Settings;
        return settings;
      case 'rename_organisation':
        summary = { ...summary, organisation: String(a.name) };
        return summary;
      case 'change_passphrase':
        if (a.current === 'wrong') return fail('wrong_secret', 'wrong passphrase');
        return null;
      case 'agreement_list':
        return agreementsM;
      case 'consent_list': {
        const f = (a.filter ?? {}) as Record<string, unknown>;
        const after = a.after as { acted_at: string; id: number } | null;
        const limit = Math.min(1000, Number(a.limit));
        const out: MEntry[] = [];
        let i = 0;
        if (after) {
          // ids of generated rows descend with their index; recorded ones sit on top
          const r = recorded.findIndex((e) => e.id === after.id);
          i = r >= 0 ? r + 1 : recorded.length + (CONSENTS - after.id) + 1;
        }
        for (; out.length < limit; i++) {
          const e = allConsent(i);
          if (!e) break;
          if (matches(e, f)) out.push(e.erased ? { ...e, name: null, email: null, phone: null } : e);
        }
        await sleep(20);
        const last = out.at(-1);
        return { entries: out, next: out.length === limit && last ? { acted_at: last.acted_at, id: last.id } : null, total: CONSENTS + recorded.length };
      }
      case 'consent_timeline': {
        const subject = String(a.subject);
        const items: MEntry[] = [];
        for (let i = 0; i < CONSENTS + recorded.length && items.length < 50; i++) {
          const e = allConsent(i);
          if (e && e.subject === subject) items.push(e);
        }
        if (items.length === 0) return fail('not_found', `subject ${subject} does not exist`);
        await sleep(30);
        return { subject, erased: items[0].erased === true, restricted: false, items: items.reverse().map(detailOf) };
      }
      case 'consent_search': {
        const text = String(a.text).toLowerCase();
        const hits = [];
        for (let s = 0; s < SUBJECTS && hits.length < Number(a.limit); s++) {
          const p = person(s);
          if (s === 13) continue;
          if ([p.name, p.email, p.phone].some((v) => v && v.toLowerCase().split(/[\s@.]+/).some((w) => w.startsWith(text.split(/\s+/)[0])))) {
            hits.push({ subject: `subj-${s}`, names: [p.name], emails: p.email ? [p.email] : [], phones: p.phone ? [p.phone] : [], consents: 20, restricted: false });
          }
        }
        return hits;
      }
      case 'consent_same_name': {
        // Two people share each name in this fake register: the next subject number.
        const s = Number(String(a.subject).replace('subj-', '')) + 1;
        const p = person(s);
        return [{ subject: `subj-${s}`, names: [p.name], emails: p.email ? [p.email] : [], phones: p.phone ? [p.phone] : [], consents: 20, restricted: false }];
      }
      case 'consent_merge':
        if (a.keep === a.absorb) return fail('invalid', 'these are already the same person');
        return 1;
      case 'consent_expiry_due':
        return 0;
      case 'consent_expire':
        return 0;
      case 'import_save_rejected':
        return `${String(a.path)}.rejected.csv`;
      case 'consent_record': {
        const input = a.input as Record<string, string>;
        if (!input.name && !input.email && !input.phone) return fail('invalid', "a consent needs the subject's name, e-mail or phone");
        if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) return fail('invalid', `"${input.email}" is not an e-mail address`);
        const m = /^A(\d+)(?:-v(\d+))?$/.exec(input.agreement);
        const ag = m && agreementsM.find((x) => x.id === Number(m[1]));
        if (!ag || ag.published_version === null) return fail('invalid', `"${input.agreement}" is not an agreement version (e.g. A3-v2 or A3)`);
        let subject = '';
        for (let i = 0; i < 20000 && !subject; i++) {
          const e = allConsent(i);
          if (e && ((input.email && e.email === input.email) || (input.phone && e.phone === input.phone))) subject = e.subject;
        }
        const newSubject = subject === '';
        if (newSubject) subject = `subj-new-${recorded.length}`;
        const id = CONSENTS + 1000 + recorded.length;
        const at = input.actedAt ? new Date(input.actedAt).toISOString() : new Date().toISOString();
        recorded.unshift({
          id, subject, name: input.name || null, email: input.email || null, phone: input.phone || null, agreement: ag.id,
          version: m?.[2] ? Number(m[2]) : (ag.published_version ?? 1), label: `A${ag.id}-v${m?.[2] ?? ag.published_version}`,
          action: input.action ?? 'given', acted_at: at.replace('Z', '000Z'), acted_at_original: input.actedAt || null,
          recorded_at: new Date().toISOString(), channel: input.channel ?? 'paper', url: null, seq: id + 10, erased: false, restricted: false, rectified: false,
        });
        return { subject, duplicate: false, new_subject: newSubject };
      }
      case 'import_pick_file':
        return '/home/anna/Загрузки/согласия-битрикс.csv';
      case 'import_preview': {
        const path = String(a.path);
        const read = a.read as Record<string, string | null>;
        if (path.includes('missing')) return fail('io', `reading ${path}: No such file or directory`);
        if (path.endsWith('.json'))
          return {
            source: { format: 'json', encoding: 'utf-8', delimiter: null, headers: ['consentReceiptID', 'piiPrincipalId', 'consentTimestamp'], sha256: 'ef'.repeat(32), preset: read.preset ?? 'kantara', mapping: { columns: {}, default_action: 'given' } },
            rows: [['r-1', 'ivan@example.ru', '1700000000']],
            suggested: { columns: {}, default_action: 'given' },
            missing: [],
          };
        const cp1251 = read.encoding !== 'utf-8' && read.encoding !== 'koi8-r';
        const headers = cp1251 ? ['Дата', 'ФИО', 'E-mail', 'Рабочий телефон', 'Мобильный телефон', 'Статус', 'Страница'] : ['Р”Р°С‚Р°', 'Р¤РРћ', 'E-mail', 'Телефон'];
        const rows = Array.from({ length: 8 }, (_, i) => {
          const p = person(i + 100);
          return cp1251 ? ['14.03.2025 10:0' + i, p.name, p.email ?? '', p.phone ?? '', '', i === 3 ? 'отозвано' : 'дано', 'https://example.ru/a?b=' + 'c'.repeat(60)] : ['14.03.2025', 'Р\u0098РІР°РЅ', p.email ?? '', ''];
        });
        const suggested = cp1251
          ? { columns: { acted_at: 'Дата', name: 'ФИО', email: 'E-mail', phone: 'Рабочий телефон', action: 'Статус' }, fallback: { phone: ['Мобильный телефон'] }, default_action: 'given' }
          : { columns: { email: 'E-mail', phone: 'Телефон' }, default_action: 'given' };
        return {
          source: { format: path.endsWith('.xlsx') ? 'xlsx' : 'csv', encoding: read.encoding ?? 'windows-1251', delimiter: read.delimiter === 'tab' ? 9 : read.delimiter === ',' ? 44 : 59, headers, sha256: 'ab12'.repeat(16), preset: read.preset ?? (cp1251 || !read.encoding ? null : null), mapping: suggested },
          rows,
          suggested,
          missing: cp1251 ? [] : ['acted_at'],
        };
      }
      case 'import_run': {
        importCancelled = false;
        const path = String(a.path);
        for (let i = 1; i <= 10; i++) {
          await sleep(300);
          if (importCancelled) return fail('cancelled', 'import cancelled');
          await emit('import-progress', { rows: i * 5000 });
        }
        const bad = path.includes('bad');
        const rejected = bad ? Array.from({ length: 40 }, (_, i) => ({ line: i * 17 + 2, reason: i % 2 ? '"31.02.2025" is not a date' : 'A9 does not exist: <script>x</script>' })) : [];
        const committed = !bad || a.keepGoodRows === true;
        return { file_name: path.split(/[\\/]/).pop(), file_sha256: 'ab12'.repeat(16), format: 'csv', encoding: 'windows-1251', rows_read: 50000, added: bad ? 49960 : 49000, duplicates: bad ? 0 : 1000, new_subjects: 3000, rejected, committed, seq: committed ? 1234567 : null };
      }
      case 'import_cancel':
        importCancelled = true;
        return null;
      // ---- evidence packs: a progress run with Cancel; a path with "changed" in it checks as not intact.
      case 'pack_person':
      case 'pack_agreement':
      case 'pack_inspection': {
        packCancelled = false;
        const person = cmd === 'pack_person';
        const name = person ? String(a.subject).replace(/[^A-Za-z0-9_-]/g, '-') : cmd === 'pack_inspection' ? `inspection-${String(a.to ?? 'today')}` : `A${String(a.id)}`;
        const total = person ? 24 : 9;
        for (let i = 1; i <= total; i++) {
          await sleep(120);
          if (packCancelled) return fail('cancelled', 'the evidence pack was cancelled: nothing was recorded');
          await emit('pack-progress', { done: i, total });
        }
        const id = `${person ? 'P' : 'AP'}${nextSeq}-PACK-${String(a.language)}`;
        nextSeq++;
        return { id, path: `/home/anna/Документы/evidence-${name}.zip`, events: total, pages: person ? 6 : 11, bytes: person ? 48_213 : 131_977 };
      }
      case 'pack_cancel':
        packCancelled = true;
        return null;
      // ---- backups: a progress run with Cancel; a restore into a folder with "old" in it lacks events first.
      case 'backup_now': {
        backupCancelled = false;
        for (let i = 1; i <= 10; i++) {
          await sleep(100);
          if (backupCancelled) return fail('cancelled', 'the backup was cancelled');
          await emit('backup-progress', { done: i * 400, total: 4000 });
        }
        return { path: '/media/anna/USB/consent-ledger-0b611a41-2026-12-04.clbackup', bytes: 48_213_000, events: 1_011_023, madeAt: new Date().toISOString() };
      }
      case 'backup_cancel':
        backupCancelled = true;
        return null;
      case 'backup_last':
        return settings.backupFolder
          ? { at: new Date().toISOString(), made: { path: `${settings.backupFolder}/consent-ledger-0b611a41-20261204101500.clbackup`, bytes: 48_213_000, events: 1_011_023, madeAt: new Date().toISOString() }, error: null }
          : null;
      case 'backup_pick_file':
        return '/media/anna/USB/consent-ledger-0b611a41-2026-12-04.clbackup';
      case 'backup_restore': {
        await sleep(400);
        if (String(a.passphrase) !== 'demo') return fail('wrong_secret', 'wrong passphrase or recovery code: the vault was not opened and nothing was changed');
        const older = String(a.into).includes('old') && a.acceptMissing !== true;
        return { restored: !older, path: String(a.into), organisation: 'ООО «Ромашка»', events: 1234, missing: String(a.into).includes('old') ? 7 : 0 };
      }
      case 'pack_pick_file':
        return '/home/anna/Загрузки/evidence-from-inspector.zip';
      case 'activity_list':
        return activitiesM.map((v) => ({ id: v.id, name: v.details.name, law: v.details.law, status: v.status, agreements: v.details.agreements, drift: 0 }));
      case 'activity_get': {
        const v = activitiesM.find((x) => x.id === Number(a.id));
        return v ?? fail('not_found', `no processing activity ${a.id}`);
      }
      case 'activity_draft': {
        const s = agreementsM.find((x) => x.id === Number(a.agreement));
        if (!s) return fail('not_found', `no agreement A${a.agreement}`);
        return { ...blankActivityM(), name: s.title, purposes: ['Ответ на обращения через форму на сайте'], legal_bases: ['consent'], data_categories: ['ФИО', 'Адрес электронной почты'], actions: ['сбор', 'хранение'], agreements: [s.id] };
      }
      case 'activity_drift':
      case 'agreement_drift':
        return [];
      case 'processing_revisions':
        return [];
      case 'processing_preview':
        return { title: String(a.document), text: `${String(a.document)} — ${activitiesM.map((v) => String(v.details.name)).join('; ')}` };
      case 'notice_changes':
        return { pending: [], notices: [], in_force_sent_on: null };
      case 'notice_sent':
        return fail('not_found', `no document ${a.id}`);
      case 'processing_publish':
        return fail('invalid', 'mock: publishing needs the real vault');
      case 'processing_check':
        return activitiesM.length > 0
          ? []
          : [{ rule: `${a.document}.activities`, severity: 'error', activity: null, law: '152-FZ art. 22 parts 1 and 3', confidence: 'M', message: 'No processing activity is recorded.', fix: 'Record the activities in the Processing section.' }];
      case 'activity_new':
      case 'activity_save': {
        const details = a.activity as Record<string, unknown>;
        if (!Array.isArray(details.legal_bases) || details.legal_bases.length === 0) return fail('invalid', 'the activity needs a legal basis');
        const id = cmd === 'activity_new' ? nextSeq++ : Number(a.id);
        const step = { seq: nextSeq++, kind: cmd === 'activity_new' ? 'activity.recorded' : 'activity.updated', at: new Date().toISOString(), actor: 'Анна', changed: [] };
        const old = activitiesM.find((x) => x.id === id);
        const v = { id, details, status: 'active', retired_at: null, sha256: 'ab12'.repeat(16), history: [...(old?.history ?? []), step], drift: [] };
        activitiesM = [...activitiesM.filter((x) => x.id !== id), v];
        return v;
      }
      case 'activity_retire': {
        const v = activitiesM.find((x) => x.id === Number(a.id));
        if (!v) return fail('not_found', `no processing activity ${a.id}`);
        v.status = 'retired';
        v.retired_at = new Date().toISOString();
        v.history = [...v.history, { seq: nextSeq++, kind: 'activity.retired', at: v.retired_at, actor: 'Анна', changed: [] }];
        return v;
      }
      case 'incident_list':
        // The dev mock keeps no incidents: the screen shows its empty state.
        return { items: [], defaultLaw: '152-fz', now: new Date().toISOString() };
      case 'incident_count':
        return 42;
      case 'pack_verify': {
        await sleep(200);
        const path = String(a.path);
        if (!path.endsWith('.zip')) return fail('invalid', `not an evidence pack (ZIP): ${path}`);
        if (path.includes('changed')) return { path, intact: false, reason: 'pack.pdf is not the file the pack\'s event recorded (changed)', id: null, kind: null, vaultId: null, treeSize: null, root: null, events: null, verifierKey: null };
        return { path, intact: true, reason: null, id: 'P812-PACK-ru', kind: path.includes('-A') ? 'agreement' : 'person', vaultId: 'ca2a0ba1f018a13d20a97b6d6daaae43', treeSize: 1240, root: 'e27099a2'.repeat(8), events: 24, verifierKey: 'consent-ledger/ca2a0ba1f018a13d20a97b6d6daaae43+e27099a2+AVcku5BbiBvOj1eC9JJpDUzsIkpHkJ7nGU6JvIzJzl3O' };
      }
      default: {
        if (cmd.startsWith('act_') || (cmd.startsWith('document_') && /-(ACT|LOG)-/.test(String(a.id)))) {
          await sleep(40);
          try {
            return actsMock(cmd, a);
          } catch (e) {
            return Promise.reject(e);
          }
        }
        if (cmd.startsWith('letter_') || cmd.startsWith('document_') || cmd === 'documents_profile' || cmd === 'set_documents_profile') {
          await sleep(40);
          try {
            return documentsMock(cmd, a);
          } catch (e) {
            return Promise.reject(e);
          }
        }
        if (cmd.startsWith('request_') || cmd.startsWith('calendar_') || cmd.startsWith('subject_') || cmd === 'set_gdpr_country' || cmd === 'suppression_export') {
          await sleep(40);
          try {
            return requestMock(cmd, a);
          } catch (e) {
            return Promise.reject(e);
          }
        }
        return fail('invalid', `mock: unknown command ${cmd}`);
      }
    }
  },
  { shouldMockEvents: true },
);

// Lets a test harness fire the idle lock.
(window as unknown as { mockIdleLock: () => Promise<void> }).mockIdleLock = () => emit('vault-locked', { reason: 'idle' });

await import('../src/main');
