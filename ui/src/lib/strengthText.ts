// The shell's strength check answers in English (zxcvbn's feedback). These
// known sentences are translated through i18n keys; anything else is shown raw.

type T = (key: string, values?: Record<string, string | number>) => string;

const WARNINGS: Record<string, string> = {
  'Straight rows of keys are easy to guess.': 'rows',
  'Short keyboard patterns are easy to guess.': 'keyboard',
  'Repeats like "aaa" are easy to guess.': 'repeats',
  'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': 'repeats_abc',
  'This is a top-10 common password.': 'top10',
  'This is a top-100 common password.': 'top100',
  'This is a very common password.': 'common',
  'This is similar to a commonly used password.': 'similar',
  'Sequences like abc or 6543 are easy to guess.': 'sequences',
  'Recent years are easy to guess.': 'recent_years',
  'A word by itself is easy to guess.': 'single_word',
  'Dates are often easy to guess.': 'dates',
  'Names and surnames by themselves are easy to guess.': 'names',
  'Common names and surnames are easy to guess.': 'common_names',
};

const SUGGESTIONS: Record<string, string> = {
  'Use a few words, avoid common phrases.': 'few_words',
  'No need for symbols, digits, or uppercase letters.': 'no_symbols',
  'Add another word or two. Uncommon words are better.': 'add_word',
  "Capitalization doesn't help very much.": 'capitals',
  'All-uppercase is almost as easy to guess as all-lowercase.': 'all_upper',
  "Reversed words aren't much harder to guess.": 'reversed',
  "Predictable substitutions like '@' instead of 'a' don't help very much.": 'substitutions',
  'Use a longer keyboard pattern with more turns.': 'longer_pattern',
  'Avoid repeated words and characters.': 'avoid_repeats',
  'Avoid sequences.': 'avoid_sequences',
  'Avoid recent years.': 'avoid_recent_years',
  'Avoid years that are associated with you.': 'avoid_your_years',
  'Avoid dates and years that are associated with you.': 'avoid_your_dates',
  'Use four or more unrelated words.': 'four_words',
};

export const WARNING_KEYS = Object.values(WARNINGS).map((k) => `strength.warning.${k}`);
export const SUGGESTION_KEYS = Object.values(SUGGESTIONS).map((k) => `strength.suggestion.${k}`);

export function localizeWarning(text: string, t: T): string {
  const k = WARNINGS[text.trim()];
  return k ? t(`strength.warning.${k}`) : text;
}

export function localizeSuggestion(text: string, t: T): string {
  const k = SUGGESTIONS[text.trim()];
  return k ? t(`strength.suggestion.${k}`) : text;
}

export function localizeReason(reason: string, t: T): string {
  const r = reason.trim();
  if (r === '') return '';
  if (r === 'the passphrase is empty') return t('strength.reason.empty');
  let m = /^it has (\d+) characters?; use at least (\d+)$/.exec(r);
  if (m) return t('strength.reason.short', { count: Number(m[1]), min: Number(m[2]) });
  m = /^it is too easy to guess(?: \((.+)\))?$/.exec(r);
  if (m) {
    const base = t('strength.reason.guessable');
    return m[1] ? `${base} ${localizeWarning(m[1], t)}` : base;
  }
  return reason;
}
