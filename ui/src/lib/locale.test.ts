import { describe, expect, it } from 'vitest';
import { chooseLocale } from './locale';

describe('chooseLocale', () => {
  it('follows the system language when set to "system"', () => {
    expect(chooseLocale('system', 'ru-RU')).toBe('ru');
    expect(chooseLocale('system', 'ru')).toBe('ru');
    expect(chooseLocale('system', 'RU-ru')).toBe('ru');
    expect(chooseLocale('system', 'en-US')).toBe('en');
    expect(chooseLocale('system', 'de-DE')).toBe('en');
    expect(chooseLocale('system', 'uk-UA')).toBe('en');
  });

  it('does not take a language that merely starts with the letters "ru" for Russian', () => {
    expect(chooseLocale('system', 'rw-RW')).toBe('en'); // Kinyarwanda
    expect(chooseLocale('system', 'rue')).toBe('en'); // Rusyn
  });

  it('lets an explicit setting win over the system', () => {
    expect(chooseLocale('en', 'ru-RU')).toBe('en');
    expect(chooseLocale('ru', 'en-GB')).toBe('ru');
  });

  it('treats missing or unknown settings as "system"', () => {
    expect(chooseLocale(null, 'ru-RU')).toBe('ru');
    expect(chooseLocale(undefined, undefined)).toBe('en');
    expect(chooseLocale('fr', 'ru-RU')).toBe('ru');
    expect(chooseLocale('', '')).toBe('en');
  });
});
