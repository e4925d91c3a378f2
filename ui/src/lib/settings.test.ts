import { describe, expect, it } from 'vitest';
import { BACKUP_KEEP_MAX, BACKUP_KEEP_MIN, parseAutoLock, parseWhole } from './settings';

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

describe('automatic backups to keep', () => {
  it('accepts 1 to 100 and nothing else', () => {
    expect(parseWhole('2', BACKUP_KEEP_MIN, BACKUP_KEEP_MAX)).toBe(2);
    expect(parseWhole(100, BACKUP_KEEP_MIN, BACKUP_KEEP_MAX)).toBe(100);
    for (const v of ['0', '101', '1.5', '', null]) expect(parseWhole(v, BACKUP_KEEP_MIN, BACKUP_KEEP_MAX)).toBeNull();
  });
});
