import { describe, expect, it } from 'vitest';
import type { IssuedDocument } from './bindings/IssuedDocument';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import {
  ACT_MISSING,
  actWarningOf,
  destroyedEarly,
  DOCUMENT_KINDS,
  emptyProfile,
  formatBytes,
  kindKey,
  languagesFor,
  latestIssued,
  LETTER_LANGUAGES,
  logIdOf,
  mentionsProfile,
  otherLanguage,
  packableAgreements,
  pdfFileName,
  percentOf,
  profileForm,
  profileProblems,
  PROFILE_STATEMENTS,
  retentionOverdue,
  revisionOf,
  sameProfile,
  toProfile,
  warningOf,
} from './documents';

function doc(id: string, kind: IssuedDocument['kind'], language: IssuedDocument['language'], seq: number, erased = false): IssuedDocument {
  return {
    id,
    key: id.split('/')[0],
    kind,
    language,
    request: 41,
    issued_at: '2026-03-02T10:00:00Z',
    title: 'Ответ',
    text_sha256: 'ab'.repeat(32),
    pdf_sha256: 'cd'.repeat(32),
    seq,
    new: false,
    erased,
    retain_until: null,
    warnings: [],
  };
}

/** The value at a dotted path of a translation file. */
function at(tree: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), tree);
}

describe('letters', () => {
  it('names every kind in both languages, and only known kinds', () => {
    for (const k of DOCUMENT_KINDS) {
      const key = kindKey(k)!;
      expect(typeof at(en, key)).toBe('string');
      expect(typeof at(ru, key)).toBe('string');
    }
    expect(kindKey('evidence_pack')).toBeNull();
    for (const l of LETTER_LANGUAGES) {
      expect(typeof at(en, `documents.language.${l}`)).toBe('string');
      expect(typeof at(ru, `documents.language.${l}`)).toBe('string');
    }
  });

  it('suggests the PDF file name the shell does, revisions included', () => {
    expect(pdfFileName('R41-ANS-ru')).toBe('R41-ANS-ru.pdf');
    expect(pdfFileName('R41-ANS-ru/2')).toBe('R41-ANS-ru-2.pdf');
    expect(revisionOf('R41-ANS-ru')).toBe(1);
    expect(revisionOf('R41-ANS-ru/3')).toBe(3);
  });

  it('finds the latest revision of a kind in a language', () => {
    const issued = [doc('R41-ANS-ru', 'answer', 'ru', 10), doc('R41-ANS-en', 'answer', 'en', 11), doc('R41-ANS-ru/2', 'answer', 'ru', 12), doc('R41-ACK-ru', 'acknowledgement', 'ru', 5)];
    expect(latestIssued(issued, 'answer', 'ru')?.id).toBe('R41-ANS-ru/2');
    expect(latestIssued(issued, 'answer', 'en')?.id).toBe('R41-ANS-en');
    expect(latestIssued(issued, 'refusal', 'ru')).toBeNull();
  });

  it('keeps the language chosen per kind, else the request default', () => {
    expect(languagesFor(['acknowledgement', 'answer'], { answer: 'en' }, 'ru')).toEqual({ acknowledgement: 'ru', answer: 'en' });
    expect(languagesFor(['answer'], {}, 'en')).toEqual({ answer: 'en' });
  });

  it('reads the profile warnings the core gives, anything else as written', () => {
    const w = { code: 'profile.cross_border', message: 'the documents profile does not state cross-border: the answer says so; fill it in (Settings → Documents, or `org documents`)' };
    expect(warningOf(w)).toEqual({ statement: 'cross_border' });
    expect(warningOf({ code: 'profile.measures', message: '…' })).toEqual({ statement: 'measures' });
    expect(warningOf({ code: 'profile.automated', message: '…' })).toEqual({ statement: 'automated' });
    // A code this interface does not know yet: the core's message, as text.
    expect(warningOf({ code: 'profile.colour', message: 'the documents profile does not state colour' })).toEqual({ text: 'the documents profile does not state colour' });
    expect(warningOf({ code: 'other', message: '<b>something else</b>' })).toEqual({ text: '<b>something else</b>' });
    // The message's wording does not decide: the code does.
    expect(warningOf({ code: 'profile.measures', message: 'reworded later' })).toEqual({ statement: 'measures' });
    expect(mentionsProfile([w])).toBe(true);
    expect(mentionsProfile([{ code: 'requisites.address', message: 'the requisites lack an address (Settings → Documents)' }])).toBe(false);
    expect(mentionsProfile([])).toBe(false);
    for (const s of PROFILE_STATEMENTS) {
      expect(typeof at(en, `documents.letters.warning.${s}`)).toBe('string');
      expect(typeof at(ru, `documents.letters.warning.${s}`)).toBe('string');
    }
  });
});

describe('the documents profile form', () => {
  it('edits a copy, and sends every text trimmed without wholly empty rows', () => {
    const stored = { ...emptyProfile(), destroyers: [{ name: 'Петров П. П.', position: 'Администратор' }] };
    const f = profileForm(stored);
    f.destroyers[0].name = 'Сидоров';
    f.signatory.name = '  Иванова М. П. ';
    expect(stored.destroyers[0].name).toBe('Петров П. П.');
    expect(stored.signatory.name).toBe('');
    f.destroyers.push({ name: ' ', position: '' });
    f.cross_border = ' Не осуществляется.\n';
    const p = toProfile(f);
    expect(p.signatory).toEqual({ name: 'Иванова М. П.', position: '' });
    expect(p.destroyers).toEqual([{ name: 'Сидоров', position: 'Администратор' }]);
    expect(p.cross_border).toBe('Не осуществляется.');
  });

  it('asks for both the name and the position of each person who destroys data', () => {
    const f = emptyProfile();
    f.destroyers = [
      { name: 'Петров', position: '' },
      { name: '', position: '' },
      { name: ' ', position: 'Администратор' },
      { name: 'Сидоров', position: 'Инженер' },
    ];
    expect(profileProblems(f)).toEqual([
      { row: 0, problem: 'position' },
      { row: 2, problem: 'name' },
    ]);
    expect(profileProblems(emptyProfile())).toEqual([]);
  });

  it('tells a changed profile from one stored the same', () => {
    const a = emptyProfile();
    const b = profileForm(a);
    b.measures = '  ';
    b.destroyers.push({ name: '', position: '' });
    expect(sameProfile(a, b)).toBe(true);
    b.automated = 'Не принимаются.';
    expect(sameProfile(a, b)).toBe(false);
  });

  it('has every label and hint in both languages', () => {
    for (const s of PROFILE_STATEMENTS) {
      for (const t of [en, ru]) {
        expect(typeof at(t, `documents.settings.${s}`)).toBe('string');
        expect(typeof at(t, `documents.settings.${s}_hint`)).toBe('string');
      }
    }
    // The hints name the legal items they answer.
    expect(at(en, 'documents.settings.cross_border_hint')).toMatch(/item 8/);
    expect(at(en, 'documents.settings.measures_hint')).toMatch(/item 9\.1/);
    expect(at(en, 'documents.settings.other_hint')).toMatch(/item 10/);
    expect(at(en, 'documents.settings.automated_hint')).toMatch(/15\(1\)\(h\)/);
  });
});

describe('destruction acts', () => {
  it('names the log extract issued with an act, revisions included', () => {
    expect(logIdOf('E57-ACT-ru')).toBe('E57-LOG-ru');
    expect(logIdOf('E57-ACT-en/2')).toBe('E57-LOG-en/2');
  });

  it('issues an act again in the other language', () => {
    expect(otherLanguage('ru')).toBe('en');
    expect(otherLanguage('en')).toBe('ru');
  });

  it('calls a destruction before the last day of retention early, on that day and after not', () => {
    expect(destroyedEarly('2029-03-02', '2026-03-02')).toBe(true);
    expect(destroyedEarly('2029-03-02', '2029-03-01')).toBe(true);
    expect(destroyedEarly('2029-03-02', '2029-03-02')).toBe(false);
    expect(destroyedEarly('2029-03-02', '2029-04-01')).toBe(false);
    expect(destroyedEarly(null, '2026-03-02')).toBe(false);
  });

  it('marks an act kept past its last day as overdue, a destroyed one never', () => {
    const kept = { retain_until: '2029-03-02', erased: false };
    expect(retentionOverdue(kept, '2029-03-02')).toBe(false);
    expect(retentionOverdue(kept, '2029-03-03')).toBe(true);
    expect(retentionOverdue({ ...kept, erased: true }, '2029-03-03')).toBe(false);
    expect(retentionOverdue({ retain_until: null, erased: false }, '2029-03-03')).toBe(false);
  });

  it('reads the act warnings the core gives, anything else as written', () => {
    const sys = { code: 'profile.information_system', message: 'the documents profile does not name the information system: the act says so' };
    const who = { code: 'profile.destroyers', message: 'the documents profile names nobody who destroys data: the act says so' };
    expect(actWarningOf(sys)).toEqual({ missing: 'information_system' });
    expect(actWarningOf(who)).toEqual({ missing: 'destroyers' });
    expect(actWarningOf({ code: 'profile.cross_border', message: 'not an act field' })).toEqual({ text: 'not an act field' });
    expect(actWarningOf({ code: 'x', message: '<b>other</b>' })).toEqual({ text: '<b>other</b>' });
    expect(mentionsProfile([sys])).toBe(true);
    for (const m of ACT_MISSING) {
      expect(typeof at(en, `documents.acts.warning.${m}`)).toBe('string');
      expect(typeof at(ru, `documents.acts.warning.${m}`)).toBe('string');
    }
  });
});

describe('evidence packs', () => {
  it('offers only agreements with a published version, by title', () => {
    const list = [
      { id: 3, title: 'Маркетинг', published_version: 2 },
      { id: 1, title: 'Draft only', published_version: null },
      { id: 2, title: 'Cookies', published_version: 1 },
    ];
    expect(packableAgreements(list).map((a) => a.id)).toEqual([2, 3]);
  });

  it('gives a whole percentage, zero before the total is known', () => {
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(5, 0)).toBe(0);
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(3, 3)).toBe(100);
    expect(percentOf(7, 3)).toBe(100);
  });

  it('formats sizes in the interface language', () => {
    expect(formatBytes(812, 'en')).toBe('812 B');
    expect(formatBytes(14_540, 'en')).toBe('14.2 KB');
    expect(formatBytes(14_540, 'ru')).toBe('14,2 КБ');
    expect(formatBytes(3 * 1024 * 1024, 'en')).toBe('3.0 MB');
  });
});
