// The app's screens as data: App.svelte renders whichever one is current.
import type { VaultSummary } from './bindings/VaultSummary';

export const SECTIONS = ['overview', 'agreements', 'processing', 'consents', 'requests', 'incidents', 'evidence', 'ledger', 'settings'] as const;
export type Section = (typeof SECTIONS)[number];

export type Screen =
  | { name: 'welcome' }
  | { name: 'create' }
  | { name: 'recovery'; vault: VaultSummary; code: string }
  | { name: 'unlock'; path: string; demoPassphrase: string | null; lockedReason: string | null }
  | { name: 'main'; vault: VaultSummary; section: Section };

/** The home screen after unlocking: what needs doing, by when. */
export const DEFAULT_SECTION: Section = 'overview';

/** Whether the shell has a vault open while this screen shows. */
export function isVaultOpen(s: Screen): boolean {
  return s.name === 'main' || s.name === 'recovery';
}

export function openedVaultPath(s: Screen): string | null {
  return s.name === 'main' || s.name === 'recovery' ? s.vault.path : null;
}

/**
 * The screen after the vault was locked (by the user, or idle). Every piece of
 * vault data the old screen held is dropped: only the folder path survives.
 */
export function afterLock(s: Screen, reason: string | null): Screen {
  const path = openedVaultPath(s);
  if (path === null) return s;
  return { name: 'unlock', path, demoPassphrase: null, lockedReason: reason };
}

export function toMain(vault: VaultSummary, section: Section = DEFAULT_SECTION): Screen {
  return { name: 'main', vault, section };
}

export function toUnlock(path: string, demoPassphrase: string | null = null): Screen {
  return { name: 'unlock', path, demoPassphrase, lockedReason: null };
}
