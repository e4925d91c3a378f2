import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Content } from './bindings/Content';
import type { ConsentInput } from './bindings/ConsentInput';
import type { Filter } from './bindings/Filter';
import type { ImportRead } from './bindings/ImportRead';
import { blankDetails } from './incidents';
import { blankActivity } from './processing';
import { ipc, onImportProgress, onVaultLocked, onVerifyProgress, subscribe, toIpcError } from './ipc';

const REQ = { fullName: 'Acme', shortName: '', inn: '', ogrn: '', legalAddress: '', dpo: '', withdrawalEmail: '' };

afterEach(() => clearMocks());

describe('IPC wrappers', () => {
  it('send the command names and argument names of the contract', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      if (cmd === 'ledger_page') return { events: [], nextBefore: null, total: 0 };
      return null;
    });
    await ipc.ledgerPage(501, 200);
    await ipc.ledgerFiltered(null, 200, 'read.', 'Аудитор');
    await ipc.ledgerActors();
    await ipc.passphraseStrength('x', ['Acme']);
    await ipc.pickVaultFolder('Pick');
    await ipc.createVault({ path: '/v', organisation: 'Acme', operator: 'owner', passphrase: 'p' });
    await ipc.recover('/v', 'CODE', 'new pass');
    await ipc.setSettings({ language: 'ru', autoLockMinutes: 10, witnessFolders: [], backupFolder: null, backupKeep: 10 });
    await ipc.changePassphrase('old', 'new');
    await ipc.exportCheckpoint(3, 'Export');
    await ipc.ledgerEvent(7);
    await ipc.saveRecoveryCode('Save', 'code.txt', 'CODE');
    await ipc.setRequisites(REQ);
    expect(seen).toEqual([
      ['ledger_page', { before: 501, limit: 200 }],
      ['ledger_filtered', { before: null, limit: 200, kind: 'read.', actor: 'Аудитор' }],
      ['ledger_actors', {}],
      ['passphrase_strength', { passphrase: 'x', context: ['Acme'] }],
      ['pick_vault_folder', { title: 'Pick' }],
      ['create_vault', { path: '/v', organisation: 'Acme', operator: 'owner', passphrase: 'p' }],
      ['recover', { path: '/v', recoveryCode: 'CODE', newPassphrase: 'new pass' }],
      ['set_settings', { settings: { language: 'ru', autoLockMinutes: 10, witnessFolders: [], backupFolder: null, backupKeep: 10 } }],
      ['change_passphrase', { current: 'old', newPassphrase: 'new' }],
      ['export_checkpoint', { id: 3, title: 'Export' }],
      ['ledger_event', { seq: 7 }],
      ['save_recovery_code', { title: 'Save', fileName: 'code.txt', text: 'CODE' }],
      ['set_requisites', { requisites: REQ }],
    ]);
  });

  it('sends the request commands with the argument names the shell expects (camelCase)', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      return null;
    });
    const filter = { open: true, status: null, kind: null, subject: null };
    const check = { method: 'email' as const, passed: true, details: null };
    const fulfilment = { corrections: { name: null, email: null, phone: null, address: null, fields: {} }, agreements: [], unlawful: false, legal_hold: false, note: null };
    await ipc.requestOverview();
    await ipc.requestList(filter, { due: '2026-04-01', id: 9 }, 100);
    await ipc.requestGet(9);
    await ipc.requestFindPerson('Смирнова');
    await ipc.requestIdentity(9, check);
    await ipc.requestExtend(9, 'many documents', '2026-03-12');
    await ipc.requestFulfil(9, fulfilment);
    await ipc.requestRefuse(9, 'other', 'why');
    await ipc.requestCancel(9, null);
    await ipc.requestAttach(9, 'identity', '/tmp/passport.pdf');
    await ipc.requestExport(9, 'Save');
    await ipc.calendarLoad('/tmp/ru-2027.json');
    await ipc.setGdprCountry('DE');
    await ipc.subjectErase('s-1', 'request 9: destroy');
    await ipc.suppressionExport(true, 'Save');
    await ipc.requestRulesLoad('/tmp/rules.json');
    await ipc.requestRulesLoad(null);
    await ipc.requestRulesExport('Save');
    expect(seen).toEqual([
      ['request_overview', {}],
      ['request_list', { filter, after: { due: '2026-04-01', id: 9 }, limit: 100 }],
      ['request_get', { id: 9 }],
      ['request_find_person', { text: 'Смирнова' }],
      ['request_identity', { id: 9, check }],
      ['request_extend', { id: 9, reasons: 'many documents', noticeSent: '2026-03-12' }],
      ['request_fulfil', { id: 9, fulfilment }],
      ['request_refuse', { id: 9, reason: 'other', text: 'why' }],
      ['request_cancel', { id: 9, note: null }],
      ['request_attach', { id: 9, purpose: 'identity', path: '/tmp/passport.pdf' }],
      ['request_export', { id: 9, title: 'Save' }],
      ['calendar_load', { path: '/tmp/ru-2027.json' }],
      ['set_gdpr_country', { country: 'DE' }],
      ['subject_erase', { subject: 's-1', reason: 'request 9: destroy' }],
      ['suppression_export', { plain: true, title: 'Save' }],
      ['request_rules_load', { path: '/tmp/rules.json' }],
      ['request_rules_load', { path: null }],
      ['request_rules_export', { title: 'Save' }],
    ]);
  });

  it('sends the documents commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      return null;
    });
    const profile = {
      signatory: { name: 'Иванова М. П.', position: 'Генеральный директор' },
      information_system: 'CRM',
      destroyers: [{ name: 'Петров П. П.', position: 'Администратор' }],
      cross_border: '',
      measures: '',
      automated: '',
      other: '',
    };
    await ipc.letterList(9);
    await ipc.letterIssue(9, 'answer', 'ru');
    await ipc.documentText('R9-ANS-ru/2');
    await ipc.documentSave('R9-ANS-ru/2', 'Save the PDF');
    await ipc.documentsProfile();
    await ipc.setDocumentsProfile(profile);
    await ipc.actList();
    await ipc.actIssue('E57-ACT-ru', 'en');
    await ipc.actDestroy('E57-ACT-ru', 'three years of retention ended');
    await ipc.packPerson('subj-1', 'ru', 'Save the evidence pack');
    await ipc.packAgreement(3, 'en', 'Save the evidence pack');
    await ipc.packInspection('2026-01-01', null, 'ru', 'Save the evidence pack');
    await ipc.packCancel();
    await ipc.backupNow('Save the backup');
    await ipc.backupCancel();
    await ipc.backupLast();
    await ipc.backupPickFile('Choose a backup');
    await ipc.backupRestore('/media/b.clbackup', '/home/anna/restored', 'pass phrase', false);
    await ipc.packPickFile('Choose a pack');
    await ipc.packVerify('/home/anna/evidence-subj-1.zip', null);
    await ipc.packVerify('/home/anna/evidence-A3.zip', 'consent-ledger/ab+cd+ef');
    expect(seen).toEqual([
      ['letter_list', { request: 9 }],
      ['letter_issue', { request: 9, kind: 'answer', language: 'ru' }],
      ['document_text', { id: 'R9-ANS-ru/2' }],
      ['document_save', { id: 'R9-ANS-ru/2', title: 'Save the PDF' }],
      ['documents_profile', {}],
      ['set_documents_profile', { profile }],
      ['act_list', {}],
      ['act_issue', { id: 'E57-ACT-ru', language: 'en' }],
      ['act_destroy', { id: 'E57-ACT-ru', reason: 'three years of retention ended' }],
      ['pack_person', { subject: 'subj-1', language: 'ru', title: 'Save the evidence pack' }],
      ['pack_agreement', { id: 3, language: 'en', title: 'Save the evidence pack' }],
      ['pack_inspection', { from: '2026-01-01', to: null, language: 'ru', title: 'Save the evidence pack' }],
      ['pack_cancel', {}],
      ['backup_now', { title: 'Save the backup' }],
      ['backup_cancel', {}],
      ['backup_last', {}],
      ['backup_pick_file', { title: 'Choose a backup' }],
      ['backup_restore', { file: '/media/b.clbackup', into: '/home/anna/restored', passphrase: 'pass phrase', acceptMissing: false }],
      ['pack_pick_file', { title: 'Choose a pack' }],
      ['pack_verify', { path: '/home/anna/evidence-subj-1.zip', verifierKey: null }],
      ['pack_verify', { path: '/home/anna/evidence-A3.zip', verifierKey: 'consent-ledger/ab+cd+ef' }],
    ]);
  });

  it('sends the incident commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      return null;
    });
    const details = blankDetails('152-fz');
    details.title = 'CRM export';
    await ipc.incidentList();
    await ipc.incidentGet(57);
    await ipc.incidentNew(details);
    await ipc.incidentSave(57, details);
    await ipc.incidentCount({ agreement: 3, version: null, channel: 'web_form', from: '2026-01-01', to: null });
    await ipc.incidentNotice(57, 'rkn_24h', 'ru');
    await ipc.incidentSent(57, 'rkn_24h', '2026-12-03T14:30:00+03:00', 'portal 77-1');
    await ipc.incidentClose(57);
    await ipc.incidentRules();
    await ipc.incidentRulesLoad('/home/anna/incident-rules.json');
    await ipc.incidentRulesExport('Save the rules');
    await ipc.operatorList();
    await ipc.operatorAdd('Иванова', 'pass phrase words', 'auditor');
    await ipc.operatorSetRole('0011aabb', 'operator');
    await ipc.operatorRemove('0011aabb');
    expect(seen).toEqual([
      ['incident_list', {}],
      ['incident_get', { id: 57 }],
      ['incident_new', { details }],
      ['incident_save', { id: 57, details }],
      ['incident_count', { filter: { agreement: 3, version: null, channel: 'web_form', from: '2026-01-01', to: null } }],
      ['incident_notice', { id: 57, notice: 'rkn_24h', language: 'ru' }],
      ['incident_sent', { id: 57, notice: 'rkn_24h', sentAt: '2026-12-03T14:30:00+03:00', reference: 'portal 77-1' }],
      ['incident_close', { id: 57 }],
      ['incident_rules', {}],
      ['incident_rules_load', { path: '/home/anna/incident-rules.json' }],
      ['incident_rules_export', { title: 'Save the rules' }],
      ['operator_list', {}],
      ['operator_add', { name: 'Иванова', passphrase: 'pass phrase words', role: 'auditor' }],
      ['operator_set_role', { slot: '0011aabb', role: 'operator' }],
      ['operator_remove', { slot: '0011aabb' }],
    ]);
  });

  it('sends the processing register commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      return null;
    });
    const activity = blankActivity('152-fz');
    activity.name = 'Рассылка';
    await ipc.activityList();
    await ipc.activityGet(57);
    await ipc.activityDraft(3);
    await ipc.activityDrift(activity);
    await ipc.activityNew(activity);
    await ipc.activitySave(57, activity);
    await ipc.activityRetire(57);
    await ipc.agreementDrift(3);
    await ipc.processingCheck('notice', 'ru');
    await ipc.processingPublish('policy', 'ru');
    await ipc.processingRevisions('policy', 'ru');
    await ipc.processingSaveHtml('POL-ru/2', 'Save the page');
    await ipc.processingPreview('notice', 'en');
    await ipc.noticeChanges('ru');
    await ipc.noticeSent('NTFCH-ru-2', '2027-01-10');
    expect(seen).toEqual([
      ['activity_list', {}],
      ['activity_get', { id: 57 }],
      ['activity_draft', { agreement: 3 }],
      ['activity_drift', { activity }],
      ['activity_new', { activity }],
      ['activity_save', { id: 57, activity }],
      ['activity_retire', { id: 57 }],
      ['agreement_drift', { agreement: 3 }],
      ['processing_check', { document: 'notice', language: 'ru' }],
      ['processing_publish', { document: 'policy', language: 'ru' }],
      ['processing_revisions', { document: 'policy', language: 'ru' }],
      ['processing_save_html', { id: 'POL-ru/2', title: 'Save the page' }],
      ['processing_preview', { document: 'notice', language: 'en' }],
      ['notice_changes', { language: 'ru' }],
      ['notice_sent', { id: 'NTFCH-ru-2', on: '2027-01-10' }],
    ]);
  });

  it('sends the agreement commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      if (cmd === 'agreement_export') return false;
      return cmd === 'agreement_templates' || cmd === 'agreement_list' || cmd === 'agreement_diff' ? [] : {};
    });
    const content = { title: 'T', template: 'gdpr', language: 'en', regime: 'gdpr' } as unknown as Content;
    await ipc.agreementTemplates();
    await ipc.agreementList();
    await ipc.agreementGet(3, null, 'ru');
    await ipc.agreementGet(3, 2, 'en');
    await ipc.agreementCreate({ template: 'dissemination', language: 'en', title: null, translationOf: 2, reader: 'ru' });
    await ipc.agreementSave(3, content, 'ru');
    await ipc.agreementPreview(content, 'en');
    await ipc.agreementPublish(3, ['storage.missing'], 'ru');
    await ipc.agreementRetire(3, 'ru');
    await ipc.agreementDiff(3, 1, 2);
    expect(await ipc.agreementExport(3, 2, 'pdf', 'Save as PDF')).toBe(false);
    expect(seen).toEqual([
      ['agreement_templates', {}],
      ['agreement_list', {}],
      ['agreement_get', { id: 3, version: null, reader: 'ru' }],
      ['agreement_get', { id: 3, version: 2, reader: 'en' }],
      ['agreement_create', { template: 'dissemination', language: 'en', title: null, translationOf: 2, reader: 'ru' }],
      ['agreement_save', { id: 3, content, reader: 'ru' }],
      ['agreement_preview', { content, reader: 'en' }],
      ['agreement_publish', { id: 3, acknowledged: ['storage.missing'], reader: 'ru' }],
      ['agreement_retire', { id: 3, reader: 'ru' }],
      ['agreement_diff', { id: 3, from: 1, to: 2 }],
      ['agreement_export', { id: 3, version: 2, format: 'pdf', title: 'Save as PDF' }],
    ]);
  });

  it('sends the register and import commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      if (cmd === 'consent_list') return { entries: [], next: null, total: 0 };
      if (cmd === 'consent_search') return [];
      if (cmd === 'import_pick_file') return '/home/anna/consents.csv';
      return {};
    });
    const filter: Filter = {
      agreement: 3,
      version: 2,
      action: 'withdrawn',
      channel: 'paper',
      from: '2025-03-01T00:00:00+03:00',
      to: null,
      subject: null,
      text: 'Иван',
    };
    const input: ConsentInput = {
      agreement: 'A3',
      action: 'given',
      channel: 'paper',
      name: 'Иван Петров',
      email: 'ivan@example.ru',
      phone: '',
      address: '',
      idDocument: '',
      actedAt: '',
      scanSha256: '',
    };
    const read: ImportRead = {
      preset: null,
      encoding: 'windows-1251',
      delimiter: 'tab',
      mapping: { columns: { name: 'ФИО', acted_at: 'Дата' }, default_action: 'given' },
    };
    await ipc.consentList(filter, null, 200);
    await ipc.consentList(filter, { acted_at: '2025-03-14T10:00:00.000000Z', id: 41 }, 1000);
    await ipc.consentGet(41);
    await ipc.consentTimeline('subj-1');
    await ipc.consentSearch('Ива', 8);
    await ipc.consentRecord(input);
    expect(await ipc.importPickFile('Choose a file')).toBe('/home/anna/consents.csv');
    await ipc.importPreview('/home/anna/consents.csv', read);
    await ipc.importRun({ path: '/home/anna/consents.csv', read, agreement: 'A3', keepGoodRows: true });
    await ipc.importRun({ path: '/x.json', read: { preset: 'kantara', encoding: null, delimiter: null, mapping: null }, agreement: null, keepGoodRows: false });
    await ipc.importCancel();
    expect(seen).toEqual([
      ['consent_list', { filter, after: null, limit: 200 }],
      ['consent_list', { filter, after: { acted_at: '2025-03-14T10:00:00.000000Z', id: 41 }, limit: 1000 }],
      ['consent_get', { id: 41 }],
      ['consent_timeline', { subject: 'subj-1' }],
      ['consent_search', { text: 'Ива', limit: 8 }],
      ['consent_record', { input }],
      ['import_pick_file', { title: 'Choose a file' }],
      ['import_preview', { path: '/home/anna/consents.csv', read }],
      ['import_run', { path: '/home/anna/consents.csv', read, agreement: 'A3', keepGoodRows: true }],
      [
        'import_run',
        {
          path: '/x.json',
          read: { preset: 'kantara', encoding: null, delimiter: null, mapping: null },
          agreement: null,
          keepGoodRows: false,
        },
      ],
      ['import_cancel', {}],
    ]);
  });

  it('sends the merge, expiry and rejected-rows commands with the argument names the shell expects', async () => {
    const seen: Array<[string, unknown]> = [];
    mockIPC((cmd, payload) => {
      seen.push([cmd, payload]);
      if (cmd === 'consent_same_name') return [];
      if (cmd === 'consent_expiry_due') return 0;
      if (cmd === 'consent_merge') return 4242;
      if (cmd === 'consent_expire') return 3;
      if (cmd === 'import_save_rejected') return '/home/anna/consents.rejected.csv';
      return null;
    });
    const read: ImportRead = { preset: null, encoding: 'windows-1251', delimiter: ';', mapping: null };
    expect(await ipc.consentSameName('subj-1')).toEqual([]);
    expect(await ipc.consentMerge('subj-1', 'subj-2')).toBe(4242);
    expect(await ipc.consentExpiryDue()).toBe(0);
    expect(await ipc.consentExpire()).toBe(3);
    expect(
      await ipc.importSaveRejected({ path: '/home/anna/consents.csv', read, lines: [2, 19], fileSha256: 'ab12', title: 'Save the rejected rows' }),
    ).toBe('/home/anna/consents.rejected.csv');
    expect(seen).toEqual([
      ['consent_same_name', { subject: 'subj-1' }],
      ['consent_merge', { keep: 'subj-1', absorb: 'subj-2' }],
      ['consent_expiry_due', {}],
      ['consent_expire', {}],
      ['import_save_rejected', { path: '/home/anna/consents.csv', read, lines: [2, 19], fileSha256: 'ab12', title: 'Save the rejected rows' }],
    ]);
  });

  it('rejects a merge with the code the shell sends', async () => {
    mockIPC((cmd) => {
      if (cmd === 'consent_merge') throw { code: 'erased', message: 'subj-2' };
      return null;
    });
    await expect(ipc.consentMerge('subj-1', 'subj-2')).rejects.toEqual({ code: 'erased', message: 'subj-2' });
  });

  it('passes a null `before` for the first page', async () => {
    const payloads: unknown[] = [];
    mockIPC((_cmd, payload) => {
      payloads.push(payload);
      return { events: [], nextBefore: null, total: 0 };
    });
    await ipc.ledgerPage(null, 200);
    expect(payloads).toEqual([{ before: null, limit: 200 }]);
  });

  it('rejects with the {code, message} object the shell sends', async () => {
    mockIPC((cmd) => {
      if (cmd === 'unlock') throw { code: 'wrong_secret', message: 'wrong passphrase or recovery code' };
      return null;
    });
    await expect(ipc.unlock('/v', 'nope')).rejects.toEqual({
      code: 'wrong_secret',
      message: 'wrong passphrase or recovery code',
    });
  });

  it('turns any other failure into an IpcError', () => {
    expect(toIpcError(new Error('boom'))).toEqual({ code: 'unknown', message: 'boom' });
    expect(toIpcError('plain text')).toEqual({ code: 'unknown', message: 'plain text' });
    expect(toIpcError({ code: 'io', message: 'disk full', extra: 1 })).toEqual({ code: 'io', message: 'disk full' });
    expect(toIpcError({ code: 5 })).toEqual({ code: 'unknown', message: '[object Object]' });
  });
});

describe('events', () => {
  it('delivers vault-locked and verify-progress payloads, and stops after unsubscribe', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const locked = vi.fn();
    const progress = vi.fn();
    const stopLocked = subscribe(onVaultLocked(locked));
    const stopProgress = subscribe(onVerifyProgress(progress));
    await new Promise((r) => setTimeout(r, 0));
    await emit('vault-locked', { reason: 'idle' });
    await emit('verify-progress', { done: 10, total: 100 });
    expect(locked).toHaveBeenCalledWith({ reason: 'idle' });
    expect(progress).toHaveBeenCalledWith({ done: 10, total: 100 });
    stopLocked();
    stopProgress();
    await emit('vault-locked', { reason: 'user' });
    expect(locked).toHaveBeenCalledTimes(1);
  });

  it('delivers import-progress payloads', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const progress = vi.fn();
    const stop = subscribe(onImportProgress(progress));
    await new Promise((r) => setTimeout(r, 0));
    await emit('import-progress', { rows: 5000 });
    expect(progress).toHaveBeenCalledWith({ rows: 5000 });
    stop();
    await emit('import-progress', { rows: 10000 });
    expect(progress).toHaveBeenCalledTimes(1);
  });

  it('cleans up a listener whose registration finishes after the component is gone', async () => {
    const unlisten = vi.fn();
    let resolve!: (f: () => void) => void;
    const stop = subscribe(new Promise((r) => (resolve = r)));
    stop();
    resolve(unlisten);
    await new Promise((r) => setTimeout(r, 0));
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});
