// The signed-in operator's role, for hiding what it may not do (the core
// refuses it anyway, with the code `forbidden`). Set by Main from the vault
// summary; null when no vault is open.
import { derived, writable } from 'svelte/store';
import type { OperatorRole } from './bindings/OperatorRole';

export type Need = 'read' | 'record' | 'owner';

export function allows(role: OperatorRole | null, need: Need): boolean {
  if (role === null) return false;
  if (need === 'owner') return role === 'owner';
  if (need === 'record') return role !== 'auditor';
  return true;
}

export const role = writable<OperatorRole | null>(null);
/** Owners and operators record; auditors only read and export. */
export const canRecord = derived(role, (r) => allows(r, 'record'));
/** Settings, agreements, requisites and operators are an owner's. */
export const isOwner = derived(role, (r) => allows(r, 'owner'));

export const ROLES: OperatorRole[] = ['owner', 'operator', 'auditor'];
