import { describe, expect, it } from 'vitest';
import { contentHeight, MAX_SCROLL_HEIGHT, scrollTopFor, visibleRange } from './windowing';

describe('windowing', () => {
  it('renders only the rows in view plus overscan', () => {
    const r = visibleRange({ count: 1000, rowHeight: 36, viewportHeight: 360, scrollTop: 3600, overscan: 5 });
    expect(r.first).toBe(100);
    expect(r.start).toBe(95);
    expect(r.end).toBe(115);
    expect(r.offsetY).toBe(95 * 36);
    expect(r.contentHeight).toBe(36_000);
  });

  it('caps the scroll height for a million rows yet reaches both ends', () => {
    const base = { count: 1_000_000, rowHeight: 36, viewportHeight: 500, overscan: 3 };
    expect(contentHeight(base.count, base.rowHeight)).toBe(MAX_SCROLL_HEIGHT);
    const top = visibleRange({ ...base, scrollTop: 0 });
    expect(top.start).toBe(0);
    expect(top.end - top.start).toBeLessThan(30);
    const bottom = visibleRange({ ...base, scrollTop: MAX_SCROLL_HEIGHT - 500 });
    expect(bottom.end).toBe(1_000_000);
    expect(bottom.end - bottom.start).toBeLessThan(30);
    // the last row's bottom edge sits exactly at the viewport's bottom edge
    expect(bottom.offsetY + (bottom.end - bottom.start) * 36).toBeCloseTo(MAX_SCROLL_HEIGHT, 3);
    const middle = visibleRange({ ...base, scrollTop: (MAX_SCROLL_HEIGHT - 500) / 2 });
    expect(Math.abs(middle.first - 500_000)).toBeLessThan(10);
  });

  it('keeps rows visible under the viewport in compressed mode', () => {
    const base = { count: 1_000_000, rowHeight: 36, viewportHeight: 500, overscan: 0 };
    for (const scrollTop of [123, 4_000_000.5, 7_000_001]) {
      const r = visibleRange({ ...base, scrollTop });
      const firstTop = r.offsetY + (r.first - r.start) * 36;
      expect(firstTop).toBeLessThanOrEqual(scrollTop + 0.001);
      expect(firstTop + 36).toBeGreaterThan(scrollTop);
    }
  });

  it('handles an empty list', () => {
    expect(visibleRange({ count: 0, rowHeight: 36, viewportHeight: 500, scrollTop: 0 })).toEqual({
      first: 0,
      start: 0,
      end: 0,
      offsetY: 0,
      contentHeight: 0,
    });
  });

  it('scrolls just enough to reveal a row, in both modes', () => {
    const small = { count: 1000, rowHeight: 36, viewportHeight: 360, scrollTop: 0 };
    expect(scrollTopFor(5, small)).toBe(0); // already visible
    expect(scrollTopFor(20, small)).toBe(21 * 36 - 360);
    expect(scrollTopFor(3, { ...small, scrollTop: 3600 })).toBe(108);
    const big = { count: 1_000_000, rowHeight: 36, viewportHeight: 500, scrollTop: 0 };
    for (const index of [0, 12_345, 500_000, 999_999]) {
      const st = scrollTopFor(index, big);
      const r = visibleRange({ ...big, scrollTop: st, overscan: 0 });
      expect(index).toBeGreaterThanOrEqual(r.start);
      expect(index).toBeLessThan(r.end);
    }
  });
});
