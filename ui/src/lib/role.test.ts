import { get } from 'svelte/store';
import { describe, expect, it } from 'vitest';
import { allows, canRecord, isOwner, role } from './role';

describe('roles', () => {
  it('allow what the core allows', () => {
    expect(allows('owner', 'owner') && allows('owner', 'record') && allows('owner', 'read')).toBe(true);
    expect(allows('operator', 'record') && !allows('operator', 'owner')).toBe(true);
    expect(allows('auditor', 'read') && !allows('auditor', 'record') && !allows('auditor', 'owner')).toBe(true);
    expect(allows(null, 'read')).toBe(false);
  });

  it('follow the signed-in role', () => {
    role.set('auditor');
    expect([get(canRecord), get(isOwner)]).toEqual([false, false]);
    role.set('operator');
    expect([get(canRecord), get(isOwner)]).toEqual([true, false]);
    role.set(null);
    expect(get(canRecord)).toBe(false);
  });
});
