import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Strength } from './bindings/Strength';
import { createStrengthChecker, newPassphraseReady, repeatMismatch, type StrengthResult } from './strength';

const strong: Strength = { score: 4, acceptable: true, reason: '', suggestions: [] };
const weak: Strength = { score: 1, acceptable: false, reason: 'it is too easy to guess', suggestions: [] };

describe('debounced strength checker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once after 150 ms of quiet typing, for the latest text', async () => {
    const fetch = vi.fn(async (p: string) => (p.length > 10 ? strong : weak));
    const results: Array<StrengthResult | null> = [];
    const c = createStrengthChecker(fetch, (r) => results.push(r));
    for (const p of ['c', 'co', 'cor', 'corr', 'correct horse battery']) {
      c.update(p, ['Acme']);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(fetch).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(50);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith('correct horse battery', ['Acme']);
    expect(results).toEqual([{ passphrase: 'correct horse battery', strength: strong }]);
  });

  it('drops a late answer for text the user has since changed', async () => {
    const resolvers: Array<(s: Strength) => void> = [];
    const fetch = vi.fn(() => new Promise<Strength>((r) => resolvers.push(r)));
    const results: Array<StrengthResult | null> = [];
    const c = createStrengthChecker(fetch, (r) => results.push(r));
    c.update('first try', []);
    await vi.advanceTimersByTimeAsync(150);
    c.update('second, much longer try', []);
    await vi.advanceTimersByTimeAsync(150);
    resolvers[1](strong);
    resolvers[0](weak); // arrives last, but is stale
    await vi.advanceTimersByTimeAsync(0);
    expect(results).toEqual([{ passphrase: 'second, much longer try', strength: strong }]);
  });

  it('clears the result at once for an empty field and stops after dispose', async () => {
    const fetch = vi.fn(async () => strong);
    const results: Array<StrengthResult | null> = [];
    const c = createStrengthChecker(fetch, (r) => results.push(r));
    c.update('', []);
    expect(results).toEqual([null]);
    c.update('something long enough', []);
    c.dispose();
    await vi.advanceTimersByTimeAsync(500);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('new passphrase gating', () => {
  const ok = (p: string): StrengthResult => ({ passphrase: p, strength: strong });

  it('needs an acceptable rating of exactly this text and a matching repeat', () => {
    const p = 'correct horse battery staple';
    expect(newPassphraseReady(ok(p), p, p)).toBe(true);
    expect(newPassphraseReady(ok(p), p, p + 'x')).toBe(false);
    expect(newPassphraseReady(ok(p), p, '')).toBe(false);
    expect(newPassphraseReady(null, p, p)).toBe(false);
    expect(newPassphraseReady({ passphrase: p, strength: weak }, p, p)).toBe(false);
    // rating is for older text: not ready until the new text is rated
    expect(newPassphraseReady(ok(p), p + '!', p + '!')).toBe(false);
    expect(newPassphraseReady(ok(''), '', '')).toBe(false);
  });

  it('mentions a mismatch only once the repeat is as long as the original', () => {
    expect(repeatMismatch('abcdef', 'abc')).toBe(false);
    expect(repeatMismatch('abcdef', 'abcdeg')).toBe(true);
    expect(repeatMismatch('abcdef', 'abcdef')).toBe(false);
    expect(repeatMismatch('abc', '')).toBe(false);
    expect(repeatMismatch('abc', 'abcd')).toBe(true);
  });
});
