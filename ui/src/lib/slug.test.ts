import { describe, expect, it } from 'vitest';
import { defaultVaultFolder, FALLBACK_SLUG, joinPath, MAX_SLUG_LENGTH, slugify } from './slug';

describe('slugify', () => {
  it('transliterates Cyrillic organisation names', () => {
    expect(slugify('ООО «Ромашка»')).toBe('ooo-romashka');
    expect(slugify('Щукинский хлебозавод №1')).toBe('shchukinskii-khlebozavod-no1');
    expect(slugify('Съешь ещё этих мягких булок')).toBe('sesh-eshche-etikh-miagkikh-bulok');
    expect(slugify('ЁЖИК')).toBe('ezhik');
  });

  it('keeps Latin names readable and strips accents', () => {
    expect(slugify('Acme Trading Ltd.')).toBe('acme-trading-ltd');
    expect(slugify('Café Crème')).toBe('cafe-creme');
  });

  it('falls back to a safe name when nothing usable is left', () => {
    expect(slugify('')).toBe(FALLBACK_SLUG);
    expect(slugify('   ')).toBe(FALLBACK_SLUG);
    expect(slugify('株式会社')).toBe(FALLBACK_SLUG);
    expect(slugify('../..')).toBe(FALLBACK_SLUG);
  });

  it('never produces path separators, dots or names Windows refuses', () => {
    for (const name of ['a/b\\c', '..', 'con', 'NUL', 'Com1', 'x:y*z?', '<lpt1>']) {
      const s = slugify(name);
      expect(s).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(s).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/);
    }
  });

  it('limits the length', () => {
    const s = slugify('Очень длинное название организации '.repeat(10));
    expect(s.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(s.endsWith('-')).toBe(false);
  });
});

describe('default vault folder', () => {
  it('is dated and never carries the organisation name', () => {
    const day = new Date('2026-11-22T10:00:00Z');
    expect(defaultVaultFolder('/home/anna/Consent Ledger', day)).toBe('/home/anna/Consent Ledger/vault-2026-11-22');
    expect(defaultVaultFolder('/home/anna/vaults/', day)).toBe('/home/anna/vaults/vault-2026-11-22');
  });

  it('keeps Windows separators when the directory uses them', () => {
    expect(joinPath('C:\\Users\\anna\\Documents\\Consent Ledger', 'acme')).toBe('C:\\Users\\anna\\Documents\\Consent Ledger\\acme');
    expect(joinPath('/', 'acme')).toBe('/acme');
  });
});
