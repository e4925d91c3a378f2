import { describe, expect, it } from 'vitest';
import { blankDetails, countdown, isOpenClock, localToRfc3339, noticeLanguage, parseCategories, rfc3339ToLocal } from './incidents';

describe('incident helpers', () => {
  it('turns a local time into RFC 3339 with this computer offset and back', () => {
    const rfc = localToRfc3339('2026-12-03T14:30');
    expect(rfc).toMatch(/^2026-12-03T14:30:00[+-]\d{2}:\d{2}$/);
    expect(new Date(rfc!).getTime()).toBe(new Date(2026, 11, 3, 14, 30).getTime());
    expect(rfc3339ToLocal(rfc)).toBe('2026-12-03T14:30');
    expect(localToRfc3339('')).toBeNull();
    expect(localToRfc3339('2026-02-30T10:00')).toBeNull();
    expect(localToRfc3339('вчера')).toBeNull();
    expect(rfc3339ToLocal(null)).toBe('');
    expect(rfc3339ToLocal('not a time')).toBe('');
  });

  it('counts down to a deadline and past it', () => {
    const now = new Date('2026-12-03T10:00:00Z');
    expect(countdown('2026-12-04T09:05:00Z', now)).toEqual({ overdue: false, hours: 23, minutes: 5 });
    expect(countdown('2026-12-03T09:30:00Z', now)).toEqual({ overdue: true, hours: 0, minutes: 30 });
    expect(countdown('2026-12-03T10:00:30Z', now)).toEqual({ overdue: false, hours: 0, minutes: 0 });
    expect(countdown('garbage', now)).toBeNull();
  });

  it('knows which clocks are open and which language a notice is drafted in', () => {
    expect(isOpenClock('pending') && isOpenClock('overdue')).toBe(true);
    expect(isOpenClock('sent') || isOpenClock('late') || isOpenClock('not_required')).toBe(false);
    expect(noticeLanguage('rkn_24h')).toBe('ru');
    expect(noticeLanguage('gdpr_33')).toBe('en');
    expect(blankDetails('both')).toMatchObject({ law: 'both', risk: 'unassessed', subjects: 0, data_categories: [] });
  });

  it('reads categories one per line or separated by semicolons, once each', () => {
    expect(parseCategories('e-mail; телефон\n\n e-mail \nФИО')).toEqual(['e-mail', 'телефон', 'ФИО']);
    expect(parseCategories('  ')).toEqual([]);
  });
});
