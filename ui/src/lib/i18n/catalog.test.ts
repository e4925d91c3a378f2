import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'svelte/store';
import { _, getMessageFormatter, locale } from 'svelte-i18n';
import { beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_ERROR_CODES } from '../errors';
import { SECTIONS } from '../flow';
import { KNOWN_KINDS, kindLabelKey } from '../kinds';
import { LANGUAGE_SETTINGS } from '../locale';
import { requestMessageKeys } from '../requests';
import { SUGGESTION_KEYS, WARNING_KEYS } from '../strengthText';
import en from './en.json';
import { applyLanguage, setupI18n } from './index';
import ru from './ru.json';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const EN = flatten(en as Tree);
const RU = flatten(ru as Tree);

/**
 * Argument names used by an ICU message (from the parsed AST). svelte-i18n
 * memoizes formatters by message text only, built for the *current* locale,
 * so the locale is switched first (as the app itself always does).
 */
function argNames(message: string, lang: 'en' | 'ru'): string[] {
  applyLanguage(lang);
  const names = new Set<string>();
  const walk = (nodes: unknown[]) => {
    for (const n of nodes as Array<{ value?: unknown; options?: Record<string, { value: unknown[] }> }>) {
      if (typeof n.value === 'string' && 'type' in n && (n as { type: number }).type !== 0) names.add(n.value);
      if (n.options) for (const o of Object.values(n.options)) walk(o.value);
    }
  };
  walk(getMessageFormatter(message).getAst() as unknown[]);
  return [...names];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(svelte|ts)$/.test(name) && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

beforeAll(() => {
  setupI18n('en');
});

describe('message catalogues', () => {
  it('en.json and ru.json have exactly the same keys', () => {
    const onlyEn = [...EN.keys()].filter((k) => !RU.has(k));
    const onlyRu = [...RU.keys()].filter((k) => !EN.has(k));
    expect(onlyEn).toEqual([]);
    expect(onlyRu).toEqual([]);
  });

  it('has no empty messages', () => {
    for (const [k, v] of [...EN, ...RU]) expect(v.trim(), k).not.toBe('');
  });

  it('every message parses and both languages use the same placeholders', () => {
    for (const [key, enMsg] of EN) {
      const ruMsg = RU.get(key) ?? '';
      expect(argNames(ruMsg, 'ru').sort(), key).toEqual(argNames(enMsg, 'en').sort());
    }
  });

  it('the Russian UI is written in Russian (Cyrillic in nearly every message)', () => {
    const latinOnly = [...RU].filter(([k, v]) => !/[а-яё]/i.test(v) && !k.startsWith('settings.language_'));
    // A file name stays ASCII so that every file system and mail program takes it.
    expect(latinOnly.map(([k]) => k).sort()).toEqual(['app.name', 'detail.no_subject', 'ledger.col_seq', 'recovery.file_name'].sort());
  });

  it('uses «» quotes in Russian, not "straight" ones', () => {
    for (const [k, v] of RU) expect(v, k).not.toMatch(/["“”„]/);
  });

  it('declines Russian plurals (one / few / many)', () => {
    applyLanguage('ru');
    const t = get(_);
    const nb = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
    expect(t('ledger.count', { values: { count: 1 } })).toBe('1 событие');
    expect(t('ledger.count', { values: { count: 3 } })).toBe('3 события');
    expect(t('ledger.count', { values: { count: 5 } })).toBe('5 событий');
    expect(t('ledger.count', { values: { count: 21 } })).toBe('21 событие');
    expect(nb(t('ledger.count', { values: { count: 1_000_000 } }))).toBe('1 000 000 событий');
    expect(t('ledger.count', { values: { count: 0 } })).toBe('нет событий');
    expect(t('verify.ok', { values: { events: 2, checkpoints: 5 } })).toBe(
      'Журнал цел: 2 события, 5 контрольных точек.',
    );
    expect(t('verify.outside', { values: { count: 1 } })).toContain('с 1 копией контрольной точки');
    expect(t('verify.outside', { values: { count: 3 } })).toContain('с 3 копиями контрольных точек');
    expect(t('unlock.locked_idle', { values: { minutes: 1 } })).toContain('1 минуту');
    applyLanguage('en');
    expect(get(locale)).toBe('en');
    expect(get(_)('ledger.count', { values: { count: 1 } })).toBe('1 event');
    expect(get(_)('verify.ok', { values: { events: 1, checkpoints: 2 } })).toBe('Ledger intact: 1 event, 2 checkpoints.');
  });

  it('declines the counts of expired consents and terms in months', () => {
    applyLanguage('ru');
    const t = get(_);
    const due = (count: number) => t('consents.expiry.due', { values: { count } });
    expect(due(1)).toBe('1 согласие достигло конца срока, но ещё не записано как истёкшее');
    expect(due(3)).toBe('3 согласия достигли конца срока, но ещё не записаны как истёкшие');
    expect(due(11)).toBe('11 согласий достигли конца срока, но ещё не записаны как истёкшие');
    expect(due(22)).toBe('22 согласия достигли конца срока, но ещё не записаны как истёкшие');
    expect(due(101)).toBe('101 согласие достигло конца срока, но ещё не записано как истёкшее');
    const recorded = (count: number) => t('consents.expiry.recorded', { values: { count } });
    expect(recorded(0)).toBe('Записывать нечего: ни одно согласие не достигло конца срока.');
    expect(recorded(1)).toBe('1 согласие записано как истёкшее.');
    expect(recorded(4)).toBe('4 согласия записаны как истёкшие.');
    expect(recorded(25)).toBe('25 согласий записаны как истёкшие.');
    const term = (months: number) => t('consents.subject.expiry', { values: { months, seq: 1234 } });
    expect(term(1)).toBe('Истёк срок в 1 месяц (согласие — событие журнала №1234)');
    expect(term(24)).toBe('Истёк срок в 24 месяца (согласие — событие журнала №1234)');
    expect(term(12)).toBe('Истёк срок в 12 месяцев (согласие — событие журнала №1234)');
    expect(t('consents.import.problem.beyond_columns', { values: { width: 21 } })).toBe('в строке есть значения правее 21 столбца заголовка');
    expect(t('consents.import.problem.beyond_columns', { values: { width: 5 } })).toBe('в строке есть значения правее 5 столбцов заголовка');
    applyLanguage('en');
    const en = get(_);
    expect(en('consents.expiry.due', { values: { count: 1 } })).toBe(
      '1 consent has reached the end of its term and is not yet recorded as expired',
    );
    expect(en('consents.expiry.due', { values: { count: 2 } })).toBe(
      '2 consents have reached the end of their term and are not yet recorded as expired',
    );
    expect(en('consents.expiry.recorded', { values: { count: 1 } })).toBe('1 consent is recorded as expired.');
    expect(en('consents.subject.expiry', { values: { months: 12, seq: 1234 } })).toBe('Term of 12 months ended (the consent is ledger event #1234)');
    expect(en('consents.subject.expiry', { values: { months: 1, seq: 7 } })).toBe('Term of 1 month ended (the consent is ledger event #7)');
    expect(en('consents.import.problem.field_count', { values: { count: 1, width: 3 } })).toBe('the row has 1 value, the header has 3 columns');
  });

  it('has every key the code builds at run time', () => {
    const dynamic = [
      ...SECTIONS.map((s) => `nav.${s}`),
      ...requestMessageKeys(),
      'settings.calendar_decreed',
      'settings.calendar_provisional',
      ...LANGUAGE_SETTINGS.map((l) => `settings.language_${l}`),
      ...[0, 1, 2, 3, 4].map((n) => `strength.score${n}`),
      ...KNOWN_ERROR_CODES.map((c) => `error.${c}`),
      ...KNOWN_KINDS.map((k) => kindLabelKey(k) as string),
      ...WARNING_KEYS,
      ...SUGGESTION_KEYS,
      'error.unknown',
    ];
    for (const k of dynamic) expect(EN.has(k), k).toBe(true);
  });

  it('has every literal key used in the source', () => {
    const root = join(__dirname, '..', '..');
    const used = new Set<string>();
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\$_\('([a-z0-9_.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bok\('[a-z]+', '([a-z0-9_.]+)'\)/g)) used.add(m[1]);
      for (const m of text.matchAll(/\bt\('([a-z0-9_.]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter((k) => !EN.has(k));
    expect(missing).toEqual([]);
  });
});
