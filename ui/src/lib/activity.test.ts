import { describe, expect, it, vi } from 'vitest';
import { createActivityNotifier, TOUCH_INTERVAL_MS } from './activity';

describe('activity notifier', () => {
  it('sends at most once per 30 s however many events arrive', () => {
    let now = 1_000_000;
    const send = vi.fn();
    const n = createActivityNotifier(send, TOUCH_INTERVAL_MS, () => now);
    expect(n.notify()).toBe(true);
    for (let i = 0; i < 100; i++) {
      now += 250;
      n.notify();
    }
    expect(send).toHaveBeenCalledTimes(1); // 25 s later: still within the interval
    now = 1_000_000 + 29_999;
    expect(n.notify()).toBe(false);
    now = 1_000_000 + 30_000;
    expect(n.notify()).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('reports the first activity after a reset at once', () => {
    let now = 0;
    const send = vi.fn();
    const n = createActivityNotifier(send, 30_000, () => now);
    n.notify();
    now = 10;
    expect(n.notify()).toBe(false);
    n.reset();
    expect(n.notify()).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('swallows a failing touch so the UI keeps working', async () => {
    let now = 0;
    const n = createActivityNotifier(() => Promise.reject(new Error('locked')), 30_000, () => now);
    expect(n.notify()).toBe(true);
    now = 30_000;
    const thrower = createActivityNotifier(() => {
      throw new Error('boom');
    });
    expect(() => thrower.notify()).not.toThrow();
    await Promise.resolve();
  });
});
