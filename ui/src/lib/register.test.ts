import { describe, expect, it } from 'vitest';
import type { Detail } from './bindings/Detail';
import type { Entry } from './bindings/Entry';
import type { Hit } from './bindings/Hit';
import type { ImportMapping } from './bindings/ImportMapping';
import type { ImportReport } from './bindings/ImportReport';
import type { Rejected } from './bindings/Rejected';
import type { Summary } from './bindings/Summary';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import {
  buildFilter,
  rejectionText,
  canLinkWithdrawal,
  canSaveRejected,
  cleanPath,
  composeIdDocument,
  currentStatus,
  dayBound,
  delimiterValue,
  displayName,
  dynamicMessageKeys,
  emptyFilterForm,
  emptyRecordForm,
  expiryData,
  fileNameOf,
  filterableAgreements,
  formatOffset,
  hasColumns,
  headersLookLikeData,
  hitContacts,
  hitDetails,
  importSummary,
  isFilterFormEmpty,
  isFullPath,
  isUnfiltered,
  keepSelects,
  fieldsByColumn,
  localInputToRfc3339,
  localInputValue,
  mappingStorageKey,
  mappingToSelects,
  matchState,
  missingFields,
  otherPeople,
  publishedVersions,
  readOptions,
  recallMapping,
  recordableAgreements,
  recordedData,
  recordFormHasData,
  recordProblems,
  rejectedLines,
  rememberMapping,
  secondaryContacts,
  selectsToMapping,
  sha256Hex,
  subjectContacts,
  toConsentInput,
  withdrawalInput,
  withdrawalTargets,
  type Selects,
} from './register';

const MSK = () => 180;
const NYC_WINTER = () => -300;

function summary(over: Partial<Summary>): Summary {
  return {
    id: 1,
    title: 'T',
    template: 'processing',
    language: 'ru',
    translation_of: null,
    latest_version: 1,
    latest_is_draft: false,
    published_version: 1,
    retired_at: null,
    updated_at: '2025-01-01T00:00:00Z',
    ...over,
  };
}

function entry(over: Partial<Entry>): Entry {
  return {
    id: 1,
    subject: 's1',
    name: null,
    email: null,
    phone: null,
    agreement: 1,
    version: 1,
    label: 'A1-v1',
    action: 'given',
    acted_at: '2025-01-01T10:00:00.000000Z',
    acted_at_original: null,
    recorded_at: '2025-01-01T10:00:01.000000Z',
    channel: 'web_form',
    url: null,
    seq: 10,
    erased: false,
    restricted: false,
    rectified: false,
    ...over,
  };
}

function detail(e: Partial<Entry>, data: unknown = {}, matches: boolean | null = true): Detail {
  return { entry: entry(e), data, matches_ledger: matches, content_sha256: 'ab'.repeat(32), scan_sha256: null };
}

describe('dates in local time', () => {
  it('formats offsets', () => {
    expect(formatOffset(180)).toBe('+03:00');
    expect(formatOffset(-330)).toBe('-05:30');
    expect(formatOffset(0)).toBe('+00:00');
  });

  it('turns a local day into its first and last moment with the local offset', () => {
    expect(dayBound('2025-03-14', false, MSK)).toBe('2025-03-14T00:00:00+03:00');
    expect(dayBound('2025-03-14', true, MSK)).toBe('2025-03-14T23:59:59.999+03:00');
    expect(dayBound('2025-01-31', true, NYC_WINTER)).toBe('2025-01-31T23:59:59.999-05:00');
    expect(dayBound('2025-02-30', false, MSK)).toBeNull();
    expect(dayBound('14.03.2025', false, MSK)).toBeNull();
    expect(dayBound('', false, MSK)).toBeNull();
  });

  it('asks for the offset of the day itself (summer and winter time differ)', () => {
    const seen: number[] = [];
    const berlin = (d: Date) => {
      seen.push(d.getMonth());
      return d.getMonth() >= 3 && d.getMonth() <= 9 ? 120 : 60;
    };
    expect(dayBound('2025-07-01', false, berlin)).toBe('2025-07-01T00:00:00+02:00');
    expect(dayBound('2025-12-01', true, berlin)).toBe('2025-12-01T23:59:59.999+01:00');
    expect(seen).toEqual([6, 11]);
  });

  it('round-trips a datetime-local value', () => {
    const d = new Date(2025, 2, 14, 9, 5, 42);
    expect(localInputValue(d)).toBe('2025-03-14T09:05');
    expect(localInputToRfc3339('2025-03-14T09:05', MSK)).toBe('2025-03-14T09:05:00+03:00');
    expect(localInputToRfc3339('2025-03-14T09:05:30', MSK)).toBe('2025-03-14T09:05:30+03:00');
    expect(localInputToRfc3339('2025-03-14 09:05', MSK)).toBeNull();
    expect(localInputToRfc3339('2025-03-14T25:05', MSK)).toBeNull();
  });
});

describe('register filters', () => {
  it('sends nothing for an empty form, so the total is exact', () => {
    const { filter, inverted } = buildFilter(emptyFilterForm(), MSK);
    expect(inverted).toBe(false);
    expect(filter).toEqual({
      agreement: null,
      version: null,
      action: null,
      channel: null,
      from: null,
      to: null,
      subject: null,
      text: null,
    });
    expect(isUnfiltered(filter)).toBe(true);
    expect(isFilterFormEmpty(emptyFilterForm())).toBe(true);
  });

  it('combines every filter', () => {
    const form = {
      agreement: '3',
      version: '2',
      action: 'withdrawn' as const,
      channel: 'paper' as const,
      from: '2025-03-01',
      to: '2025-03-31',
      text: '  Иван Пет ',
    };
    const { filter, inverted } = buildFilter(form, MSK);
    expect(inverted).toBe(false);
    expect(filter).toEqual({
      agreement: 3,
      version: 2,
      action: 'withdrawn',
      channel: 'paper',
      from: '2025-03-01T00:00:00+03:00',
      to: '2025-03-31T23:59:59.999+03:00',
      subject: null,
      text: 'Иван Пет',
    });
    expect(isUnfiltered(filter)).toBe(false);
    expect(isFilterFormEmpty(form)).toBe(false);
  });

  it('ignores a version without an agreement, blank search text and bad numbers', () => {
    const f = buildFilter({ ...emptyFilterForm(), version: '2', text: '   ', agreement: 'x' }, MSK).filter;
    expect(f.agreement).toBeNull();
    expect(f.version).toBeNull();
    expect(f.text).toBeNull();
    expect(isUnfiltered(f)).toBe(true);
    expect(isFilterFormEmpty({ ...emptyFilterForm(), text: '  ' })).toBe(true);
  });

  it('reports a range whose start is after its end instead of sending it', () => {
    const r = buildFilter({ ...emptyFilterForm(), from: '2025-04-01', to: '2025-03-01' }, MSK);
    expect(r.inverted).toBe(true);
    expect(r.filter.from).toBeNull();
    expect(r.filter.to).toBeNull();
    const one = buildFilter({ ...emptyFilterForm(), from: '2025-04-01' }, MSK);
    expect(one.filter.from).toBe('2025-04-01T00:00:00+03:00');
    expect(one.filter.to).toBeNull();
    const same = buildFilter({ ...emptyFilterForm(), from: '2025-04-01', to: '2025-04-01' }, MSK);
    expect(same.inverted).toBe(false);
  });
});

describe('agreements for the register', () => {
  const list = [
    summary({ id: 4, published_version: null, latest_is_draft: true }),
    summary({ id: 2, published_version: 2, latest_version: 3, latest_is_draft: true }),
    summary({ id: 1, published_version: 1, retired_at: '2025-02-01T00:00:00Z' }),
    summary({ id: 3 }),
  ];

  it('offers only published, not retired agreements for new consents', () => {
    expect(recordableAgreements(list).map((s) => s.id)).toEqual([2, 3]);
  });

  it('filters by every agreement that was ever published, retired ones too', () => {
    expect(filterableAgreements(list).map((s) => s.id)).toEqual([1, 2, 3]);
  });

  it('lists the published versions', () => {
    expect(publishedVersions(list[1])).toEqual([1, 2]);
    expect(publishedVersions(list[0])).toEqual([]);
    expect(publishedVersions(undefined)).toEqual([]);
  });
});

describe("a subject's timeline", () => {
  const items = [
    detail({ id: 1, action: 'given', label: 'A1-v1', agreement: 1, acted_at: '2024-01-01T00:00:00Z' }, {
      name: 'Иван Петров',
      email: 'ivan@old.ru',
    }),
    detail({ id: 2, action: 'given', label: 'A2-v1', agreement: 2, acted_at: '2024-02-01T00:00:00Z' }, {
      phone: '+7 916 123-45-67',
    }),
    detail({ id: 3, action: 'given', label: 'A1-v2', agreement: 1, acted_at: '2024-03-01T00:00:00Z' }, {
      email: 'ivan@new.ru',
    }),
    detail({ id: 4, action: 'withdrawn', label: 'A2-v1', agreement: 2, acted_at: '2024-04-01T00:00:00Z' }, {
      email: 'ivan@new.ru',
    }),
  ];

  it('says whether the data still matches the ledger', () => {
    expect(matchState({ matches_ledger: true })).toBe('yes');
    expect(matchState({ matches_ledger: false })).toBe('no');
    expect(matchState({ matches_ledger: null })).toBe('erased');
  });

  it('takes the newest known name, e-mail and phone', () => {
    expect(subjectContacts({ items })).toEqual({ name: 'Иван Петров', email: 'ivan@new.ru', phone: '+7 916 123-45-67' });
    expect(subjectContacts({ items: [] })).toEqual({ name: null, email: null, phone: null });
    // an erased subject has no data, but the list row may still carry nothing either
    expect(subjectContacts({ items: [detail({ erased: true }, null, null)] })).toEqual({ name: null, email: null, phone: null });
  });

  it('takes the first name, e-mail and phone of a search hit', () => {
    expect(hitContacts({ names: ['Иван Петров', 'И. Петров'], emails: [], phones: ['+79161234567'] })).toEqual({
      name: 'Иван Петров',
      email: null,
      phone: '+79161234567',
    });
    expect(hitContacts({ names: [], emails: [], phones: [] })).toEqual({ name: null, email: null, phone: null });
  });

  it('lists everything else a hit is known by, to tell people apart', () => {
    expect(
      hitDetails({ names: ['Иван Петров', 'И. Петров', ' '], emails: ['ivan@a.ru', 'ivan@b.ru'], phones: ['+79161234567', '+79161234567'] }),
    ).toEqual(['И. Петров', 'ivan@a.ru', 'ivan@b.ru', '+79161234567']);
    // no name: the e-mail is the display name, so it is not repeated
    expect(hitDetails({ names: [], emails: ['ivan@a.ru'], phones: ['123'] })).toEqual(['123']);
    expect(hitDetails({ names: [], emails: [], phones: [] })).toEqual([]);
  });

  it('names a person by name, else e-mail, else phone', () => {
    expect(displayName({ name: ' ', email: 'a@b.ru', phone: '123' })).toBe('a@b.ru');
    expect(displayName({ name: null, email: null, phone: null })).toBeNull();
    expect(secondaryContacts({ name: 'Иван', email: 'a@b.ru', phone: null })).toBe('a@b.ru');
    expect(secondaryContacts({ name: null, email: 'a@b.ru', phone: '123' })).toBe('123');
  });

  it('offers the consents still in force, the most recent first, for a withdrawal', () => {
    // A2 was withdrawn already; A1's latest consent was to version 2.
    expect(withdrawalTargets({ items })).toEqual(['A1-v2']);
    const third = detail({ id: 5, action: 'given', label: 'A3-v1', agreement: 3, acted_at: '2024-02-15T00:00:00Z' });
    expect(withdrawalTargets({ items: [...items, third] })).toEqual(['A1-v2', 'A3-v1']);
    expect(withdrawalTargets({ items: [items[3]] })).toEqual([]);
    const refusedLater = detail({ id: 6, action: 'refused', label: 'A1-v2', agreement: 1, acted_at: '2024-05-01T00:00:00Z' });
    expect(withdrawalTargets({ items: [...items, refusedLater] })).toEqual([]);
  });

  it('shows where the person stands now, per agreement', () => {
    expect(currentStatus({ items }).map((s) => [s.label, s.action])).toEqual([
      ['A1-v2', 'given'],
      ['A2-v1', 'withdrawn'],
    ]);
  });

  it('links a withdrawal only through an e-mail or phone', () => {
    expect(canLinkWithdrawal({ name: 'Иван', email: null, phone: null })).toBe(false);
    expect(canLinkWithdrawal({ name: null, email: null, phone: '123' })).toBe(true);
    expect(withdrawalInput({ name: 'Иван', email: 'i@x.ru', phone: null }, 'A1-v2', 'email', '')).toEqual({
      agreement: 'A1-v2',
      action: 'withdrawn',
      channel: 'email',
      name: 'Иван',
      email: 'i@x.ru',
      phone: '',
      address: '',
      idDocument: '',
      actedAt: '',
      scanSha256: '',
    });
  });

  it('lists the recorded data as text, known fields first, then form fields', () => {
    const r = recordedData({
      url: 'https://example.ru/form?a=1',
      name: '<script>alert(1)</script>',
      ip: '2001:db8::1',
      email: '',
      fields: { 'Согласие на рассылку': 'да', Город: 'Москва', empty: ' ' },
      extra: { nested: 1 },
      count: 3,
    });
    expect(r.known).toEqual([
      { field: 'name', value: '<script>alert(1)</script>' },
      { field: 'ip', value: '2001:db8::1' },
      { field: 'url', value: 'https://example.ru/form?a=1' },
    ]);
    expect(r.fields).toEqual([
      { name: 'Согласие на рассылку', value: 'да' },
      { name: 'Город', value: 'Москва' },
      { name: 'extra', value: '{"nested":1}' },
      { name: 'count', value: '3' },
    ]);
    expect(r.expiry).toBeNull();
    expect(recordedData(null)).toEqual({ known: [], fields: [], expiry: null });
    expect(recordedData('text')).toEqual({ known: [], fields: [], expiry: null });
  });

  it('gives the data recorded with an expiry apart, not as raw field names', () => {
    const r = recordedData({ expired_consent: 1234, term_months: 12 });
    expect(r).toEqual({ known: [], fields: [], expiry: { consent: 1234, months: 12 } });
    expect(expiryData({ expired_consent: 7, term_months: 1200 })).toEqual({ consent: 7, months: 1200 });
  });

  it('shows anything that only looks like an expiry as ordinary fields', () => {
    for (const data of [
      { expired_consent: '1234', term_months: 12 },
      { expired_consent: 1234 },
      { expired_consent: 12.5, term_months: 12 },
      { expired_consent: -1, term_months: 12 },
      [1234, 12],
      null,
    ]) {
      expect(expiryData(data), JSON.stringify(data)).toBeNull();
    }
    expect(recordedData({ expired_consent: '<b>1</b>', term_months: 12, name: 'Иван' })).toEqual({
      known: [{ field: 'name', value: 'Иван' }],
      fields: [
        { name: 'expired_consent', value: '<b>1</b>' },
        { name: 'term_months', value: '12' },
      ],
      expiry: null,
    });
  });
});

describe('merging people', () => {
  const hit = (subject: string): Hit => ({ subject, names: [`name ${subject}`], emails: [], phones: [], consents: 1, restricted: false });

  it('never offers to merge a person with themselves', () => {
    const hits = [hit('s1'), hit('s2'), hit('root'), hit('s3')];
    expect(otherPeople(hits, ['s1']).map((h) => h.subject)).toEqual(['s2', 'root', 's3']);
    // the page was opened for a record merged into `root`: neither is another person
    expect(otherPeople(hits, ['s1', 'root']).map((h) => h.subject)).toEqual(['s2', 's3']);
    expect(otherPeople(hits, [null, undefined, '']).map((h) => h.subject)).toEqual(['s1', 's2', 'root', 's3']);
  });

  it('lists each person once, keeping the search order, up to the limit', () => {
    const hits = [hit('s1'), hit('s2'), hit('s2'), hit('s3'), hit('s4')];
    expect(otherPeople(hits, ['s1'], 2).map((h) => h.subject)).toEqual(['s2', 's3']);
    expect(otherPeople(hits, ['s9']).map((h) => h.subject)).toEqual(['s1', 's2', 's3', 's4']);
    expect(otherPeople([], ['s1'])).toEqual([]);
  });
});

describe('manual entry', () => {
  it('needs an agreement and a name, e-mail or phone', () => {
    const f = emptyRecordForm();
    expect(recordProblems(f)).toEqual(['agreement', 'person']);
    expect(recordProblems({ ...f, agreement: 'A1', phone: '8 916 123 45 67' })).toEqual([]);
    expect(recordProblems({ ...f, agreement: 'A1', name: 'Иван', actedAt: 'yesterday' })).toEqual(['acted_at']);
  });

  it('defaults to a consent given on paper, now', () => {
    const f = emptyRecordForm('A2');
    expect(f.agreement).toBe('A2');
    expect(f.action).toBe('given');
    expect(f.channel).toBe('paper');
    expect(toConsentInput({ ...f, name: 'Иван' }, MSK).actedAt).toBe('');
    expect(recordFormHasData(f)).toBe(false);
    expect(recordFormHasData({ ...f, docIssuer: 'ОВД' })).toBe(true);
  });

  it('sends trimmed values, the ID document as one line and the time with its offset', () => {
    const input = toConsentInput(
      {
        ...emptyRecordForm('A3'),
        action: 'refused',
        channel: 'phone',
        name: '  Иван Петров ',
        email: ' IVAN@example.ru',
        phone: '',
        address: 'Москва, ул. Ленина, 1',
        docNumber: '4510 123456',
        docDate: '2010-02-01',
        docIssuer: ' ОВД района Арбат ',
        actedAt: '2025-03-14T09:30',
      },
      MSK,
    );
    expect(input).toEqual({
      agreement: 'A3',
      action: 'refused',
      channel: 'phone',
      name: 'Иван Петров',
      email: 'IVAN@example.ru',
      phone: '',
      address: 'Москва, ул. Ленина, 1',
      idDocument: '4510 123456, 2010-02-01, ОВД района Арбат',
      actedAt: '2025-03-14T09:30:00+03:00',
      scanSha256: '',
    });
    expect(composeIdDocument(' ', '', '')).toBe('');
    expect(composeIdDocument('4510 123456', '', 'ОВД')).toBe('4510 123456, ОВД');
  });

  it('hashes a scan with SHA-256', async () => {
    const bytes = new TextEncoder().encode('abc');
    expect(await sha256Hex(bytes.buffer as ArrayBuffer)).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('import: reading the file', () => {
  it('names the detected delimiter as the select does', () => {
    expect(delimiterValue(59)).toBe(';');
    expect(delimiterValue(44)).toBe(',');
    expect(delimiterValue(9)).toBe('tab');
    expect(delimiterValue(124)).toBe('|');
    expect(delimiterValue(null)).toBe('');
  });

  it('maps columns for CSV and XLSX only', () => {
    expect(hasColumns('csv')).toBe(true);
    expect(hasColumns('xlsx')).toBe(true);
    expect(hasColumns('json')).toBe(false);
  });

  it('cleans a pasted path and checks that it is a full one', () => {
    expect(cleanPath('  "C:\\Users\\Анна\\Согласия.csv" ')).toBe('C:\\Users\\Анна\\Согласия.csv');
    expect(cleanPath("'/home/anna/a b.csv'")).toBe('/home/anna/a b.csv');
    expect(isFullPath('/home/anna/a.csv')).toBe(true);
    expect(isFullPath('C:\\a.csv')).toBe(true);
    expect(isFullPath('c:/a.csv')).toBe(true);
    expect(isFullPath('\\\\server\\share\\a.csv')).toBe(true);
    expect(isFullPath('a.csv')).toBe(false);
    expect(isFullPath('~/a.csv')).toBe(false);
    expect(fileNameOf('C:\\Users\\Анна\\Согласия.csv')).toBe('Согласия.csv');
    expect(fileNameOf('/home/anna/a.csv')).toBe('a.csv');
  });

  it('sends only the options the user chose', () => {
    const mapping: ImportMapping = { columns: { name: 'ФИО' }, default_action: 'given' };
    expect(readOptions({ preset: '', encoding: '', delimiter: '' }, null)).toEqual({
      preset: null,
      encoding: null,
      delimiter: null,
      mapping: null,
    });
    expect(readOptions({ preset: 'bitrix24', encoding: 'windows-1251', delimiter: 'tab' }, mapping, 'csv')).toEqual({
      preset: 'bitrix24',
      encoding: 'windows-1251',
      delimiter: 'tab',
      mapping,
    });
    // XLSX and JSON: what was detected for them is not sent back as a CSV setting
    expect(readOptions({ preset: 'kantara', encoding: 'utf-8', delimiter: '' }, null, 'json')).toEqual({
      preset: 'kantara',
      encoding: null,
      delimiter: null,
      mapping: null,
    });
  });
});

describe('import: the column mapping', () => {
  const headers = ['Дата', 'ФИО', 'E-mail', 'Рабочий телефон', 'Мобильный телефон', 'Статус'];
  const suggested: ImportMapping = {
    columns: { acted_at: 'дата', name: 'ФИО', email: 'e-mail ', phone: 'Рабочий телефон', ip: 'IP' },
    fallback: { phone: ['Мобильный телефон'] },
    default_action: 'given',
  };

  it('prefills each select with the file’s own spelling of the suggested column', () => {
    const s = mappingToSelects(suggested, headers);
    expect(s.acted_at).toBe('Дата');
    expect(s.email).toBe('E-mail');
    expect(s.phone).toBe('Рабочий телефон');
    expect(s.ip).toBe(''); // not in this file
    expect(s.action).toBe('');
  });

  it('builds the mapping back, keeping fallbacks only where the user kept the suggestion', () => {
    const s = mappingToSelects(suggested, headers);
    expect(selectsToMapping({ ...s, action: 'Статус' }, suggested, 'refused')).toEqual({
      columns: { acted_at: 'Дата', name: 'ФИО', email: 'E-mail', phone: 'Рабочий телефон', action: 'Статус' },
      fallback: { phone: ['Мобильный телефон'] },
      default_action: 'refused',
    });
    const changed = selectsToMapping({ ...s, phone: 'Мобильный телефон' }, suggested, 'given');
    expect(changed.fallback).toBeUndefined();
    expect(changed.columns.phone).toBe('Мобильный телефон');
  });

  it('keeps the user’s choices whose column still exists after reading the file again', () => {
    const s = mappingToSelects(suggested, headers);
    const mine = { ...s, action: 'Статус', name: '' };
    const fresh = mappingToSelects({ columns: { acted_at: 'Дата', name: 'ФИО' }, default_action: 'given' }, ['Дата', 'ФИО']);
    const kept = keepSelects(mine, fresh, ['Дата', 'ФИО']);
    expect(kept.acted_at).toBe('Дата');
    expect(kept.name).toBe('ФИО'); // cleared by the user, so the new suggestion wins
    expect(kept.action).toBe(''); // "Статус" is gone from the file as now read
  });

  it('marks which fields each column of the preview feeds', () => {
    const s = mappingToSelects(suggested, headers);
    expect(fieldsByColumn(s, headers)).toEqual([['acted_at'], ['name'], ['email'], ['phone'], [], []]);
    expect(fieldsByColumn({ ...s, name: 'Дата' }, ['Дата', 'Дата'])).toEqual([['acted_at', 'name'], []]);
  });

  it('names the required fields that are not mapped', () => {
    const s = mappingToSelects(suggested, headers);
    expect(missingFields(s)).toEqual([]);
    expect(missingFields({ ...s, acted_at: '' })).toEqual(['acted_at']);
    const none: Selects = { ...s, name: '', email: '', phone: '' };
    expect(missingFields(none)).toEqual(['name', 'email', 'phone']);
    expect(missingFields({ ...none, phone: 'Мобильный телефон' })).toEqual([]);
  });
});

describe('import: the remembered mapping', () => {
  function memory() {
    const m = new Map<string, string>();
    return {
      m,
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
    };
  }
  const headers = ['Дата', 'ФИО', 'Почта'];
  const mapping: ImportMapping = { columns: { acted_at: 'Дата', name: 'ФИО', email: 'Почта' }, default_action: 'withdrawn' };

  it('keys the mapping by the set of header names, whatever their order and case', () => {
    expect(mappingStorageKey(['b', 'A'])).toBe(mappingStorageKey([' a', 'B']));
    expect(mappingStorageKey(['a', 'b'])).not.toBe(mappingStorageKey(['a', 'c']));
    expect(mappingStorageKey(headers)).toMatch(/^consent-ledger\.import-mapping\.[0-9a-f]{8}$/);
  });

  it('remembers and recalls a mapping for the same headers only', () => {
    const s = memory();
    expect(rememberMapping(s, headers, mapping)).toBe(true);
    expect(recallMapping(s, ['почта', 'ФИО', 'Дата'])).toEqual(mapping);
    expect(recallMapping(s, ['Дата', 'ФИО'])).toBeNull();
    expect(recallMapping(memory(), headers)).toBeNull();
  });

  it('stores header names and field names only — no row of the file', () => {
    const s = memory();
    rememberMapping(s, headers, { ...mapping, columns: { ...mapping.columns, phone: 'ivan@example.ru' } });
    const stored = [...s.m.values()].join('');
    expect(stored).not.toContain('ivan@example.ru');
    expect(JSON.parse(stored)).toEqual({
      headers: ['дата', 'почта', 'фио'],
      mapping: { columns: { acted_at: 'Дата', name: 'ФИО', email: 'Почта' }, fallback: {}, default_action: 'withdrawn' },
    });
  });

  it('does not remember anything when the "headers" are a row of data (a file without a header row)', () => {
    const s = memory();
    const row = ['14.03.2025', 'Иван Петров', 'ivan@example.ru'];
    expect(headersLookLikeData(row)).toBe(true);
    expect(headersLookLikeData(['Телефон', '+7 916 123-45-67'])).toBe(true);
    expect(headersLookLikeData(headers)).toBe(false);
    expect(rememberMapping(s, row, mapping)).toBe(false);
    expect(s.m.size).toBe(0);
  });

  it('survives a broken or foreign stored value and a storage that throws', () => {
    const s = memory();
    s.m.set(mappingStorageKey(headers), '{not json');
    expect(recallMapping(s, headers)).toBeNull();
    s.m.set(mappingStorageKey(headers), JSON.stringify({ headers: ['дата', 'почта', 'фио'], mapping: { columns: { name: 5, email: 'Почта', bogus: 'x' }, default_action: 'maybe' } }));
    expect(recallMapping(s, headers)).toEqual({ columns: { email: 'Почта' }, default_action: 'given' });
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    expect(rememberMapping(broken, headers, mapping)).toBe(false);
    expect(recallMapping(broken, headers)).toBeNull();
  });
});

describe('import: the report', () => {
  const report = (over: Partial<ImportReport>): ImportReport => ({
    file_name: 'a.csv',
    file_sha256: 'ab',
    format: 'csv',
    encoding: 'utf-8',
    rows_read: 10,
    added: 8,
    duplicates: 2,
    new_subjects: 5,
    rejected: [],
    suppressed: [],
    committed: true,
    seq: 77,
    ...over,
  });

  it('says plainly when nothing was imported', () => {
    expect(importSummary(report({ committed: false, added: 7, rejected: [{ line: 4, reason: 'bad date', problems: [] }] }))).toEqual({
      key: 'consents.import.summary_refused',
      values: { rejected: 1, rows: 10 },
    });
  });

  it('offers to save the rejected rows of a CSV or XLSX file whose good rows were stored', () => {
    const rejected = [{ line: 4, reason: 'bad date', problems: [] }];
    expect(canSaveRejected(report({ rejected }))).toBe(true);
    expect(canSaveRejected(report({ rejected, format: 'xlsx' }))).toBe(true);
    // JSON records have no columns to write back
    expect(canSaveRejected(report({ rejected, format: 'json' }))).toBe(false);
    // all or nothing, refused: the whole file is to be fixed
    expect(canSaveRejected(report({ rejected, committed: false }))).toBe(false);
    expect(canSaveRejected(report({}))).toBe(false);
  });

  it('sends each rejected line once, in file order', () => {
    expect(
      rejectedLines(
        report({
          rejected: [
            { line: 19, reason: 'x', problems: [] },
            { line: 2, reason: 'y', problems: [] },
            { line: 19, reason: 'z', problems: [] },
            { line: 100, reason: 'w', problems: [] },
          ],
        }),
      ),
    ).toEqual([2, 19, 100]);
    expect(rejectedLines(report({}))).toEqual([]);
  });

  it('tells a full import, a partial one and a repeated one apart', () => {
    expect(importSummary(report({})).key).toBe('consents.import.summary_done');
    expect(importSummary(report({ rejected: [{ line: 3, reason: 'x', problems: [] }] }))).toEqual({
      key: 'consents.import.summary_partial',
      values: { added: 8, duplicates: 2, rejected: 1 },
    });
    expect(importSummary(report({ added: 0, duplicates: 10 }))).toEqual({
      key: 'consents.import.summary_nothing_new',
      values: { duplicates: 10 },
    });
  });
});

describe('messages', () => {
  function has(tree: unknown, key: string): boolean {
    let node = tree;
    for (const part of key.split('.')) {
      if (typeof node !== 'object' || node === null || !(part in node)) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return typeof node === 'string' && node.trim() !== '';
  }

  it('has every key the Consents screens build at run time, in both languages', () => {
    for (const k of dynamicMessageKeys()) {
      expect(has(en, k), `en ${k}`).toBe(true);
      expect(has(ru, k), `ru ${k}`).toBe(true);
    }
  });
});

describe('rejectionText', () => {
  const t = (key: string, values: Record<string, string | number>) => `${key}|${JSON.stringify(values)}`;
  it('translates every problem the core named, in order', () => {
    const r: Pick<Rejected, 'reason' | 'problems'> = {
      reason: 'date "вчера" is not a date; no name, e-mail or phone',
      problems: [
        { id: 'date_invalid', values: { value: 'вчера' } },
        { id: 'nobody', values: {} },
      ],
    };
    expect(rejectionText(r, t)).toBe('consents.import.problem.date_invalid|{"value":"вчера"}; consents.import.problem.nobody|{}');
  });
  it('passes counts as numbers, for plural forms', () => {
    const r: Pick<Rejected, 'reason' | 'problems'> = {
      reason: 'has 2 fields where the header has 3',
      problems: [{ id: 'field_count', values: { count: '2', width: '3' } }],
    };
    const seen: Array<Record<string, string | number>> = [];
    rejectionText(r, (_k, v) => {
      seen.push(v);
      return '';
    });
    expect(seen).toEqual([{ count: 2, width: 3 }]);
  });
  it("falls back to the core's English when a problem has no id or an unknown one", () => {
    expect(rejectionText({ reason: 'the record is not a JSON object', problems: [] }, t)).toBe('the record is not a JSON object');
    const unknown = { reason: 'something new', problems: [{ id: 'from_a_newer_core', values: {} }] };
    expect(rejectionText(unknown, t)).toBe('something new');
  });
});

