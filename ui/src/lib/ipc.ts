// Typed wrappers over the Tauri commands and events. This is the only module
// that knows command names; screens call these functions and branch on
// `IpcError.code` only.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Activity } from './bindings/Activity';
import type { ActivityItem } from './bindings/ActivityItem';
import type { ActivityView } from './bindings/ActivityView';
import type { AgreementPreview } from './bindings/AgreementPreview';
import type { AgreementView } from './bindings/AgreementView';
import type { AppInfo } from './bindings/AppInfo';
import type { CalendarInfo } from './bindings/CalendarInfo';
import type { CheckpointDto } from './bindings/CheckpointDto';
import type { ConsentInput } from './bindings/ConsentInput';
import type { Content } from './bindings/Content';
import type { Created } from './bindings/Created';
import type { Cursor } from './bindings/Cursor';
import type { Detail } from './bindings/Detail';
import type { DemoVault } from './bindings/DemoVault';
import type { DiffLine } from './bindings/DiffLine';
import type { DocumentKind } from './bindings/DocumentKind';
import type { ProcessingDocument } from './bindings/ProcessingDocument';
import type { DocumentPreview } from './bindings/DocumentPreview';
import type { NoticeChanges } from './bindings/NoticeChanges';
import type { ProcessingFinding } from './bindings/ProcessingFinding';
import type { Drift } from './bindings/Drift';
import type { DocumentsProfile } from './bindings/DocumentsProfile';
import type { Due } from './bindings/Due';
import type { Erased } from './bindings/Erased';
import type { EventDto } from './bindings/EventDto';
import type { Filter } from './bindings/Filter';
import type { Found } from './bindings/Found';
import type { Fulfilled } from './bindings/Fulfilled';
import type { Fulfilment } from './bindings/Fulfilment';
import type { Hit } from './bindings/Hit';
import type { IdentityCheck } from './bindings/IdentityCheck';
import type { ImportPreview } from './bindings/ImportPreview';
import type { ImportProgress } from './bindings/ImportProgress';
import type { ImportRead } from './bindings/ImportRead';
import type { ImportReport } from './bindings/ImportReport';
import type { Incident } from './bindings/Incident';
import type { IncidentDetails } from './bindings/IncidentDetails';
import type { IncidentNotice } from './bindings/IncidentNotice';
import type { IncidentRegister } from './bindings/IncidentRegister';
import type { IncidentRulesInfo } from './bindings/IncidentRulesInfo';
import type { AffectedFilter } from './bindings/AffectedFilter';
import type { IpcError } from './bindings/IpcError';
import type { Operator } from './bindings/Operator';
import type { OperatorRole } from './bindings/OperatorRole';
import type { IssuedDocument } from './bindings/IssuedDocument';
import type { Language } from './bindings/Language';
import type { LedgerPage } from './bindings/LedgerPage';
import type { LetterList } from './bindings/LetterList';
import type { RulesInfo } from './bindings/RulesInfo';
import type { LoadedYear } from './bindings/LoadedYear';
import type { LockedEvent } from './bindings/LockedEvent';
import type { NewRequest } from './bindings/NewRequest';
import type { Opened } from './bindings/Opened';
import type { Outcome } from './bindings/Outcome';
import type { PackChecked } from './bindings/PackChecked';
import type { PackMade } from './bindings/PackMade';
import type { PackProgress } from './bindings/PackProgress';
import type { AutoBackup } from './bindings/AutoBackup';
import type { BackupMade } from './bindings/BackupMade';
import type { BackupProgress } from './bindings/BackupProgress';
import type { BackupRestored } from './bindings/BackupRestored';
import type { Overview } from './bindings/Overview';
import type { Published } from './bindings/Published';
import type { RefusalReason } from './bindings/RefusalReason';
import type { RegisterPage } from './bindings/RegisterPage';
import type { RequestCursor } from './bindings/RequestCursor';
import type { RequestDetail } from './bindings/RequestDetail';
import type { RequestFilter } from './bindings/RequestFilter';
import type { RequestItem } from './bindings/RequestItem';
import type { RequestPage } from './bindings/RequestPage';
import type { Requisites } from './bindings/Requisites';
import type { Settings } from './bindings/Settings';
import type { Strength } from './bindings/Strength';
import type { Summary } from './bindings/Summary';
import type { Template } from './bindings/Template';
import type { TemplateKind } from './bindings/TemplateKind';
import type { Timeline } from './bindings/Timeline';
import type { VaultSummary } from './bindings/VaultSummary';
import type { VerifyProgress } from './bindings/VerifyProgress';
import type { VerifyReport } from './bindings/VerifyReport';

export type {
  AgreementPreview,
  AgreementView,
  AppInfo,
  CheckpointDto,
  ConsentInput,
  Content,
  Created,
  Cursor,
  DemoVault,
  Detail,
  DiffLine,
  Due,
  EventDto,
  Filter,
  Hit,
  ImportPreview,
  ImportProgress,
  ImportRead,
  ImportReport,
  IpcError,
  LedgerPage,
  LockedEvent,
  Outcome,
  PackChecked,
  PackMade,
  PackProgress,
  Published,
  RegisterPage,
  Settings,
  Strength,
  Summary,
  Template,
  Timeline,
  VaultSummary,
  VerifyProgress,
  VerifyReport,
};

/** Code used when a rejection is not the `{code, message}` object the shell promises. */
export const UNKNOWN_CODE = 'unknown';

export function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Normalises anything a rejected `invoke` (or our own code) may throw. */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: UNKNOWN_CODE, message: value.message };
  if (typeof value === 'string') return { code: UNKNOWN_CODE, message: value };
  return { code: UNKNOWN_CODE, message: String(value) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

export const ipc = {
  appInfo: () => call<AppInfo>('app_info'),
  passphraseStrength: (passphrase: string, context: string[]) =>
    call<Strength>('passphrase_strength', { passphrase, context }),
  pickVaultFolder: (title: string) => call<string | null>('pick_vault_folder', { title }),
  createVault: (args: { path: string; organisation: string; operator: string; passphrase: string }) =>
    call<Created>('create_vault', args),
  saveRecoveryCode: (title: string, fileName: string, text: string) =>
    call<boolean>('save_recovery_code', { title, fileName, text }),
  openDemo: () => call<DemoVault>('open_demo'),
  unlock: (path: string, passphrase: string) => call<VaultSummary>('unlock', { path, passphrase }),
  recover: (path: string, recoveryCode: string, newPassphrase: string) =>
    call<VaultSummary>('recover', { path, recoveryCode, newPassphrase }),
  lock: () => call<null>('lock'),
  touch: () => call<null>('touch'),
  vaultSummary: () => call<VaultSummary>('vault_summary'),
  ledgerPage: (before: number | null, limit: number) => call<LedgerPage>('ledger_page', { before, limit }),
  /** Events of a kind (or a prefix such as `read.`) and/or an operator, newest first, a slice of the log at a time. */
  ledgerFiltered: (before: number | null, limit: number, kind: string | null, actor: string | null) =>
    call<LedgerPage>('ledger_filtered', { before, limit, kind, actor }),
  /** The operators' names, for the Ledger's filter. */
  ledgerActors: () => call<string[]>('ledger_actors'),
  ledgerEvent: (seq: number) => call<EventDto>('ledger_event', { seq }),
  verifyLedger: () => call<VerifyReport>('verify_ledger'),
  cancelVerify: () => call<null>('cancel_verify'),
  createCheckpoint: () => call<CheckpointDto>('create_checkpoint'),
  listCheckpoints: () => call<CheckpointDto[]>('list_checkpoints'),
  exportCheckpoint: (id: number, title: string) => call<boolean>('export_checkpoint', { id, title }),
  getSettings: () => call<Settings>('get_settings'),
  setSettings: (settings: Settings) => call<Settings>('set_settings', { settings }),
  getRequisites: () => call<Requisites>('get_requisites'),
  setRequisites: (requisites: Requisites) => call<VaultSummary>('set_requisites', { requisites }),
  changePassphrase: (current: string, newPassphrase: string) =>
    call<null>('change_passphrase', { current, newPassphrase }),

  // ---- agreements ----------------------------------------------------------
  // `reader` is the UI language: the language of the compliance findings.
  agreementTemplates: () => call<Template[]>('agreement_templates'),
  agreementList: () => call<Summary[]>('agreement_list'),
  /** One version (the newest when `version` is null). */
  agreementGet: (id: number, version: number | null, reader: Language) =>
    call<AgreementView>('agreement_get', { id, version, reader }),
  agreementCreate: ({ template, language, title, translationOf, reader }: {
    template: TemplateKind;
    language: Language;
    title: string | null;
    translationOf: number | null;
    reader: Language;
  }) => call<AgreementView>('agreement_create', { template, language, title, translationOf, reader }),
  /** Saves the draft; saving a published agreement starts a new draft version. */
  agreementSave: (id: number, content: Content, reader: Language) =>
    call<AgreementView>('agreement_save', { id, content, reader }),
  /** The text and the check of unsaved content (nothing is stored). */
  agreementPreview: (content: Content, reader: Language) =>
    call<AgreementPreview>('agreement_preview', { content, reader }),
  agreementPublish: (id: number, acknowledged: string[], reader: Language) =>
    call<Published>('agreement_publish', { id, acknowledged, reader }),
  agreementRetire: (id: number, reader: Language) => call<AgreementView>('agreement_retire', { id, reader }),
  agreementDiff: (id: number, from: number, to: number) => call<DiffLine[]>('agreement_diff', { id, from, to }),
  /** Opens a native save dialog titled `title`; false when the user cancelled it. */
  agreementExport: (id: number, version: number | null, format: ExportFormat, title: string) =>
    call<boolean>('agreement_export', { id, version, format, title }),

  // ---- the consent register ------------------------------------------------
  /** Newest first: `limit` entries older than `after` (null: from the newest). */
  consentList: (filter: Filter, after: Cursor | null, limit: number) =>
    call<RegisterPage>('consent_list', { filter, after, limit }),
  consentGet: (id: number) => call<Detail>('consent_get', { id }),
  /** Every action of one subject, oldest first, each checked against the ledger. */
  consentTimeline: (subject: string) => call<Timeline>('consent_timeline', { subject }),
  /** Subjects whose names, e-mails or phones match `text` (prefixes), best first. */
  consentSearch: (text: string, limit: number) => call<Hit[]>('consent_search', { text, limit }),
  /** Records a consent, refusal or withdrawal typed in by the operator. */
  consentRecord: (input: ConsentInput) => call<Outcome>('consent_record', { input }),
  /** Other subjects recorded under one of this subject's names: perhaps the same person. */
  consentSameName: (subject: string) => call<Hit[]>('consent_same_name', { subject }),
  /**
   * Records for good (ledger event `subject.merged`) that `absorb` is the same
   * person as `keep`; returns the event's seq. Codes: `invalid` (already
   * merged, or the same person), `not_found`, `erased`.
   */
  consentMerge: (keep: string, absorb: string) => call<number>('consent_merge', { keep, absorb }),
  /** How many consents have reached the end of their term and are not yet recorded as expired. */
  consentExpiryDue: () => call<number>('consent_expiry_due'),
  /** Records every consent whose term has ended as expired; returns how many. */
  consentExpire: () => call<number>('consent_expire'),

  // ---- import ------------------------------------------------------------------
  /** Opens a native file dialog titled `title`; null when the user cancelled it. */
  importPickFile: (title: string) => call<string | null>('import_pick_file', { title }),
  /** What the file holds and how it would be read; nothing is stored. */
  importPreview: (path: string, read: ImportRead) => call<ImportPreview>('import_preview', { path, read }),
  /**
   * Imports the file (all or nothing unless `keepGoodRows`), emitting
   * `import-progress`; rejects with code `cancelled` after `importCancel`.
   */
  importRun: ({ path, read, agreement, keepGoodRows }: {
    path: string;
    read: ImportRead;
    agreement: string | null;
    keepGoodRows: boolean;
  }) => call<ImportReport>('import_run', { path, read, agreement, keepGoodRows }),
  importCancel: () => call<null>('import_cancel'),
  /**
   * Writes the rejected rows (`lines`) of a CSV or XLSX file, as they were and
   * under its header, to a file chosen in a native save dialog titled
   * `title`. Returns the path written; null when the dialog was cancelled or
   * the file has no columns (JSON).
   */
  /** Refused when the file is no longer the one imported (its SHA-256 differs). */
  importSaveRejected: ({
    path,
    read,
    lines,
    fileSha256,
    title,
  }: {
    path: string;
    read: ImportRead;
    lines: number[];
    fileSha256: string;
    title: string;
  }) => call<string | null>('import_save_rejected', { path, read, lines, fileSha256, title }),
  // ---- subjects' requests ------------------------------------------------------------
  /** The home screen: open requests by due date, follow-on deadlines, counts, consent activity. */
  requestOverview: () => call<Overview>('request_overview'),
  /** Most urgent first (due date, then id): `limit` requests after `after` (null: from the first). */
  requestList: (filter: RequestFilter, after: RequestCursor | null, limit: number) =>
    call<RequestPage>('request_list', { filter, after, limit }),
  requestGet: (id: number) => call<RequestDetail>('request_get', { id }),
  /** People found directly, and (separately) through transliteration: candidates to confirm. */
  requestFindPerson: (text: string) => call<Found>('request_find_person', { text }),
  /** Takes a request in (event `request.received`); its deadlines are computed now. */
  requestOpen: (input: NewRequest) => call<Opened>('request_open', { input }),
  requestIdentity: (id: number, check: IdentityCheck) => call<RequestItem>('request_identity', { id, check }),
  /** Extends the deadline once: the written reasons and the day the notice was sent (YYYY-MM-DD). */
  requestExtend: (id: number, reasons: string, noticeSent: string) =>
    call<RequestItem>('request_extend', { id, reasons, noticeSent }),
  requestFulfil: (id: number, fulfilment: Fulfilment) => call<Fulfilled>('request_fulfil', { id, fulfilment }),
  /** Refuses with a reason code from `requestReasons` and a text saying why. */
  requestRefuse: (id: number, reason: string, text: string) => call<RequestItem>('request_refuse', { id, reason, text }),
  requestCancel: (id: number, note: string | null) => call<RequestItem>('request_cancel', { id, note }),
  requestReasons: () => call<RefusalReason[]>('request_reasons'),
  /** Attaches the file at `path` (from `importPickFile`); `purpose`: request or identity. Returns the event's seq. */
  requestAttach: (id: number, purpose: 'request' | 'identity', path: string) =>
    call<number>('request_attach', { id, purpose, path }),
  /** Saves the access answer (JSON, and CSV beside it) through a native save dialog; the paths written, none if cancelled. */
  requestExport: (id: number, title: string) => call<string[]>('request_export', { id, title }),
  requestFileSave: (fileId: number, title: string) => call<string | null>('request_file_save', { fileId, title }),
  calendarInfo: () => call<CalendarInfo>('calendar_info'),
  /** Loads a calendar file (from `importPickFile`); open requests are dated again. */
  calendarLoad: (path: string) => call<LoadedYear[]>('calendar_load', { path }),
  requestRules: () => call<RulesInfo>('request_rules'),
  /** Makes the rules file at `path` (from `importPickFile`) the vault's own; null: the shipped rules again. */
  requestRulesLoad: (path: string | null) => call<RulesInfo>('request_rules_load', { path }),
  /** Saves the rules in force as JSON through a native save dialog; the path, or null if cancelled. */
  requestRulesExport: (title: string) => call<string | null>('request_rules_export', { title }),
  /** The GDPR country whose public holidays count (two letters), or null: weekends only. */
  setGdprCountry: (country: string | null) => call<null>('set_gdpr_country', { country }),
  /** Erases a person for good (every merged subject); `reason` names the request. */
  subjectErase: (subject: string, reason: string) => call<Erased>('subject_erase', { subject, reason }),
  subjectUnrestrict: (subject: string, reason: string) => call<number>('subject_unrestrict', { subject, reason }),
  /** Saves the suppression list as CSV through a native save dialog; the path, or null if cancelled. */
  suppressionExport: (plain: boolean, title: string) => call<string | null>('suppression_export', { plain, title }),
  // ---- documents issued to data subjects -------------------------------------------
  /** The letters request `request` can have now, the documents issued for it, and its letters' default language. */
  letterList: (request: number) => call<LetterList>('letter_list', { request }),
  /** Issues a letter (event `document.issued`), or returns the same document (`new` false) when nothing changed since. */
  letterIssue: (request: number, kind: DocumentKind, language: Language) =>
    call<IssuedDocument>('letter_issue', { request, kind, language }),
  /** An issued document's plain text; code `erased` once the person was erased. */
  documentText: (id: string) => call<string>('document_text', { id }),
  /** Saves an issued document's PDF through a native save dialog; the path, or null if cancelled. */
  documentSave: (id: string, title: string) => call<string | null>('document_save', { id, title }),
  documentsProfile: () => call<DocumentsProfile>('documents_profile'),
  /** Stores the documents profile (checked and trimmed by the core); the profile as stored. */
  setDocumentsProfile: (profile: DocumentsProfile) => call<DocumentsProfile>('set_documents_profile', { profile }),
  /** The destruction acts (not their extracts), newest first, destroyed ones included. */
  actList: () => call<IssuedDocument[]>('act_list'),
  /** Renders an act and its log extract again in `language` from the facts the act keeps; [act, extract]. */
  actIssue: (id: string, language: Language) => call<IssuedDocument[]>('act_issue', { id, language }),
  /** Destroys an act and its extract (every revision and language) with a reason; the seq of `document.destroyed`. */
  actDestroy: (id: string, reason: string) => call<number>('act_destroy', { id, reason }),
  // ---- operators -------------------------------------------------------------------------
  /** Every operator of the vault with their role, the creator first. */
  operatorList: () => call<Operator[]>('operator_list'),
  /** Adds an operator with their own passphrase (owners only: code `forbidden` otherwise); the list. */
  operatorAdd: (name: string, passphrase: string, role: OperatorRole) => call<Operator[]>('operator_add', { name, passphrase, role }),
  /** Changes an operator's role (owners only; the last owner stays); the list. */
  operatorSetRole: (slot: string, role: OperatorRole) => call<Operator[]>('operator_set_role', { slot, role }),
  /** Removes an operator and destroys their key slot (owners only); the list. */
  operatorRemove: (slot: string) => call<Operator[]>('operator_remove', { slot }),
  // ---- the processing register -------------------------------------------------------
  /** Every processing activity, active ones first, with how much its agreements drift from it. */
  activityList: () => call<ActivityItem[]>('activity_list'),
  activityGet: (id: number) => call<ActivityView>('activity_get', { id }),
  /** What agreement `agreement`'s newest published version says of its processing, not recorded. */
  activityDraft: (agreement: number) => call<Activity>('activity_draft', { agreement }),
  /** What the agreements an activity being written lists have that it does not. */
  activityDrift: (activity: Activity) => call<Drift[]>('activity_drift', { activity }),
  /** Records an activity (event `activity.recorded`; owners only). */
  activityNew: (activity: Activity) => call<ActivityView>('activity_new', { activity }),
  /** Saves an activity (event `activity.updated` when something changed). */
  activitySave: (id: number, activity: Activity) => call<ActivityView>('activity_save', { id, activity }),
  /** Retires an activity (event `activity.retired`). */
  activityRetire: (id: number) => call<ActivityView>('activity_retire', { id }),
  /** What the activities relying on an agreement do not list of its newest published version. */
  agreementDrift: (agreement: number) => call<Drift[]>('agreement_drift', { agreement }),
  /** The mandatory items of a document the register generates that are missing. */
  processingCheck: (document: ProcessingDocument, language: Language) => call<ProcessingFinding[]>('processing_check', { document, language }),
  /** Publishes a document the register generates (owners; refused while its check finds an error). */
  processingPublish: (document: ProcessingDocument, language: Language) => call<IssuedDocument>('processing_publish', { document, language }),
  /** A document's published revisions, the one in force first. */
  processingRevisions: (document: ProcessingDocument, language: Language) => call<IssuedDocument[]>('processing_revisions', { document, language }),
  /** Saves a published revision as a web page where the user chooses; the path, or null if cancelled. */
  processingSaveHtml: (id: string, title: string) => call<string | null>('processing_save_html', { id, title }),
  /** The live preview: the document as publishing it now would make it (nothing recorded). */
  processingPreview: (document: ProcessingDocument, language: Language) => call<DocumentPreview>('processing_preview', { document, language }),
  /** The notice's notices of changes, the changes the notice in force does not state yet, and its sending. */
  noticeChanges: (language: Language) => call<NoticeChanges>('notice_changes', { language }),
  /** Records that a notice (of intent or of changes) was sent on `on` (YYYY-MM-DD; owners). */
  noticeSent: (id: string, on: string) => call<number>('notice_sent', { id, on }),

  // ---- incidents ---------------------------------------------------------------------
  /** Every incident (newest detection first) with its clocks, and the law a new one falls under. */
  incidentList: () => call<IncidentRegister>('incident_list'),
  incidentGet: (id: number) => call<Incident>('incident_get', { id }),
  /** Records an incident (event `incident.recorded`); times are RFC 3339. */
  incidentNew: (details: IncidentDetails) => call<Incident>('incident_new', { details }),
  /** Saves an open incident's record (event `incident.updated` when something changed). */
  incidentSave: (id: number, details: IncidentDetails) => call<Incident>('incident_save', { id, details }),
  /** How many people a register query finds; nothing is recorded. */
  incidentCount: (filter: AffectedFilter) => call<number>('incident_count', { filter }),
  /** Issues the draft of a notice as a document (the same one again when nothing changed). */
  incidentNotice: (id: number, notice: IncidentNotice, language: Language) =>
    call<IssuedDocument>('incident_notice', { id, notice, language }),
  /** Records a notice as sent at `sentAt` (RFC 3339) with how it was sent (event `incident.notified`). */
  incidentSent: (id: number, notice: IncidentNotice, sentAt: string, reference: string) =>
    call<Incident>('incident_sent', { id, notice, sentAt, reference }),
  /** Closes an incident: its record becomes final (event `incident.closed`). */
  incidentClose: (id: number) => call<Incident>('incident_close', { id }),
  /** The clocks and fines in force, with their sources, and whether they are the vault's own. */
  incidentRules: () => call<IncidentRulesInfo>('incident_rules'),
  /** Makes the rules file at `path` the vault's own (owners only), or with null returns to the shipped rules. */
  incidentRulesLoad: (path: string | null) => call<IncidentRulesInfo>('incident_rules_load', { path }),
  /** Saves the rules in force through a native save dialog; the path, or null if cancelled. */
  incidentRulesExport: (title: string) => call<string | null>('incident_rules_export', { title }),
  // ---- evidence packs ------------------------------------------------------------------
  /**
   * Asks where to save (native dialog titled `title`), then makes a person's
   * evidence pack, emitting `pack-progress`; null when the dialog was
   * cancelled; rejects with code `cancelled` after `packCancel` (nothing recorded, no file).
   */
  packPerson: (subject: string, language: Language, title: string) =>
    call<PackMade | null>('pack_person', { subject, language, title }),
  /** Like `packPerson`, for every published version of agreement `id`. */
  packAgreement: (id: number, language: Language, title: string) =>
    call<PackMade | null>('pack_agreement', { id, language, title }),
  /** Like `packPerson`, for the inspection pack of the days `from`..`to` (YYYY-MM-DD; null: the register's start / today). */
  packInspection: (from: string | null, to: string | null, language: Language, title: string) =>
    call<PackMade | null>('pack_inspection', { from, to, language, title }),
  packCancel: () => call<null>('pack_cancel'),
  /** Backs the open vault up into a file chosen in a native dialog titled `title`; null when the dialog was cancelled. */
  backupNow: (title: string) => call<BackupMade | null>('backup_now', { title }),
  backupCancel: () => call<null>('backup_cancel'),
  /** How the last automatic backup (on locking) went in this run of the app. */
  backupLast: () => call<AutoBackup | null>('backup_last'),
  backupPickFile: (title: string) => call<string | null>('backup_pick_file', { title }),
  /** Restores a backup into a new or empty folder; `restored` false: it lacks events a witness saw (ask, then again with `acceptMissing`). */
  backupRestore: (file: string, into: string, passphrase: string, acceptMissing: boolean) =>
    call<BackupRestored>('backup_restore', { file, into, passphrase, acceptMissing }),
  /** Opens a native file dialog for a ZIP titled `title`; null when the user cancelled it. */
  packPickFile: (title: string) => call<string | null>('pack_pick_file', { title }),
  /** Checks the pack file at `path` without the vault (against `verifierKey` when given); not intact is a result, not an error. */
  packVerify: (path: string, verifierKey: string | null) => call<PackChecked>('pack_verify', { path, verifierKey }),
};

export type ExportFormat = 'pdf' | 'html' | 'txt';

export const EVENT_VERIFY_PROGRESS = 'verify-progress';
export const EVENT_VAULT_LOCKED = 'vault-locked';
export const EVENT_IMPORT_PROGRESS = 'import-progress';
export const EVENT_PACK_PROGRESS = 'pack-progress';
export const EVENT_BACKUP_PROGRESS = 'backup-progress';

export function onVerifyProgress(handler: (p: VerifyProgress) => void): Promise<UnlistenFn> {
  return listen<VerifyProgress>(EVENT_VERIFY_PROGRESS, (e) => handler(e.payload));
}

export function onVaultLocked(handler: (e: LockedEvent) => void): Promise<UnlistenFn> {
  return listen<LockedEvent>(EVENT_VAULT_LOCKED, (e) => handler(e.payload));
}

export function onImportProgress(handler: (p: ImportProgress) => void): Promise<UnlistenFn> {
  return listen<ImportProgress>(EVENT_IMPORT_PROGRESS, (e) => handler(e.payload));
}

export function onPackProgress(handler: (p: PackProgress) => void): Promise<UnlistenFn> {
  return listen<PackProgress>(EVENT_PACK_PROGRESS, (e) => handler(e.payload));
}

export function onBackupProgress(handler: (p: BackupProgress) => void): Promise<UnlistenFn> {
  return listen<BackupProgress>(EVENT_BACKUP_PROGRESS, (e) => handler(e.payload));
}

/**
 * Subscribes to an event and returns a synchronous disposer, so a component can
 * clean up even if it is destroyed before `listen` resolved.
 */
export function subscribe(register: Promise<UnlistenFn>): () => void {
  let unlisten: UnlistenFn | null = null;
  let disposed = false;
  register
    .then((fn) => {
      if (disposed) fn();
      else unlisten = fn;
    })
    .catch(() => {
      /* no event system (e.g. plain browser): nothing to clean up */
    });
  return () => {
    disposed = true;
    if (unlisten) {
      unlisten();
      unlisten = null;
    }
  };
}
