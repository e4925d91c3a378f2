import { describe, expect, it } from 'vitest';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import { describeError, errorMessageKey, KNOWN_ERROR_CODES } from './errors';

const lookup = (catalog: Record<string, unknown>) => (key: string) => {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog);
  if (typeof v !== 'string') throw new Error(`missing ${key}`);
  return v;
};

describe('error codes', () => {
  it('maps every contract code to its own key', () => {
    for (const code of [
      'wrong_secret',
      'weak_passphrase',
      'corrupt',
      'too_new',
      'not_a_vault',
      'already_exists',
      'invalid',
      'not_found',
      'cancelled',
      'tampered',
      'locked',
      'io',
      'database',
    ]) {
      expect(errorMessageKey(code)).toBe(`error.${code}`);
    }
  });

  it('has no key for unknown codes', () => {
    expect(errorMessageKey('migration')).toBe('error.migration');
    expect(errorMessageKey('brand_new_code')).toBeNull();
    expect(errorMessageKey('')).toBeNull();
    expect(errorMessageKey('toString')).toBeNull();
  });

  it('has a message for every known code in both languages', () => {
    for (const code of KNOWN_ERROR_CODES) {
      expect(lookup(en)(`error.${code}`)).not.toBe('');
      expect(lookup(ru)(`error.${code}`)).not.toBe('');
    }
  });

  it('shows the localized sentence for a wrong secret, never the raw message', () => {
    const shown = describeError({ code: 'wrong_secret', message: 'WrongSecret at vault.rs:42' }, lookup(ru));
    expect(shown.text).toBe(ru.error.wrong_secret);
    expect(shown.detail).toBeNull();
  });

  it('adds the shell message as detail for codes where it names something useful', () => {
    const shown = describeError({ code: 'invalid', message: 'organisation name is empty' }, lookup(en));
    expect(shown.text).toBe(en.error.invalid);
    expect(shown.detail).toBe('organisation name is empty');
  });

  it('shows the message of an unknown code as is', () => {
    const shown = describeError({ code: 'brand_new_code', message: 'migration 7 failed' }, lookup(en));
    expect(shown).toEqual({ text: 'migration 7 failed', detail: null });
    expect(describeError({ code: 'weird', message: '' }, lookup(en)).text).toBe(en.error.unknown);
  });
});
