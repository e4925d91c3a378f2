// Pure helpers of the documents screens: a request's letters (which kinds,
// in which language, already issued or not), the warnings issuing returns,
// the documents profile form of Settings, and the destruction acts of the
// Evidence screen.
import type { DocumentKind } from './bindings/DocumentKind';
import type { DocumentsProfile } from './bindings/DocumentsProfile';
import type { DocumentWarning } from './bindings/DocumentWarning';
import type { IssuedDocument } from './bindings/IssuedDocument';
import type { Language } from './bindings/Language';
import type { Official } from './bindings/Official';

export const DOCUMENT_KINDS: readonly DocumentKind[] = [
  'acknowledgement',
  'identity_request',
  'extension',
  'answer',
  'refusal',
  'rectification_notice',
  'destruction_notice',
  'destruction_act',
  'log_extract',
];

export const LETTER_LANGUAGES: readonly Language[] = ['ru', 'en'];

/** The i18n key of a document kind's name (the kind itself when unknown). */
export function kindKey(kind: string): string | null {
  return (DOCUMENT_KINDS as readonly string[]).includes(kind) ? `documents.kind.${kind}` : null;
}

/** The file name the shell suggests for a document's PDF (`R41-ANS-ru/2` → `R41-ANS-ru-2.pdf`). */
export function pdfFileName(id: string): string {
  return `${id.replace(/\//g, '-')}.pdf`;
}

/** The revision a document id names (1 when it has no `/n`). */
export function revisionOf(id: string): number {
  const m = /\/(\d+)$/.exec(id);
  return m ? Number(m[1]) : 1;
}

/** The latest document issued of `kind` in `language`, erased or not; null when none was. */
export function latestIssued(issued: readonly IssuedDocument[], kind: DocumentKind, language: Language): IssuedDocument | null {
  let found: IssuedDocument | null = null;
  for (const d of issued) if (d.kind === kind && d.language === language && (found === null || d.seq > found.seq)) found = d;
  return found;
}

/** The language chosen for each kind: the one already chosen, else the request's default. */
export function languagesFor(
  kinds: readonly DocumentKind[],
  chosen: Partial<Record<DocumentKind, Language>>,
  fallback: Language,
): Record<string, Language> {
  const out: Record<string, Language> = {};
  for (const k of kinds) out[k] = chosen[k] ?? fallback;
  return out;
}

/** The statements of the documents profile an answer letter warns about (`profile.<statement>`). */
export const PROFILE_STATEMENTS = ['cross_border', 'measures', 'automated', 'other'] as const;
export type ProfileStatement = (typeof PROFILE_STATEMENTS)[number];

/** The field of the documents profile a warning's code (`profile.<field>`) names, if any. */
function profileField(w: DocumentWarning): string | null {
  return w.code.startsWith('profile.') ? w.code.slice('profile.'.length) : null;
}

/**
 * A warning of `letter_issue` as the UI shows it: the statements the
 * documents profile lacks have their own localised sentence (and send the
 * user to Settings → Documents); any other warning is shown as the core
 * wrote it.
 */
export function warningOf(w: DocumentWarning): { statement: ProfileStatement } | { text: string } {
  const f = profileField(w);
  if (f !== null && (PROFILE_STATEMENTS as readonly string[]).includes(f)) return { statement: f as ProfileStatement };
  return { text: w.message };
}

/** True when any warning is about the documents profile (the hint to Settings is shown). */
export function mentionsProfile(warnings: readonly DocumentWarning[]): boolean {
  return warnings.some((w) => profileField(w) !== null);
}

export function emptyOfficial(): Official {
  return { name: '', position: '' };
}

export function emptyProfile(): DocumentsProfile {
  return {
    signatory: emptyOfficial(),
    information_system: '',
    destroyers: [],
    cross_border: '',
    measures: '',
    automated: '',
    other: '',
  };
}

/** A deep copy to edit (the form never changes what it was given). */
export function profileForm(p: DocumentsProfile): DocumentsProfile {
  return {
    ...p,
    signatory: { ...p.signatory },
    destroyers: p.destroyers.map((d) => ({ ...d })),
  };
}

/** The profile to send: every text trimmed, rows left wholly empty dropped. */
export function toProfile(f: DocumentsProfile): DocumentsProfile {
  const o = (x: Official): Official => ({ name: x.name.trim(), position: x.position.trim() });
  return {
    signatory: o(f.signatory),
    information_system: f.information_system.trim(),
    destroyers: f.destroyers.map(o).filter((d) => d.name !== '' || d.position !== ''),
    cross_border: f.cross_border.trim(),
    measures: f.measures.trim(),
    automated: f.automated.trim(),
    other: f.other.trim(),
  };
}

export type ProfileProblem = { row: number; problem: 'name' | 'position' };

/**
 * Rows of the people who destroy data that cannot be saved: order 179
 * names each person with their position, so a row needs both (a row left
 * wholly empty is dropped, not a problem). `row` indexes `f.destroyers`.
 */
export function profileProblems(f: DocumentsProfile): ProfileProblem[] {
  const out: ProfileProblem[] = [];
  f.destroyers.forEach((d, row) => {
    const name = d.name.trim() !== '';
    const position = d.position.trim() !== '';
    if (name && !position) out.push({ row, problem: 'position' });
    if (!name && position) out.push({ row, problem: 'name' });
  });
  return out;
}

/** True when the two profiles would be stored the same (unsaved changes otherwise). */
export function sameProfile(a: DocumentsProfile, b: DocumentsProfile): boolean {
  return JSON.stringify(toProfile(a)) === JSON.stringify(toProfile(b));
}

// ---- destruction acts (the Evidence screen) ----------------------------------------------

/** The log extract issued with an act: the act's id with `-ACT-` → `-LOG-` (`E57-ACT-ru/2` → `E57-LOG-ru/2`). */
export function logIdOf(actId: string): string {
  return actId.replace('-ACT-', '-LOG-');
}

/** The other of the two languages documents are written in (an act is issued again in it). */
export function otherLanguage(l: Language): Language {
  return l === 'ru' ? 'en' : 'ru';
}

/** True when destroying on `today` (YYYY-MM-DD) comes before the last day of retention: an early destruction (order No. 179 п. 8). */
export function destroyedEarly(retainUntil: string | null, today: string): boolean {
  return retainUntil !== null && today < retainUntil;
}

/** True when the last day of retention has passed and the act is still kept (shown as overdue). */
export function retentionOverdue(d: Pick<IssuedDocument, 'retain_until' | 'erased'>, today: string): boolean {
  return !d.erased && d.retain_until !== null && d.retain_until < today;
}

/** What the documents profile lacks, as an act's warning names it. */
export const ACT_MISSING = ['information_system', 'destroyers'] as const;
export type ActMissing = (typeof ACT_MISSING)[number];

/**
 * A warning of `act_issue` as the UI shows it: what the documents profile
 * lacks (the act says "not stated") has its own localised sentence; any
 * other warning is shown as the core wrote it.
 */
export function actWarningOf(w: DocumentWarning): { missing: ActMissing } | { text: string } {
  const f = profileField(w);
  if (f !== null && (ACT_MISSING as readonly string[]).includes(f)) return { missing: f as ActMissing };
  return { text: w.message };
}

// ---- evidence packs ----------------------------------------------------------------------

/** The agreements a pack can be made of: those with a published version (retired ones too), by title. */
export function packableAgreements<A extends { id: number; title: string; published_version: number | null }>(list: readonly A[]): A[] {
  return list.filter((a) => a.published_version !== null).sort((x, y) => x.title.localeCompare(y.title) || x.id - y.id);
}

/** A whole percentage of `done` out of `total` (0 when nothing is known yet), never above 100. */
export function percentOf(done: number, total: number): number {
  if (!(total > 0) || !(done > 0)) return 0;
  return Math.min(100, Math.floor((done * 100) / total));
}

/** A file size in the interface's language: 812 B, 14.2 KB, 3.1 MB (1 KB = 1024 bytes). */
export function formatBytes(bytes: number, lang: string): string {
  const ru = lang.startsWith('ru');
  const units = ru ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
  let v = Math.max(0, bytes);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const n = u === 0 ? String(Math.round(v)) : new Intl.NumberFormat(ru ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v);
  return `${n} ${units[u]}`;
}

/** What an evidence pack is made of: one person (their subject id) or one agreement. */
/** What a pack is of: a person, an agreement, or the inspection pack of a period (YYYY-MM-DD days; null: open-ended). */
export type PackTarget = { subject: string } | { agreement: number } | { inspection: { from: string | null; to: string | null } };
