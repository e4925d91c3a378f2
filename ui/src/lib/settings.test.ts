import { describe, expect, it } from 'vitest';
import { parseAutoLock } from './settings';

describe('auto-lock minutes', () => {
  it('accepts whole minutes from 1 to 240', () => {
    expect(parseAutoLock('1')).toBe(1);
    expect(parseAutoLock(' 10 ')).toBe(10);
    expect(parseAutoLock(240)).toBe(240);
  });

  it('refuses anything else', () => {
    for (const v of ['0', '241', '-5', '2.5', '', 'ten', '1e2', NaN]) expect(parseAutoLock(v)).toBeNull();
  });
});
