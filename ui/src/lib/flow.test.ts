import { describe, expect, it } from 'vitest';
import type { VaultSummary } from './bindings/VaultSummary';
import { afterLock, DEFAULT_SECTION, isVaultOpen, SECTIONS, toMain, toUnlock, type Screen } from './flow';

const vault: VaultSummary = {
  path: '/home/anna/vaults/acme',
  vaultId: 'v1',
  organisation: 'ООО «Ромашка»',
  operator: 'owner',
  role: 'owner',
  createdAt: '2025-01-01T00:00:00Z',
  events: 42,
  checkpoints: 1,
  verifierKey: 'ed25519:abc',
  witnessProblems: [],
};

describe('locking', () => {
  it('goes from the main frame to Unlock for the same folder, keeping nothing else', () => {
    const next = afterLock(toMain(vault, 'settings'), 'idle');
    expect(next).toEqual({ name: 'unlock', path: vault.path, demoPassphrase: null, lockedReason: 'idle' });
    const text = JSON.stringify(next);
    for (const secret of [vault.organisation, vault.verifierKey, vault.vaultId, vault.operator]) {
      expect(text).not.toContain(secret);
    }
  });

  it('drops the recovery code if the vault locks while it is shown', () => {
    const s: Screen = { name: 'recovery', vault, code: 'AAAA-BBBB' };
    const next = afterLock(s, 'idle');
    expect(next.name).toBe('unlock');
    expect(JSON.stringify(next)).not.toContain('AAAA-BBBB');
  });

  it('leaves screens without an open vault alone', () => {
    const welcome: Screen = { name: 'welcome' };
    expect(afterLock(welcome, 'user')).toBe(welcome);
    const unlock = toUnlock('/x', 'demo pass');
    expect(afterLock(unlock, 'idle')).toBe(unlock);
  });

  it('knows when a vault is open', () => {
    expect(isVaultOpen(toMain(vault))).toBe(true);
    expect(isVaultOpen({ name: 'recovery', vault, code: 'x' })).toBe(true);
    expect(isVaultOpen(toUnlock('/x'))).toBe(false);
    expect(isVaultOpen({ name: 'create' })).toBe(false);
  });
});

describe('sections', () => {
  it('opens on the overview after unlocking, listed first', () => {
    expect(DEFAULT_SECTION).toBe('overview');
    expect(SECTIONS[0]).toBe('overview');
    expect(toMain(vault)).toEqual({ name: 'main', vault, section: 'overview' });
  });
});
