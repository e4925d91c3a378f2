// The Agreements screens' logic as plain functions: which parts of the editor
// a template and law show, list editing, the compliance findings and when
// publishing is allowed, version states and the diff. The core is the
// authority on every rule (crates/core/src/agreements); this only decides
// what the UI shows and enables.
import type { AgreementView } from './bindings/AgreementView';
import type { Behaviour } from './bindings/Behaviour';
import type { Content } from './bindings/Content';
import type { DiffLine } from './bindings/DiffLine';
import type { DiffOp } from './bindings/DiffOp';
import type { DisseminationCategory } from './bindings/DisseminationCategory';
import type { Finding } from './bindings/Finding';
import type { Language } from './bindings/Language';
import type { Method } from './bindings/Method';
import type { Presentation } from './bindings/Presentation';
import type { Regime } from './bindings/Regime';
import type { Requisites } from './bindings/Requisites';
import type { Role } from './bindings/Role';
import type { Summary } from './bindings/Summary';
import type { Template } from './bindings/Template';
import type { TemplateKind } from './bindings/TemplateKind';
import type { ThirdParty } from './bindings/ThirdParty';
import type { VersionInfo } from './bindings/VersionInfo';

export const TEMPLATE_KINDS: readonly TemplateKind[] = ['processing', 'dissemination', 'gdpr', 'marketing', 'custom'];
export const LANGUAGES: readonly Language[] = ['ru', 'en'];
export const REGIMES: readonly Regime[] = ['fz152', 'gdpr'];
export const METHODS: readonly Method[] = ['automated', 'non_automated', 'mixed'];
export const BEHAVIOURS: readonly Behaviour[] = ['required', 'pre_ticked', 'must_open'];
export const PRESENTATIONS: readonly Presentation[] = ['separate', 'within_other_document'];
export const ROLES: readonly Role[] = ['processor', 'recipient'];
export const EXPORT_FORMATS = ['pdf', 'html', 'txt'] as const;

/** The placeholders free text may use, filled from the organisation's requisites (as in the core). */
export const PLACEHOLDERS = ['operator', 'short_name', 'inn', 'ogrn', 'address', 'dpo', 'email'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_SOURCE: Record<Placeholder, keyof Requisites> = {
  operator: 'fullName',
  short_name: 'shortName',
  inn: 'inn',
  ogrn: 'ogrn',
  address: 'legalAddress',
  dpo: 'dpo',
  email: 'withdrawalEmail',
};

/** The Settings field a placeholder stands for. */
export function placeholderSource(p: Placeholder): keyof Requisites {
  return PLACEHOLDER_SOURCE[p];
}

/** Replaces the known placeholders with the requisites; unknown ones stay as typed (like the core's `fill`). */
export function fillPlaceholders(text: string, r: Requisites): string {
  let out = text;
  for (const p of PLACEHOLDERS) out = out.split(`{${p}}`).join(r[PLACEHOLDER_SOURCE[p]]);
  return out;
}

/** The agreement language that matches the UI language (the `reader` of findings). */
export function readerOf(locale: string | null | undefined): Language {
  return (locale ?? '').toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function otherLanguage(l: Language): Language {
  return l === 'ru' ? 'en' : 'ru';
}

/** The law a template is bound to, or null when the user chooses (marketing, custom). */
export function fixedRegime(kind: TemplateKind): Regime | null {
  switch (kind) {
    case 'processing':
    case 'dissemination':
      return 'fz152';
    case 'gdpr':
      return 'gdpr';
    default:
      return null;
  }
}

// ---- editor sections ------------------------------------------------------------

/** The editor's parts, in the order they are shown; also the `field` names of findings. */
export const SECTIONS = [
  'title',
  'regime',
  'intro',
  'purposes',
  'data_items',
  'form_fields',
  'dissemination',
  'resources',
  'conditions',
  'actions',
  'methods',
  'third_parties',
  'storage',
  'channels',
  'term',
  'withdrawal',
  'extra',
  'checkbox_label',
  'behaviour',
  'presentation',
] as const;
export type EditorSection = (typeof SECTIONS)[number];

/** The editable string lists (each is a `ListField` with `list-{name}-…` test ids). */
export const LIST_FIELDS = ['purposes', 'data_items', 'form_fields', 'actions', 'resources', 'channels'] as const;
export type ListFieldName = (typeof LIST_FIELDS)[number];

/**
 * Which sections the editor shows for this content. Items only some laws or
 * templates name are hidden elsewhere, but still shown while they hold
 * something, so that a finding about them can be fixed.
 */
export function visibleSections(c: Content): EditorSection[] {
  const fz = c.regime === 'fz152';
  const dissemination = c.template === 'dissemination';
  const show: Record<EditorSection, boolean> = {
    title: true,
    regime: fixedRegime(c.template) === null,
    intro: true,
    purposes: true,
    data_items: true,
    form_fields: true,
    dissemination: dissemination || c.dissemination.length > 0,
    resources: dissemination || c.resources.length > 0,
    conditions: dissemination || c.conditions !== '',
    actions: fz || c.actions.length > 0,
    methods: fz || c.methods !== null,
    third_parties: true,
    storage: true,
    channels: c.template === 'marketing' || c.channels.length > 0,
    term: true,
    withdrawal: true,
    extra: true,
    checkbox_label: true,
    behaviour: true,
    presentation: true,
  };
  return SECTIONS.filter((s) => show[s]);
}

/** The section a finding points at, when the editor shows it (null: e.g. `requisites`, in Settings). */
export function findingTarget(field: string, visible: readonly string[]): EditorSection | null {
  return (SECTIONS as readonly string[]).includes(field) && visible.includes(field) ? (field as EditorSection) : null;
}

// ---- list editing (pure: each returns a new array) ---------------------------------

export function addItem<T>(list: readonly T[], item: T, at: number = list.length): T[] {
  const i = Math.max(0, Math.min(at, list.length));
  return [...list.slice(0, i), item, ...list.slice(i)];
}

export function removeItem<T>(list: readonly T[], index: number): T[] {
  if (index < 0 || index >= list.length) return [...list];
  return [...list.slice(0, index), ...list.slice(index + 1)];
}

/** Moves an item by `delta` places; out-of-range moves leave the list as it is. */
export function moveItem<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item);
  return out;
}

export function emptyThirdParty(): ThirdParty {
  return { name: '', inn: '', address: '', role: 'processor' };
}

export function emptyCategory(): DisseminationCategory {
  return { name: '', items: [''] };
}

// ---- findings and publishing ---------------------------------------------------------

export function splitFindings(findings: readonly Finding[]): { errors: Finding[]; warnings: Finding[] } {
  return {
    errors: findings.filter((f) => f.severity === 'error'),
    warnings: findings.filter((f) => f.severity !== 'error'),
  };
}

/** The rule ids of the warnings, each once, in order: what publishing needs acknowledged. */
export function warningRules(findings: readonly Finding[]): string[] {
  const out: string[] = [];
  for (const f of findings) if (f.severity === 'warning' && !out.includes(f.rule)) out.push(f.rule);
  return out;
}

/** Keeps the acknowledgements of warnings that are still there (a warning that comes back needs a new one). */
export function pruneAcknowledged(acknowledged: readonly string[], findings: readonly Finding[]): string[] {
  const rules = warningRules(findings);
  return acknowledged.filter((r, i) => rules.includes(r) && acknowledged.indexOf(r) === i);
}

export function setAcknowledged(acknowledged: readonly string[], rule: string, on: boolean): string[] {
  const rest = acknowledged.filter((r) => r !== rule);
  return on ? [...rest, rule] : rest;
}

export type PublishBlock =
  | { reason: 'not_draft' }
  | { reason: 'retired' }
  | { reason: 'errors'; count: number }
  | { reason: 'unacknowledged'; count: number };

/** Why the draft cannot be published now, or null when it can. */
export function publishBlock(args: {
  draft: boolean;
  retired: boolean;
  findings: readonly Finding[];
  acknowledged: readonly string[];
}): PublishBlock | null {
  if (args.retired) return { reason: 'retired' };
  if (!args.draft) return { reason: 'not_draft' };
  const errors = args.findings.filter((f) => f.severity === 'error').length;
  if (errors > 0) return { reason: 'errors', count: errors };
  const missing = warningRules(args.findings).filter((r) => !args.acknowledged.includes(r)).length;
  if (missing > 0) return { reason: 'unacknowledged', count: missing };
  return null;
}

export function canPublish(args: Parameters<typeof publishBlock>[0]): boolean {
  return publishBlock(args) === null;
}

/** What to send as `acknowledged`: the current warnings the user ticked, in the check's order. */
export function acknowledgedToSend(acknowledged: readonly string[], findings: readonly Finding[]): string[] {
  return warningRules(findings).filter((r) => acknowledged.includes(r));
}

// ---- content ------------------------------------------------------------------------

/** JSON with object keys sorted, so equal content compares equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return v;
  });
}

export function sameContent(a: Content, b: Content): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

// ---- the term in months -----------------------------------------------------------

/** The shell takes a consent's term in whole months from 1 to 1200 (100 years), or none. */
export const TERM_MONTHS_MIN = 1;
export const TERM_MONTHS_MAX = 1200;

export type TermMonths = { ok: true; value: number | null } | { ok: false };

/**
 * The "expires after (months)" field as typed: empty means until withdrawn
 * (null); otherwise whole months from 1 to 1200. `badInput`: the number
 * input holds text it cannot read as a number (it then reports an empty value).
 */
export function parseTermMonths(input: string | number | null | undefined, badInput = false): TermMonths {
  if (badInput) return { ok: false };
  const text = input === null || input === undefined ? '' : String(input).trim();
  if (text === '') return { ok: true, value: null };
  if (!/^\d+$/.test(text)) return { ok: false };
  const n = Number(text);
  return n >= TERM_MONTHS_MIN && n <= TERM_MONTHS_MAX ? { ok: true, value: n } : { ok: false };
}

/** The field's text for a stored term ('' = until withdrawn). */
export function termMonthsText(months: number | null): string {
  return months === null ? '' : String(months);
}

// ---- debounce ---------------------------------------------------------------------

export type Debounced<A extends unknown[]> = ((...args: A) => void) & {
  /** Drops a pending call. */
  cancel(): void;
  /** Runs a pending call now. */
  flush(): void;
  pending(): boolean;
};

/** Calls `fn` with the latest arguments once `ms` passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: A | null = null;
  const run = () => {
    timer = null;
    const args = last;
    last = null;
    if (args) fn(...args);
  };
  const d = ((...args: A) => {
    last = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    last = null;
  };
  d.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    run();
  };
  d.pending = () => timer !== null;
  return d;
}

// ---- versions and states ----------------------------------------------------------------

/** A SHA-256 shortened for lists: its first `n` hex digits and an ellipsis. */
export function shortHash(hash: string | null | undefined, n = 12): string {
  if (!hash) return '';
  return hash.length <= n ? hash : `${hash.slice(0, n)}…`;
}

export type AgreementState =
  | { kind: 'draft'; draft: number }
  | { kind: 'published'; version: number }
  | { kind: 'published_draft'; version: number; draft: number }
  | { kind: 'retired'; version: number | null };

/** The state shown in the list: draft, vN published (with a newer draft), or retired. */
export function agreementState(s: Summary): AgreementState {
  if (s.retired_at !== null) return { kind: 'retired', version: s.published_version };
  if (!s.latest_is_draft) return { kind: 'published', version: s.latest_version };
  if (s.published_version !== null) return { kind: 'published_draft', version: s.published_version, draft: s.latest_version };
  return { kind: 'draft', draft: s.latest_version };
}

/** The i18n key and values for a state. */
export function stateMessage(s: AgreementState): { key: string; values: Record<string, number> } {
  switch (s.kind) {
    case 'draft':
      return { key: 'agreements.state_draft', values: { draft: s.draft } };
    case 'published':
      return { key: 'agreements.state_published', values: { version: s.version } };
    case 'published_draft':
      return { key: 'agreements.state_published_draft', values: { version: s.version, draft: s.draft } };
    case 'retired':
      return { key: 'agreements.state_retired', values: {} };
  }
}

export type ViewMode = {
  /** The version shown can be edited (the draft of an agreement in use). */
  editable: boolean;
  /** The version shown is the newest one. */
  latest: boolean;
  retired: boolean;
  /** A published newest version: "Edit" starts a new draft. */
  canStartNewVersion: boolean;
  /** Viewing an older version while a draft exists: its number. */
  draftVersion: number | null;
  canRetire: boolean;
  /** Exports are for published versions only. */
  canExport: boolean;
};

export function viewMode(v: AgreementView): ViewMode {
  const last = v.versions.length > 0 ? v.versions[v.versions.length - 1] : v.version;
  const latest = last.version === v.version.version;
  const retired = v.retiredAt !== null;
  return {
    editable: !retired && v.version.draft,
    latest,
    retired,
    canStartNewVersion: !retired && latest && !v.version.draft,
    draftVersion: !latest && last.draft ? last.version : null,
    canRetire: !retired,
    canExport: !v.version.draft,
  };
}

/** The versions to compare by default: the one before the newest and the newest. */
export function defaultDiffPair(versions: readonly VersionInfo[]): { from: number; to: number } | null {
  if (versions.length < 2) return null;
  return { from: versions[versions.length - 2].version, to: versions[versions.length - 1].version };
}

/** The text marker of a diff line, so that the change does not rely on colour alone. */
export function diffMarker(op: DiffOp): string {
  return op === 'insert' ? '+' : op === 'delete' ? '−' : ' ';
}

export function diffCounts(lines: readonly DiffLine[]): { inserted: number; deleted: number } {
  let inserted = 0;
  let deleted = 0;
  for (const l of lines) {
    if (l.op === 'insert') inserted++;
    else if (l.op === 'delete') deleted++;
  }
  return { inserted, deleted };
}

// ---- the list and the "new agreement" form ----------------------------------------------

/** Agreements a new one in `language` may translate: those in the other language, oldest first. */
export function translationCandidates(list: readonly Summary[], language: Language): Summary[] {
  return list.filter((s) => s.language !== language).sort((a, b) => a.id - b.id);
}

/** The template of `kind`, in `prefer` when there is one in that language. */
export function findTemplate(templates: readonly Template[], kind: TemplateKind, prefer: Language): Template | null {
  return (
    templates.find((t) => t.content.template === kind && t.content.language === prefer) ??
    templates.find((t) => t.content.template === kind) ??
    null
  );
}

/** The label of an agreement in lists, e.g. `A3`. */
export function agreementLabel(id: number): string {
  return `A${id}`;
}

/** The i18n keys built at run time from these values (checked against both catalogues by the tests). */
export function dynamicMessageKeys(): string[] {
  return [
    ...TEMPLATE_KINDS.map((k) => `agreements.kind.${k}`),
    ...LANGUAGES.map((l) => `agreements.lang.${l}`),
    ...REGIMES.map((r) => `agreements.regime.${r}`),
    ...METHODS.map((m) => `agreements.method.${m}`),
    ...BEHAVIOURS.map((b) => `agreements.behaviour.${b}`),
    ...BEHAVIOURS.map((b) => `agreements.behaviour_hint.${b}`),
    ...PRESENTATIONS.map((p) => `agreements.presentation.${p}`),
    ...ROLES.map((r) => `agreements.role.${r}`),
    ...EXPORT_FORMATS.map((f) => `agreements.export.${f}`),
    ...EXPORT_FORMATS.map((f) => `agreements.export.title_${f}`),
    ...PLACEHOLDERS.map((p) => `agreements.placeholder.${p}`),
    ...SECTIONS.map((s) => `agreements.field.${s}`),
    ...(['draft', 'published', 'published_draft', 'retired'] as const).map((s) => `agreements.state_${s}`),
    'agreements.blocked.errors',
    'agreements.blocked.unacknowledged',
    'agreements.blocked.not_draft',
    'agreements.blocked.retired',
    'agreements.blocked.preview',
    'agreements.diff_op.insert',
    'agreements.diff_op.delete',
  ];
}
