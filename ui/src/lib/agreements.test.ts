import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  acknowledgedToSend,
  addItem,
  agreementState,
  canonicalJson,
  canPublish,
  debounce,
  defaultDiffPair,
  diffCounts,
  diffMarker,
  dynamicMessageKeys,
  fillPlaceholders,
  findingTarget,
  findTemplate,
  fixedRegime,
  moveItem,
  parseTermMonths,
  pruneAcknowledged,
  publishBlock,
  readerOf,
  removeItem,
  sameContent,
  setAcknowledged,
  shortHash,
  splitFindings,
  stateMessage,
  TERM_MONTHS_MAX,
  TERM_MONTHS_MIN,
  termMonthsText,
  translationCandidates,
  viewMode,
  visibleSections,
  warningRules,
} from './agreements';
import type { AgreementView } from './bindings/AgreementView';
import type { Content } from './bindings/Content';
import type { Finding } from './bindings/Finding';
import type { Summary } from './bindings/Summary';
import type { Template } from './bindings/Template';
import type { VersionInfo } from './bindings/VersionInfo';
import en from './i18n/en.json';
import ru from './i18n/ru.json';

function content(over: Partial<Content> = {}): Content {
  return {
    title: 'Consent',
    template: 'processing',
    language: 'ru',
    regime: 'fz152',
    intro: '',
    purposes: [],
    data_items: [],
    form_fields: [],
    actions: [],
    methods: null,
    third_parties: [],
    storage: '',
    term: '',
    expires_after_months: null,
    withdrawal: '',
    dissemination: [],
    resources: [],
    conditions: '',
    channels: [],
    extra: '',
    checkbox_label: '',
    behaviour: 'required',
    presentation: 'separate',
    ...over,
  };
}

function finding(rule: string, severity: 'error' | 'warning', field = 'title'): Finding {
  return { rule, severity, field, law: 'law', message: `${rule} message`, fix: 'fix' };
}

function summary(over: Partial<Summary> = {}): Summary {
  return {
    id: 1,
    title: 'T',
    template: 'processing',
    language: 'ru',
    translation_of: null,
    latest_version: 1,
    latest_is_draft: true,
    published_version: null,
    retired_at: null,
    updated_at: '2025-01-01T00:00:00Z',
    ...over,
  };
}

function version(n: number, draft: boolean): VersionInfo {
  return {
    version: n,
    label: `A1-v${n}`,
    draft,
    content_sha256: draft ? null : 'a'.repeat(64),
    published_at: draft ? null : '2025-01-01T00:00:00Z',
    published_seq: draft ? null : n,
    acknowledged: [],
    updated_at: '2025-01-01T00:00:00Z',
  };
}

function view(shown: number, versions: VersionInfo[], retiredAt: string | null = null): AgreementView {
  return {
    id: 1,
    label: `A1-v${shown}`,
    template: 'processing',
    language: 'ru',
    translationOf: null,
    translations: [],
    retiredAt,
    version: versions.find((v) => v.version === shown)!,
    content: content(),
    requisites: { fullName: '', shortName: '', inn: '', ogrn: '', legalAddress: '', dpo: '', withdrawalEmail: '' },
    document: [],
    versions,
    findings: [],
  };
}

describe('sections shown for a template and law', () => {
  it('152-FZ processing names actions and methods but no dissemination or channels', () => {
    const s = visibleSections(content());
    expect(s).toContain('actions');
    expect(s).toContain('methods');
    expect(s).not.toContain('dissemination');
    expect(s).not.toContain('resources');
    expect(s).not.toContain('conditions');
    expect(s).not.toContain('channels');
    expect(s).not.toContain('regime');
    for (const always of ['title', 'intro', 'purposes', 'data_items', 'form_fields', 'third_parties', 'term', 'withdrawal', 'storage', 'extra', 'checkbox_label', 'behaviour', 'presentation']) {
      expect(s, always).toContain(always);
    }
  });

  it('dissemination shows categories, resources and conditions', () => {
    const s = visibleSections(content({ template: 'dissemination' }));
    expect(s).toEqual(expect.arrayContaining(['dissemination', 'resources', 'conditions', 'actions', 'methods']));
  });

  it('GDPR hides the 152-FZ items unless they hold something', () => {
    const g = content({ template: 'gdpr', regime: 'gdpr' });
    expect(visibleSections(g)).not.toContain('actions');
    expect(visibleSections(g)).not.toContain('methods');
    const filled = visibleSections({ ...g, actions: ['use'], methods: 'mixed' });
    expect(filled).toContain('actions');
    expect(filled).toContain('methods');
  });

  it('marketing shows channels and lets the user choose the law; the law decides the 152-FZ items', () => {
    const m = content({ template: 'marketing', regime: 'gdpr' });
    expect(visibleSections(m)).toEqual(expect.arrayContaining(['channels', 'regime']));
    expect(visibleSections(m)).not.toContain('actions');
    expect(visibleSections({ ...m, regime: 'fz152' })).toContain('actions');
    expect(visibleSections(content({ template: 'custom' }))).toContain('regime');
    expect(visibleSections(content({ template: 'gdpr', regime: 'gdpr' }))).not.toContain('regime');
  });

  it('a processing consent that lists dissemination shows it, so that the error can be fixed', () => {
    const c = content({ dissemination: [{ name: 'Photo', items: ['photo'] }] });
    expect(visibleSections(c)).toContain('dissemination');
    expect(findingTarget('dissemination', visibleSections(c))).toBe('dissemination');
    expect(findingTarget('dissemination', visibleSections(content()))).toBeNull();
  });

  it('keeps the document order and maps findings to fields', () => {
    const s = visibleSections(content({ template: 'dissemination' }));
    expect(s.indexOf('title')).toBeLessThan(s.indexOf('purposes'));
    expect(s.indexOf('checkbox_label')).toBeLessThan(s.indexOf('behaviour'));
    expect(findingTarget('requisites', s)).toBeNull();
    expect(findingTarget('purposes', s)).toBe('purposes');
    expect(findingTarget('constructor', s)).toBeNull();
  });

  it('fixes the law of the 152-FZ and GDPR templates only', () => {
    expect(fixedRegime('processing')).toBe('fz152');
    expect(fixedRegime('dissemination')).toBe('fz152');
    expect(fixedRegime('gdpr')).toBe('gdpr');
    expect(fixedRegime('marketing')).toBeNull();
    expect(fixedRegime('custom')).toBeNull();
  });
});

describe('list editing', () => {
  it('adds, removes and moves without changing the original', () => {
    const list = ['a', 'b', 'c'];
    expect(addItem(list, '')).toEqual(['a', 'b', 'c', '']);
    expect(addItem(list, 'x', 1)).toEqual(['a', 'x', 'b', 'c']);
    expect(addItem(list, 'x', 99)).toEqual(['a', 'b', 'c', 'x']);
    expect(removeItem(list, 1)).toEqual(['a', 'c']);
    expect(removeItem(list, 5)).toEqual(['a', 'b', 'c']);
    expect(moveItem(list, 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(list, 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(list, 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveItem(list, 2, 1)).toEqual(['a', 'b', 'c']);
    expect(list).toEqual(['a', 'b', 'c']);
  });
});

describe('findings and publishing', () => {
  const E = finding('title.missing', 'error');
  const W1 = finding('storage.missing', 'warning', 'storage');
  const W2 = finding('subject.identity', 'warning', 'data_items');

  it('splits errors from warnings and lists each warning rule once', () => {
    const f = [E, W1, W2, { ...W1 }];
    expect(splitFindings(f).errors).toEqual([E]);
    expect(splitFindings(f).warnings.map((x) => x.rule)).toEqual(['storage.missing', 'subject.identity', 'storage.missing']);
    expect(warningRules(f)).toEqual(['storage.missing', 'subject.identity']);
  });

  it('blocks publishing while an error remains, whatever is acknowledged', () => {
    const args = { draft: true, retired: false, findings: [E, W1], acknowledged: ['storage.missing', 'title.missing'] };
    expect(publishBlock(args)).toEqual({ reason: 'errors', count: 1 });
    expect(canPublish(args)).toBe(false);
  });

  it('needs every warning acknowledged', () => {
    const base = { draft: true, retired: false, findings: [W1, W2] };
    expect(publishBlock({ ...base, acknowledged: [] })).toEqual({ reason: 'unacknowledged', count: 2 });
    expect(publishBlock({ ...base, acknowledged: ['storage.missing'] })).toEqual({ reason: 'unacknowledged', count: 1 });
    expect(canPublish({ ...base, acknowledged: ['subject.identity', 'storage.missing'] })).toBe(true);
  });

  it('publishes a clean draft, never a published or retired version', () => {
    expect(canPublish({ draft: true, retired: false, findings: [], acknowledged: [] })).toBe(true);
    expect(publishBlock({ draft: false, retired: false, findings: [], acknowledged: [] })).toEqual({ reason: 'not_draft' });
    expect(publishBlock({ draft: true, retired: true, findings: [], acknowledged: [] })).toEqual({ reason: 'retired' });
  });

  it('forgets acknowledgements of warnings that went away and sends only current ones', () => {
    expect(pruneAcknowledged(['storage.missing', 'gone.rule', 'storage.missing'], [W1])).toEqual(['storage.missing']);
    let ack = setAcknowledged([], 'subject.identity', true);
    ack = setAcknowledged(ack, 'storage.missing', true);
    ack = setAcknowledged(ack, 'storage.missing', true);
    expect(ack).toEqual(['subject.identity', 'storage.missing']);
    expect(setAcknowledged(ack, 'subject.identity', false)).toEqual(['storage.missing']);
    expect(acknowledgedToSend([...ack, 'old.rule'], [E, W1, W2])).toEqual(['storage.missing', 'subject.identity']);
  });
});

describe('content', () => {
  it('compares content whatever the key order', () => {
    const a = content({ purposes: ['x'] });
    const b = Object.fromEntries(Object.entries(a).reverse()) as Content;
    expect(sameContent(a, b)).toBe(true);
    expect(sameContent(a, { ...a, purposes: ['x', ''] })).toBe(false);
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('fills placeholders from the requisites and leaves unknown ones as typed', () => {
    const r = {
      fullName: 'ООО «Ромашка»',
      shortName: 'Ромашка',
      inn: '7712345671',
      ogrn: '1027700000129',
      legalAddress: 'Москва',
      dpo: '',
      withdrawalEmail: 'privacy@example.ru',
    };
    expect(fillPlaceholders('{operator} ({short_name}), ИНН {inn}, {address}; {email} {email}', r)).toBe(
      'ООО «Ромашка» (Ромашка), ИНН 7712345671, Москва; privacy@example.ru privacy@example.ru',
    );
    expect(fillPlaceholders('{dpo}|{phone}|{ogrn}', r)).toBe('|{phone}|1027700000129');
  });

  it('reads the findings language from the UI locale', () => {
    expect(readerOf('ru')).toBe('ru');
    expect(readerOf('ru-RU')).toBe('ru');
    expect(readerOf('en')).toBe('en');
    expect(readerOf(null)).toBe('en');
  });
});

describe('the term in months', () => {
  it('takes an empty field as "until withdrawn"', () => {
    expect(parseTermMonths('')).toEqual({ ok: true, value: null });
    expect(parseTermMonths('   ')).toEqual({ ok: true, value: null });
    expect(parseTermMonths(null)).toEqual({ ok: true, value: null });
    expect(parseTermMonths(undefined)).toEqual({ ok: true, value: null });
  });

  it('takes whole months from 1 to 1200', () => {
    expect([TERM_MONTHS_MIN, TERM_MONTHS_MAX]).toEqual([1, 1200]);
    expect(parseTermMonths('1')).toEqual({ ok: true, value: 1 });
    expect(parseTermMonths(' 12 ')).toEqual({ ok: true, value: 12 });
    expect(parseTermMonths('036')).toEqual({ ok: true, value: 36 });
    expect(parseTermMonths(1200)).toEqual({ ok: true, value: 1200 });
  });

  it('refuses anything else, so that it is never sent', () => {
    for (const v of ['0', '1201', '-1', '+5', '2.5', '12,5', '1e2', 'twelve', '12 months', '99999999999999999999', 0, 1201, 2.5, NaN]) {
      expect(parseTermMonths(v), String(v)).toEqual({ ok: false });
    }
  });

  it('refuses what the number input could not read, though it reports an empty value', () => {
    expect(parseTermMonths('', true)).toEqual({ ok: false });
    expect(parseTermMonths('12', true)).toEqual({ ok: false });
  });

  it('shows a stored term as the field’s text, and reads it back unchanged', () => {
    expect(termMonthsText(null)).toBe('');
    expect(termMonthsText(24)).toBe('24');
    for (const m of [null, 1, 24, 1200]) expect(parseTermMonths(termMonthsText(m))).toEqual({ ok: true, value: m });
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once with the latest arguments after the quiet period', () => {
    const fn = vi.fn();
    const d = debounce(fn, 250);
    d('a');
    vi.advanceTimersByTime(200);
    d('b');
    vi.advanceTimersByTime(200);
    expect(fn).not.toHaveBeenCalled();
    expect(d.pending()).toBe(true);
    vi.advanceTimersByTime(50);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith('b');
    expect(d.pending()).toBe(false);
  });

  it('can be cancelled or flushed', () => {
    const fn = vi.fn();
    const d = debounce(fn, 250);
    d(1);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fn).not.toHaveBeenCalled();
    d(2);
    d.flush();
    expect(fn).toHaveBeenCalledWith(2);
    d.flush();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});

describe('versions and states', () => {
  it('shortens a hash for lists', () => {
    const h = '0123456789abcdef'.repeat(4);
    expect(shortHash(h)).toBe('0123456789ab…');
    expect(shortHash(h, 8)).toBe('01234567…');
    expect(shortHash(null)).toBe('');
    expect(shortHash('abc')).toBe('abc');
  });

  it('names the state of an agreement in the list', () => {
    expect(agreementState(summary())).toEqual({ kind: 'draft', draft: 1 });
    expect(agreementState(summary({ latest_is_draft: false, latest_version: 2, published_version: 2 }))).toEqual({
      kind: 'published',
      version: 2,
    });
    expect(agreementState(summary({ latest_version: 3, published_version: 2 }))).toEqual({
      kind: 'published_draft',
      version: 2,
      draft: 3,
    });
    expect(agreementState(summary({ retired_at: '2025-02-01T00:00:00Z', published_version: 2, latest_is_draft: false }))).toEqual({
      kind: 'retired',
      version: 2,
    });
    expect(stateMessage({ kind: 'published_draft', version: 2, draft: 3 })).toEqual({
      key: 'agreements.state_published_draft',
      values: { version: 2, draft: 3 },
    });
  });

  it('makes drafts editable, published versions read-only, and retired agreements untouchable', () => {
    const draft = viewMode(view(1, [version(1, true)]));
    expect(draft).toMatchObject({ editable: true, latest: true, canStartNewVersion: false, canExport: false, canRetire: true });

    const published = viewMode(view(1, [version(1, false)]));
    expect(published).toMatchObject({ editable: false, canStartNewVersion: true, canExport: true, draftVersion: null });

    const oldWithDraft = viewMode(view(1, [version(1, false), version(2, true)]));
    expect(oldWithDraft).toMatchObject({ editable: false, latest: false, canStartNewVersion: false, draftVersion: 2 });

    const oldPublished = viewMode(view(1, [version(1, false), version(2, false)]));
    expect(oldPublished).toMatchObject({ canStartNewVersion: false, draftVersion: null, canExport: true });

    const retired = viewMode(view(2, [version(1, false), version(2, true)], '2025-03-01T00:00:00Z'));
    expect(retired).toMatchObject({ editable: false, retired: true, canStartNewVersion: false, canRetire: false });
  });

  it('compares the last two versions by default and marks diff lines with text', () => {
    expect(defaultDiffPair([version(1, false)])).toBeNull();
    expect(defaultDiffPair([version(1, false), version(2, false), version(3, true)])).toEqual({ from: 2, to: 3 });
    expect(diffMarker('insert')).toBe('+');
    expect(diffMarker('delete')).toBe('−');
    expect(diffMarker('equal')).toBe(' ');
    expect(
      diffCounts([
        { op: 'equal', text: 'a' },
        { op: 'insert', text: 'b' },
        { op: 'insert', text: 'c' },
        { op: 'delete', text: 'd' },
      ]),
    ).toEqual({ inserted: 2, deleted: 1 });
  });
});

describe('the new agreement form', () => {
  it('offers only agreements in the other language as originals', () => {
    const list = [summary({ id: 3, language: 'en' }), summary({ id: 1, language: 'en' }), summary({ id: 2, language: 'ru' })];
    expect(translationCandidates(list, 'ru').map((s) => s.id)).toEqual([1, 3]);
    expect(translationCandidates(list, 'en').map((s) => s.id)).toEqual([2]);
  });

  it('finds the template in the preferred language', () => {
    const t = (kind: Template['content']['template'], language: 'ru' | 'en'): Template => ({
      name: `${kind}-${language}`,
      description: '',
      content: content({ template: kind, language }),
    });
    const all = [t('gdpr', 'en'), t('gdpr', 'ru'), t('custom', 'en')];
    expect(findTemplate(all, 'gdpr', 'ru')?.name).toBe('gdpr-ru');
    expect(findTemplate(all, 'custom', 'ru')?.name).toBe('custom-en');
    expect(findTemplate(all, 'marketing', 'ru')).toBeNull();
  });
});

describe('messages and markup', () => {
  function has(tree: unknown, key: string): boolean {
    let node = tree;
    for (const part of key.split('.')) {
      if (typeof node !== 'object' || node === null || !(part in node)) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return typeof node === 'string' && node.trim() !== '';
  }

  it('has every key the agreement screens build at run time, in both languages', () => {
    for (const k of dynamicMessageKeys()) {
      expect(has(en, k), `en ${k}`).toBe(true);
      expect(has(ru, k), `ru ${k}`).toBe(true);
    }
  });

  it('never renders markup from data: no {@html} and no innerHTML in the source', () => {
    const root = join(__dirname, '..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(svelte|ts)$/.test(name) && !name.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(root);
    expect(files.some((f) => f.endsWith('AgreementEditor.svelte'))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/\{@html/);
      expect(text, f).not.toMatch(/\.(innerHTML|outerHTML)\b|insertAdjacentHTML/);
    }
  });
});
