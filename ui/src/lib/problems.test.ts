import { describe, expect, it } from 'vitest';
import en from './i18n/en.json';
import ru from './i18n/ru.json';
import { PROBLEM_CODES, problemKey } from './problems';

describe('verification problems', () => {
  it('maps known codes to keys and unknown ones to null', () => {
    expect(problemKey('event_altered')).toBe('problem.event_altered');
    expect(problemKey('something_new')).toBeNull();
  });

  it('has a sentence for every code in both languages', () => {
    for (const code of PROBLEM_CODES) {
      const e = (en as { problem: Record<string, string> }).problem[code];
      const r = (ru as { problem: Record<string, string> }).problem[code];
      expect(e, code).toBeTruthy();
      expect(r, code).toBeTruthy();
      // A sentence that names an event keeps the number in both languages.
      expect(e.includes('{seq}'), code).toBe(r.includes('{seq}'));
    }
  });
});
