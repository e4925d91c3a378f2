import { describe, expect, it } from 'vitest';
import { leave, setLeaveGuard } from './leaveGuard';

describe('leave guard', () => {
  it('proceeds at once when no screen holds unsaved work', () => {
    let went = false;
    leave(() => (went = true));
    expect(went).toBe(true);
  });

  it('lets the registered screen decide, and forgets it when removed', () => {
    const held: Array<() => void> = [];
    const remove = setLeaveGuard((proceed) => held.push(proceed));
    let went = 0;
    leave(() => went++);
    expect(went).toBe(0);
    held[0]();
    expect(went).toBe(1);
    remove();
    leave(() => went++);
    expect(went).toBe(2);
  });

  it('a stale removal does not unregister a newer guard', () => {
    const removeOld = setLeaveGuard(() => {});
    let asked = false;
    setLeaveGuard(() => (asked = true));
    removeOld();
    leave(() => {});
    expect(asked).toBe(true);
  });
});
