import { describe, expect, it } from 'vitest';
import type { Hit } from './bindings/Hit';
import type { Timeline } from './bindings/Timeline';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import {
  activeAgreements,
  availableActions,
  chartSeries,
  countOf,
  countryCode,
  daysBetween,
  daysLeftText,
  dueState,
  emptyFulfil,
  emptyIntake,
  eraseReason,
  followupKey,
  formatDay,
  formatMonth,
  formatSize,
  hitLine,
  monthTick,
  yearsByRegion,
  searchesText,
  sourceText,
  inLanguage,
  periodText,
  fulfilFields,
  fulfilProblems,
  intakeProblems,
  pairs,
  parseDay,
  rememberSearch,
  requesterOf,
  requestFilter,
  requestMessageKeys,
  stepLabelKey,
  todayIso,
  toFulfilment,
  toNewRequest,
  uncertainBasis,
  valueText,
} from './requests';

const hit: Hit = { subject: 's-1', names: ['Анна Смирнова'], emails: ['anna@example.ru'], phones: ['+79161234567'], consents: 2, restricted: false };

describe('days', () => {
  it('takes today from the local calendar, not UTC', () => {
    // 23:30 local on 31 Dec is still 31 Dec, whatever the offset.
    expect(todayIso(new Date(2025, 11, 31, 23, 30))).toBe('2025-12-31');
    expect(todayIso(new Date(2026, 0, 1, 0, 5))).toBe('2026-01-01');
  });

  it('reads YYYY-MM-DD as a local day and refuses what is no date', () => {
    const d = parseDay('2026-04-01')!;
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()]).toEqual([2026, 3, 1, 0]);
    expect(parseDay('2026-02-30')).toBeNull();
    expect(parseDay('01.04.2026')).toBeNull();
    expect(parseDay('')).toBeNull();
  });

  it('formats a day without shifting it by the time zone', () => {
    expect(formatDay('2026-04-01', 'en')).toBe('Apr 1, 2026');
    expect(formatDay('2026-04-01', 'ru')).toMatch(/^1 апр\.? 2026/);
    expect(formatDay('soon', 'en')).toBe('soon');
    expect(formatMonth('2025-12', 'en')).toBe('Dec 2025');
    expect(formatMonth('2025-12', 'ru')).toMatch(/дек/);
  });

  it('counts whole days across a daylight-saving change', () => {
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(daysBetween('2026-04-01', '2026-03-31')).toBe(-1);
    expect(daysBetween('x', '2026-03-31')).toBeNull();
  });

  it('says how many days are left, overdue, or that it is due today', () => {
    expect(dueState(-1, true)).toBe('overdue');
    expect(dueState(0, true)).toBe('today');
    expect(dueState(6, true)).toBe('soon');
    expect(dueState(7, true)).toBe('later');
    expect(dueState(-5, false)).toBe('closed');
    expect(daysLeftText(-3, true)).toEqual({ key: 'requests.due.overdue', values: { count: 3 } });
    expect(daysLeftText(0, true)).toEqual({ key: 'requests.due.today', values: {} });
    expect(daysLeftText(12, true)).toEqual({ key: 'requests.due.left', values: { count: 12 } });
    expect(daysLeftText(12, false)).toBeNull();
  });

  it('marks only dates counted over a provisional or missing calendar', () => {
    expect(uncertainBasis('decreed')).toBeNull();
    expect(uncertainBasis('provisional')).toBe('provisional');
    expect(uncertainBasis('missing')).toBe('missing');
    expect(uncertainBasis('')).toBeNull();
  });
});

describe('what a request allows', () => {
  const r = (status: Parameters<typeof availableActions>[0]['status'], kind: Parameters<typeof availableActions>[0]['kind'] = 'withdrawal', can_extend = false) => ({ status, kind, can_extend });

  it('checks the identity before it fulfils', () => {
    expect(availableActions(r('received'))).toEqual(['identity', 'refuse', 'cancel']);
    expect(availableActions(r('identity_check'))).toEqual(['identity', 'refuse', 'cancel']);
    expect(availableActions(r('in_progress'))).toEqual(['fulfil', 'refuse', 'cancel']);
  });

  it('extends only when the shell says it still can', () => {
    expect(availableActions(r('received', 'access', true))).toEqual(['identity', 'extend', 'refuse', 'cancel', 'export']);
    expect(availableActions(r('in_progress', 'access', false))).not.toContain('extend');
  });

  it('takes no step once closed; an access answer can still be saved', () => {
    for (const s of ['fulfilled', 'refused', 'cancelled'] as const) {
      expect(availableActions(r(s, 'withdrawal', true))).toEqual([]);
      expect(availableActions(r(s, 'access', true))).toEqual(['export']);
    }
    expect(availableActions(r('fulfilled', 'portability'))).toEqual(['export']);
    expect(availableActions(r('fulfilled', 'regulator'))).toEqual(['export']);
    expect(availableActions(r('fulfilled', 'erasure'))).toEqual([]);
  });

  it('maps the status choice to the filter the shell takes', () => {
    expect(requestFilter('open', '')).toEqual({ open: true, status: null, kind: null, subject: null });
    expect(requestFilter('all', 'erasure')).toEqual({ open: false, status: null, kind: 'erasure', subject: null });
    expect(requestFilter('refused', '', 's-1')).toEqual({ open: false, status: 'refused', kind: null, subject: 's-1' });
  });
});

describe('intake', () => {
  const today = '2026-03-10';

  it('needs a person chosen, or "not in the register" with a contact', () => {
    const f = emptyIntake(today);
    expect(intakeProblems(f, today)).toEqual(['person']);
    expect(intakeProblems({ ...f, person: hit }, today)).toEqual([]);
    expect(intakeProblems({ ...f, notInRegister: true }, today)).toEqual(['contact']);
    expect(intakeProblems({ ...f, notInRegister: true, phone: ' +7 916 ' }, today)).toEqual([]);
  });

  it('refuses a receipt date in the future or no date', () => {
    const f = { ...emptyIntake(today), person: hit };
    expect(intakeProblems({ ...f, received: '2026-03-11' }, today)).toEqual(['received_future']);
    expect(intakeProblems({ ...f, received: '' }, today)).toEqual(['received']);
    expect(intakeProblems({ ...f, received: '2026-03-09' }, today)).toEqual([]);
  });

  it('records each search once, trimmed', () => {
    let s = rememberSearch([], '  Смирнова ');
    s = rememberSearch(s, 'Смирнова');
    s = rememberSearch(s, '');
    s = rememberSearch(s, 'anna@example.ru');
    expect(s).toEqual(['Смирнова', 'anna@example.ru']);
  });

  it('sends the chosen person, the law left to the shell, empty fields as null', () => {
    const f = { ...emptyIntake(today), kind: 'withdrawal' as const, person: hit, email: ' anna@example.ru ', text: '' };
    expect(toNewRequest(f, ['Смирнова'])).toEqual({
      kind: 'withdrawal',
      law: null,
      channel: 'email',
      received: today,
      subject: 's-1',
      name: null,
      email: 'anna@example.ru',
      phone: null,
      representative: null,
      text: null,
      not_in_register: false,
      searches: ['Смирнова'],
    });
  });

  it('says "not in the register" only without a person', () => {
    const f = { ...emptyIntake(today), law: 'gdpr' as const, notInRegister: true, name: 'John Smith' };
    const out = toNewRequest(f, ['John Smith']);
    expect(out.subject).toBeNull();
    expect(out.not_in_register).toBe(true);
    expect(out.law).toBe('gdpr');
    expect(toNewRequest({ ...f, person: hit }, []).not_in_register).toBe(false);
  });
});

describe('fulfilment', () => {
  it('asks each kind only what it reads', () => {
    expect(fulfilFields('rectification')).toEqual({ corrections: true, agreements: false, unlawful: false, legalHold: false });
    expect(fulfilFields('objection')).toEqual({ corrections: false, agreements: true, unlawful: true, legalHold: false });
    expect(fulfilFields('withdrawal')).toEqual({ corrections: false, agreements: true, unlawful: false, legalHold: false });
    expect(fulfilFields('restriction')).toEqual({ corrections: false, agreements: false, unlawful: false, legalHold: true });
    expect(fulfilFields('access')).toEqual({ corrections: false, agreements: false, unlawful: false, legalHold: false });
  });

  it('needs a corrected value, and chosen agreements when not all', () => {
    const f = emptyFulfil();
    expect(fulfilProblems('rectification', f)).toEqual(['correction']);
    expect(fulfilProblems('rectification', { ...f, phone: '+7 900' })).toEqual([]);
    expect(fulfilProblems('withdrawal', f)).toEqual([]);
    expect(fulfilProblems('withdrawal', { ...f, allAgreements: false })).toEqual(['agreements']);
    expect(fulfilProblems('withdrawal', { ...f, allAgreements: false, agreements: [2] })).toEqual([]);
    expect(fulfilProblems('access', { ...f, allAgreements: false })).toEqual([]);
  });

  it('sends all agreements as an empty list, and nothing a kind does not read', () => {
    const f = { ...emptyFulfil(), name: 'Анна', unlawful: true, legalHold: true, agreements: [3, 1], note: ' ' };
    expect(toFulfilment('withdrawal', f)).toEqual({
      corrections: { name: null, email: null, phone: null, address: null, fields: {} },
      agreements: [],
      unlawful: false,
      legal_hold: false,
      note: null,
    });
    expect(toFulfilment('objection', { ...f, allAgreements: false }).agreements).toEqual([1, 3]);
    expect(toFulfilment('objection', f).unlawful).toBe(true);
    expect(toFulfilment('restriction', f).legal_hold).toBe(true);
    expect(toFulfilment('rectification', f).corrections.name).toBe('Анна');
  });

  it('offers the agreements whose latest action is "given"', () => {
    const item = (agreement: number, label: string, action: string) => ({ entry: { agreement, label, action } });
    const t = { items: [item(1, 'A1-v1', 'given'), item(2, 'A2-v1', 'given'), item(2, 'A2-v1', 'withdrawn'), item(3, 'A3-v2', 'given')] } as unknown as Timeline;
    expect(activeAgreements(t)).toEqual([
      { agreement: 1, label: 'A1-v1' },
      { agreement: 3, label: 'A3-v2' },
    ]);
  });
});

describe('follow-on deadlines and the history', () => {
  it('names the request and the deadline in the erasure reason', () => {
    expect(eraseReason({ request: 42, kind: 'destroy' })).toBe('request 42: destroy');
    expect(followupKey('destroy')).toBe('requests.followup.destroy');
    expect(followupKey('archive')).toBe('requests.followup.other');
  });

  it('labels known steps and leaves others raw', () => {
    expect(stepLabelKey('request.received')).toBe('requests.step.request_received');
    expect(stepLabelKey('suppression.added')).toBe('requests.step.suppression_added');
    expect(stepLabelKey('consent.given')).toBeNull();
  });

  it('shows bodies and data as text, markup included as it is', () => {
    expect(pairs({ request: 7, method: 'email', result: 'passed' }, ['request'])).toEqual([
      ['method', 'email'],
      ['result', 'passed'],
    ]);
    expect(pairs(null)).toEqual([]);
    expect(pairs([1, 2])).toEqual([]);
    expect(valueText('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
    expect(valueText([{ query: 'Смирнова', hits: 1, candidates: 0 }])).toBe('«Смирнова»: 1 + 0');
    expect(valueText({ a: 1, b: [true, null] })).toBe('a: 1; b: true, —');
  });

  it('reads who wrote from the first step, nothing once erased', () => {
    expect(requesterOf({ name: 'Анна', email: 'a@b.ru', text: '  ' })).toEqual({
      name: 'Анна',
      email: 'a@b.ru',
      phone: null,
      representative: null,
      text: null,
    });
    expect(requesterOf(null).name).toBeNull();
  });
});

describe('small formats', () => {
  it('counts by name, zero when absent', () => {
    expect(countOf([{ name: 'fulfilled', n: 3 }], 'fulfilled')).toBe(3);
    expect(countOf([], 'refused')).toBe(0);
  });

  it('splits the months into the chart series, oldest first', () => {
    const s = chartSeries([
      { month: '2025-04', given: 3, refused: 1, withdrawn: 0 },
      { month: '2025-05', given: 0, refused: 0, withdrawn: 2 },
    ]);
    expect(s).toEqual({ months: ['2025-04', '2025-05'], given: [3, 0], refused: [1, 0], withdrawn: [0, 2] });
  });

  it('groups the calendar years by region, Russia first', () => {
    const y = (region: string, year: number) => ({ region, year });
    expect(yearsByRegion([y('FR', 2026), y('RU', 2027), y('DE', 2026), y('RU', 2025)])).toEqual([
      { region: 'RU', years: [y('RU', 2025), y('RU', 2027)] },
      { region: 'DE', years: [y('DE', 2026)] },
      { region: 'FR', years: [y('FR', 2026)] },
    ]);
  });

  it('lists a hit’s contacts under its first name', () => {
    expect(hitLine(hit)).toBe('anna@example.ru · +79161234567');
    expect(hitLine({ ...hit, names: ['Анна Смирнова', 'Anna Smirnova'] })).toBe('Anna Smirnova · anna@example.ru · +79161234567');
  });

  it('takes a two-letter country code in any case', () => {
    expect(countryCode(' de ')).toBe('DE');
    expect(countryCode('DEU')).toBeNull();
    expect(countryCode('d1')).toBeNull();
  });

  it('writes file sizes in the reader’s units', () => {
    expect(formatSize(512, 'en')).toBe('512 B');
    expect(formatSize(1536, 'en')).toBe('1.5 KB');
    expect(formatSize(3 * 1024 * 1024, 'ru')).toBe('3 МБ');
  });
});

describe('sources, searches and chart ticks', () => {
  it('says a deadline source in the interface language, led by its law once', () => {
    const fz = { law: '152-FZ', en: '152-FZ art. 21 part 5', ru: '152-ФЗ, ч. 5 ст. 21', confidence: 'H' };
    expect(sourceText(fz, 'en')).toBe('152-FZ art. 21 part 5');
    expect(sourceText(fz, 'ru')).toBe('152-ФЗ, ч. 5 ст. 21');
    const gdpr = { law: 'GDPR', en: 'Art. 31', ru: 'ст. 31', confidence: 'U' };
    expect(sourceText(gdpr, 'en')).toBe('GDPR: Art. 31');
    expect(sourceText(gdpr, 'ru-RU')).toBe('GDPR: ст. 31');
    expect(inLanguage('en text', null, 'ru')).toBe('en text');
    expect(inLanguage('en text', '', 'ru')).toBe('en text');
    expect(inLanguage('en text', 'ру', 'en')).toBe('en text');
  });

  it('says a period of the rules in words', () => {
    const t = (k: string, v: Record<string, number>) => `${k}:${v.count}`;
    expect(periodText({ working_days: 10 }, t)).toBe('requests.period.working_days:10');
    expect(periodText({ calendar_days: 30 }, t)).toBe('requests.period.calendar_days:30');
    expect(periodText({ months: 2 }, t)).toBe('requests.period.months:2');
    expect(periodText({ working_days: 0 }, t)).toBe('requests.period.at_once:undefined');
  });

  it('says each search as a sentence, nothing for what is no search list', () => {
    const t = (k: string, v: Record<string, string | number>) => `${k}:${v.query}/${v.hits}/${v.candidates}`;
    expect(searchesText([{ query: 'Dmitry Fedorov', hits: 0, candidates: 1 }, { query: 'd@x.ru', hits: 1, candidates: 0 }], t)).toBe(
      'requests.search_made:Dmitry Fedorov/0/1; requests.search_made:d@x.ru/1/0',
    );
    expect(searchesText('x', t)).toBeNull();
    expect(searchesText([{ q: 1 }], t)).toBeNull();
  });

  it('puts the year under the first month and each January', () => {
    expect(monthTick('2025-12', true, 'en')).toEqual(['Dec', '2025']);
    expect(monthTick('2026-01', false, 'en')).toEqual(['Jan', '2026']);
    expect(monthTick('2026-02', false, 'en')).toBe('Feb');
    expect(monthTick('bad', false, 'en')).toBe('bad');
  });
});

describe('catalogues', () => {
  function has(tree: unknown, key: string): boolean {
    let node = tree;
    for (const part of key.split('.')) {
      if (typeof node !== 'object' || node === null || !(part in node)) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return typeof node === 'string' && node.trim() !== '';
  }

  it('has every key the request screens build at run time, in both languages', () => {
    for (const k of requestMessageKeys()) {
      expect(has(en, k), `en ${k}`).toBe(true);
      expect(has(ru, k), `ru ${k}`).toBe(true);
    }
  });
});
