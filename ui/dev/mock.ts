// Development harness: the real UI over a fake backend in the browser, for
// working on screens without the Tauri shell (`npm run dev`, then open
// /dev/index.html). Not part of the production build.
// Query parameters: events=N (ledger size, default 1,000,000), tampered=1,
// empty=1 (no recent vaults).
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CheckpointDto } from '../src/lib/bindings/CheckpointDto';
import type { EventDto } from '../src/lib/bindings/EventDto';
import type { Settings } from '../src/lib/bindings/Settings';
import type { VaultSummary } from '../src/lib/bindings/VaultSummary';

const q = new URLSearchParams(location.search);
const TOTAL = Number(q.get('events') ?? 1_000_000);
const TAMPERED = q.get('tampered') === '1';
const KINDS = ['vault.unlocked', 'subject.recorded', 'vault.locked', 'subject.erased', 'consent.given', 'organisation.requisites_changed'];
const START = Date.parse('2024-01-01T00:00:00Z');

let settings: Settings = { language: q.get('lang') ?? 'system', autoLockMinutes: 10 };
let summary: VaultSummary = {
  path: '/home/anna/Consent Ledger/ooo-romashka',
  vaultId: '6f1c2d3e-aaaa-bbbb-cccc-1234567890ab',
  organisation: 'ООО «Ромашка» <script>alert(1)</script>',
  operator: 'владелец',
  createdAt: '2024-01-01T00:00:00.000000Z',
  events: TOTAL,
  checkpoints: 2,
  verifierKey: 'consent-ledger+6f1c2d3e+AcZlb3cBqH9+u6cJ0nH6eQ0H3zM0vUo3kq1m8vJx5w2T',
};
const checkpoints: CheckpointDto[] = [1, 2].map((id) => checkpoint(id, Math.floor((TOTAL * id) / 3)));
let cancelled = false;

function checkpoint(id: number, size: number): CheckpointDto {
  const root = btoa(String(size * 7919)).padEnd(44, 'A');
  return {
    id,
    treeSize: size,
    root,
    createdAt: new Date(START + size * 60_000).toISOString().replace('Z', '000Z'),
    note: `consent-ledger/${summary.vaultId}\n${size}\n${root}\n\n— consent-ledger+6f1c2d3e ${btoa('signature' + id)}`,
  };
}

function event(seq: number): EventDto {
  const kind = seq === 1 ? 'vault.created' : KINDS[seq % KINDS.length];
  return {
    seq,
    recordedAt: new Date(START + seq * 60_000).toISOString().replace('Z', '123Z'),
    actor: seq % 7 === 0 ? 'Мария Иванова' : 'владелец',
    kind,
    subject: kind.startsWith('subject') ? `subj_${(seq * 2654435761) % 100000}` : null,
    body: JSON.stringify({ note: '<img src=x onerror=alert(1)>', commitment: 'b3f1' + seq.toString(16), n: seq }),
    leafHash: (seq * 2654435761).toString(16).padStart(16, '0').repeat(4),
  };
}

function strength(p: string) {
  const chars = [...p].length;
  const words = p.trim().split(/\s+/).filter(Boolean).length;
  const score = Math.min(4, Math.floor(chars / 6) + (words >= 3 ? 1 : 0));
  if (p === '') return { score: 0, acceptable: false, reason: 'the passphrase is empty', suggestions: [] };
  if (chars < 10)
    return {
      score: Math.min(score, 1),
      acceptable: false,
      reason: `it has ${chars} characters; use at least 10`,
      suggestions: ['Add another word or two. Uncommon words are better.'],
    };
  if (score < 3)
    return {
      score,
      acceptable: false,
      reason: 'it is too easy to guess (A word by itself is easy to guess.)',
      suggestions: ['Use four or more unrelated words.'],
    };
  return { score, acceptable: true, reason: '', suggestions: [] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fail = (code: string, message: string) => Promise.reject({ code, message });

mockIPC(
  async (cmd, raw) => {
    const a = (raw ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'app_info':
        return {
          version: '0.1.0-dev',
          dataDir: '/home/anna/.local/share/consent-ledger',
          defaultVaultDir: '/home/anna/Consent Ledger',
          recent:
            q.get('empty') === '1'
              ? []
              : [
                  { path: summary.path, lastOpened: '2025-11-20T09:15:00.000000Z' },
                  { path: '/media/usb/Архив/ip-ivanova', lastOpened: '2025-10-02T17:40:00.000000Z' },
                ],
          settings,
        };
      case 'passphrase_strength':
        return strength(String(a.passphrase));
      case 'pick_vault_folder':
        return String(a.title).includes('new') || String(a.title).includes('нов') ? '/home/anna/Documents/new-vault' : summary.path;
      case 'create_vault':
        await sleep(400);
        summary = { ...summary, path: String(a.path), organisation: String(a.organisation), operator: String(a.operator) };
        return { vault: summary, recoveryCode: 'K7QX-M2PA-9VRT-B4LC-Z8NE-H3WD-Y6FJ-T5GU' };
      case 'save_recovery_code':
      case 'export_checkpoint':
        return true;
      case 'open_demo':
        return { path: '/tmp/consent-ledger-demo-x1y2', passphrase: 'demo vault — not for real data' };
      case 'unlock':
        await sleep(300);
        if (a.passphrase === 'wrong') return fail('wrong_secret', 'wrong passphrase or recovery code');
        return { ...summary, path: String(a.path) };
      case 'recover':
        return { ...summary, path: String(a.path) };
      case 'lock':
        setTimeout(() => void emit('vault-locked', { reason: 'user' }), 0);
        return null;
      case 'touch':
        return null;
      case 'vault_summary':
        return summary;
      case 'ledger_page': {
        const before = (a.before as number | null) ?? TOTAL + 1;
        const limit = Number(a.limit);
        const top = Math.min(before - 1, TOTAL);
        const events: EventDto[] = [];
        for (let s = top; s >= 1 && events.length < limit; s--) events.push(event(s));
        const last = events.at(-1);
        await sleep(30);
        return { events, nextBefore: last && last.seq > 1 ? last.seq : null, total: TOTAL };
      }
      case 'ledger_event':
        return event(Number(a.seq));
      case 'verify_ledger': {
        cancelled = false;
        const steps = 40;
        for (let i = 1; i <= steps; i++) {
          await sleep(60);
          if (cancelled) return fail('cancelled', 'verification cancelled');
          await emit('verify-progress', { done: Math.round((TOTAL * i) / steps), total: TOTAL });
        }
        if (TAMPERED)
          return {
            ok: false,
            events: TOTAL,
            checkpoints: checkpoints.length,
            root: '',
            problem: { code: 'leaf_mismatch', seq: 4242, message: 'event 4242: stored leaf hash does not match its contents' },
          };
        return { ok: true, events: TOTAL, checkpoints: checkpoints.length, root: 'r00tHashBase64xyz=', problem: null };
      }
      case 'cancel_verify':
        cancelled = true;
        return null;
      case 'create_checkpoint': {
        const cp = checkpoint(checkpoints.length + 1, TOTAL);
        checkpoints.push(cp);
        return cp;
      }
      case 'list_checkpoints':
        return checkpoints;
      case 'get_settings':
        return settings;
      case 'set_settings':
        settings = a.settings as Settings;
        return settings;
      case 'rename_organisation':
        summary = { ...summary, organisation: String(a.name) };
        return summary;
      case 'change_passphrase':
        if (a.current === 'wrong') return fail('wrong_secret', 'wrong passphrase');
        return null;
      default:
        return fail('invalid', `mock: unknown command ${cmd}`);
    }
  },
  { shouldMockEvents: true },
);

// Lets a test harness fire the idle lock.
(window as unknown as { mockIdleLock: () => Promise<void> }).mockIdleLock = () => emit('vault-locked', { reason: 'idle' });

await import('../src/main');
