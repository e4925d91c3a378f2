import { describe, expect, it } from 'vitest';
import ru from './i18n/ru.json';
import { localizeReason, localizeSuggestion, localizeWarning } from './strengthText';

// A tiny stand-in for svelte-i18n: looks up the Russian catalogue and fills
// {placeholders}; ICU plurals are tested with the real formatter elsewhere.
function t(key: string, values?: Record<string, string | number>): string {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], ru);
  if (typeof v !== 'string') throw new Error(`missing ${key}`);
  return `${v}${values ? ' ' + JSON.stringify(values) : ''}`;
}

describe('strength feedback in Russian', () => {
  it('translates the reasons the core gives', () => {
    expect(localizeReason('the passphrase is empty', t)).toBe(ru.strength.reason.empty);
    expect(localizeReason('it has 7 characters; use at least 10', t)).toBe(
      `${ru.strength.reason.short} {"count":7,"min":10}`,
    );
    expect(localizeReason('it is too easy to guess', t)).toBe(ru.strength.reason.guessable);
    expect(localizeReason('it is too easy to guess (This is a top-10 common password.)', t)).toBe(
      `${ru.strength.reason.guessable} ${ru.strength.warning.top10}`,
    );
    expect(localizeReason('', t)).toBe('');
  });

  it('translates zxcvbn suggestions and warnings, and keeps unknown text', () => {
    expect(localizeSuggestion('Add another word or two. Uncommon words are better.', t)).toBe(
      ru.strength.suggestion.add_word,
    );
    expect(localizeSuggestion('Use four or more unrelated words.', t)).toBe(ru.strength.suggestion.four_words);
    expect(localizeWarning('Dates are often easy to guess.', t)).toBe(ru.strength.warning.dates);
    expect(localizeSuggestion('Something new from a future zxcvbn.', t)).toBe('Something new from a future zxcvbn.');
    expect(localizeReason('a reason we do not know', t)).toBe('a reason we do not know');
  });
});
