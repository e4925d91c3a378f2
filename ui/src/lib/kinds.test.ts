import { describe, expect, it } from 'vitest';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import { KNOWN_KINDS, kindLabel, kindLabelKey } from './kinds';

const t = (catalog: { kind: Record<string, string> }) => (key: string) => catalog.kind[key.replace(/^kind\./, '')] ?? key;

describe('event kind labels', () => {
  it('labels every kind the brief names', () => {
    for (const k of [
      'vault.created',
      'vault.unlocked',
      'vault.locked',
      'vault.recovered',
      'passphrase.changed',
      'subject.recorded',
      'subject.erased',
      'organisation.requisites_changed',
    ]) {
      expect(kindLabelKey(k)).not.toBeNull();
    }
  });

  it('gives each known kind a distinct label in both languages', () => {
    for (const cat of [en, ru]) {
      const labels = KNOWN_KINDS.map((k) => kindLabel(k, t(cat)));
      expect(new Set(labels).size).toBe(KNOWN_KINDS.length);
      for (const [i, l] of labels.entries()) expect(l).not.toBe(KNOWN_KINDS[i]);
    }
    expect(kindLabel('vault.created', t(ru))).toBe('Хранилище создано');
    expect(kindLabel('subject.merged', t(en))).toBe('Records of one person merged');
    expect(kindLabel('subject.merged', t(ru))).toBe('Записи одного человека объединены');
  });

  it('shows unknown kinds raw', () => {
    expect(kindLabelKey('consent.given')).toBeNull();
    expect(kindLabel('consent.given', t(en))).toBe('consent.given');
    expect(kindLabel('vault', t(en))).toBe('vault');
    expect(kindLabel('vault.created.extra', t(en))).toBe('vault.created.extra');
  });
});
