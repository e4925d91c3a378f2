import { describe, expect, it, vi } from 'vitest';
import type { EventDto } from './bindings/EventDto';
import type { LedgerPage } from './bindings/LedgerPage';
import { KeysetPager, LedgerPager, MAX_FETCH, type FetchKeyset, type FetchPage } from './pager';

function ev(seq: number): EventDto {
  return {
    seq,
    recordedAt: '2025-01-01T00:00:00.000000Z',
    actor: 'owner',
    kind: 'vault.unlocked',
    subject: null,
    body: '{}',
    leafHash: `h${seq}`,
  };
}

/** A ledger with the given seqs, paged exactly as the shell's keyset paging does. */
function backend(seqs: number[]) {
  const sorted = [...seqs].sort((a, b) => b - a);
  const calls: Array<number | null> = [];
  const fetch = vi.fn<FetchPage>(async (before, limit) => {
    calls.push(before);
    const events = sorted.filter((s) => before === null || s < before).slice(0, limit).map(ev);
    const last = events.at(-1);
    const more = last !== undefined && sorted.some((s) => s < last.seq);
    const page: LedgerPage = { events, nextBefore: more ? last.seq : null, total: sorted.length };
    return page;
  });
  return { fetch, calls };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('LedgerPager', () => {
  it('loads only the first page on start', async () => {
    const b = backend(range(1_000_000));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    expect(b.calls).toEqual([null]);
    expect(p.count).toBe(1_000_000);
    expect(p.get(0)?.seq).toBe(1_000_000);
    expect(p.get(199)?.seq).toBe(999_801);
    expect(p.get(200)).toBeUndefined();
  });

  it('merges further pages in order, passing the last seq as `before`', async () => {
    const b = backend(range(450));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    await p.ensureRange(150, 260);
    expect(b.calls).toEqual([null, 251]);
    await p.ensureRange(390, 450);
    expect(b.calls).toEqual([null, 251, 51]);
    const seqs = Array.from({ length: 450 }, (_, i) => p.get(i)?.seq);
    expect(seqs).toEqual(range(450).reverse());
  });

  it('stops at nextBefore = null and never asks beyond it', async () => {
    const b = backend(range(400));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    await p.ensureRange(0, 400);
    expect(p.endBlock).toBe(1);
    const n = b.fetch.mock.calls.length;
    await p.ensureRange(400, 2000);
    await p.ensureRange(0, 400);
    expect(b.fetch.mock.calls.length).toBe(n);
    expect(p.count).toBe(400);
  });

  it('jumps into the middle of a million events with one request', async () => {
    const b = backend(range(1_000_000));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    await p.ensureRange(500_000, 500_020);
    expect(b.calls).toEqual([null, 500_001]);
    expect(p.get(500_000)?.seq).toBe(500_000);
    expect(p.get(500_010)?.seq).toBe(499_990);
  });

  it('keeps memory bounded however far the user scrolls', async () => {
    const b = backend(range(100_000));
    const p = new LedgerPager(b.fetch, () => {}, 200, 10);
    await p.start();
    for (let i = 0; i < 100_000; i += 5_000) await p.ensureRange(i, i + 30);
    expect(p.loadedBlocks().length).toBeLessThanOrEqual(10);
    // the newest blocks are the ones kept
    expect(p.get(95_000)?.seq).toBe(5_000);
  });

  it('walks nextBefore when seqs are not contiguous', async () => {
    const seqs = range(1000).filter((s) => s % 2 === 0); // 500 events, gaps
    const b = backend(seqs);
    const p = new LedgerPager(b.fetch, () => {}, 100);
    await p.start();
    expect(p.randomAccess).toBe(false);
    await p.ensureRange(350, 360);
    // blocks 1, 2 and 3 had to be fetched in order to learn their `before`
    expect(b.calls).toEqual([null, 802, 602, 402]);
    expect(p.get(350)?.seq).toBe(1000 - 2 * 350);
    await p.ensureRange(0, 1000);
    expect(p.count).toBe(500);
    expect(p.endBlock).toBe(4);
  });

  it('handles an empty ledger', async () => {
    const b = backend([]);
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    expect(p.count).toBe(0);
    await p.ensureRange(0, 50);
    expect(b.calls).toEqual([null]);
  });

  it('does not fetch the same block twice while it is loading', async () => {
    const b = backend(range(1000));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    await Promise.all([p.ensureRange(200, 210), p.ensureRange(205, 215), p.ensureRange(210, 220)]);
    expect(b.calls).toEqual([null, 801]);
  });

  it('finds the row of a seq and the seq of an unloaded row', async () => {
    const b = backend(range(10_000));
    const p = new LedgerPager(b.fetch, () => {}, 200);
    await p.start();
    expect(p.indexOfSeq(10_000)).toBe(0);
    expect(p.indexOfSeq(1)).toBe(9_999);
    expect(p.indexOfSeq(10_001)).toBeNull();
    expect(p.seqAt(5_000)).toBe(5_000);
  });

  it('reports a failed page and can retry it', async () => {
    const b = backend(range(1000));
    let fail = true;
    const flaky: FetchPage = (before, limit) =>
      before !== null && fail ? Promise.reject({ code: 'io', message: 'disk' }) : b.fetch(before, limit);
    const changes = vi.fn();
    const p = new LedgerPager(flaky, changes, 200);
    await p.start();
    await p.ensureRange(300, 310);
    expect(p.lastError).toEqual({ code: 'io', message: 'disk' });
    expect(p.get(300)).toBeUndefined();
    fail = false;
    await p.ensureRange(300, 310);
    expect(p.lastError).toBeNull();
    expect(p.get(300)?.seq).toBe(700);
    expect(changes).toHaveBeenCalled();
  });

  it('ignores answers that arrive after dispose', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = backend(range(1000));
    const slow: FetchPage = async (before, limit) => {
      if (before !== null) await gate;
      return b.fetch(before, limit);
    };
    const changes = vi.fn();
    const p = new LedgerPager(slow, changes, 200);
    await p.start();
    changes.mockClear();
    const pending = p.ensureRange(400, 410);
    p.dispose();
    release();
    await pending;
    expect(changes).not.toHaveBeenCalled();
    expect(p.get(400)).toBeUndefined();
  });
});

// ---- KeysetPager -------------------------------------------------------------------

type Row = { id: number; at: string };
type Cur = { at: string; id: number };

/** A register of `n` rows (ids 1..n, newer ids later), paged like `consent_list`. */
function keysetBackend(n: number, exactTotal = true) {
  const rows: Row[] = Array.from({ length: n }, (_, i) => ({ id: n - i, at: `t${String(n - i).padStart(8, '0')}` }));
  const calls: Array<[number | null, number]> = [];
  const fetch = vi.fn<FetchKeyset<Row, Cur>>(async (after, limit) => {
    calls.push([after?.id ?? null, limit]);
    const start = after === null ? 0 : rows.findIndex((r) => r.at < after.at || (r.at === after.at && r.id < after.id));
    const items = start < 0 ? [] : rows.slice(start, start + Math.min(limit, MAX_FETCH));
    const last = items.at(-1);
    const next = items.length === Math.min(limit, MAX_FETCH) && last ? { at: last.at, id: last.id } : null;
    return { items, next, total: exactTotal ? n : null };
  });
  return { fetch, calls };
}

const cursorOf = (r: Row): Cur => ({ at: r.at, id: r.id });

describe('KeysetPager', () => {
  it('knows the size of an unfiltered list from the first page', async () => {
    const b = keysetBackend(1_000_000);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    expect(b.calls).toEqual([[null, 200]]);
    expect(p.count).toBe(1_000_000);
    expect(p.get(0)?.id).toBe(1_000_000);
    expect(p.get(199)?.id).toBe(999_801);
    expect(p.get(200)).toBeUndefined();
  });

  it('walks forward with the cursor of the last row, up to 1000 rows per request', async () => {
    const b = keysetBackend(100_000);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    await p.ensureRange(2_000, 2_020);
    // 200 rows known; blocks 1..10 are walked in two requests of five blocks.
    expect(b.calls).toEqual([
      [null, 200],
      [99_801, 1000],
      [98_801, 1000],
    ]);
    expect(p.get(2_000)?.id).toBe(98_000);
    expect(p.get(2_019)?.id).toBe(97_981);
  });

  it('fetches an evicted block again with one request', async () => {
    const b = keysetBackend(10_000);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 100, 3);
    await p.start();
    await p.ensureRange(900, 910);
    expect(p.get(50)).toBeUndefined(); // evicted: only 3 blocks are kept
    const before = b.calls.length;
    await p.ensureRange(50, 60);
    expect(b.calls.length).toBe(before + 1);
    expect(b.calls.at(-1)).toEqual([null, 100]);
    await p.ensureRange(450, 460);
    expect(b.calls.at(-1)).toEqual([9_601, 100]);
    expect(p.get(455)?.id).toBe(10_000 - 455);
    expect(p.loadedBlocks().length).toBeLessThanOrEqual(3);
  });

  it('grows a filtered list (size unknown) a page at a time and stops at its end', async () => {
    const b = keysetBackend(450, false);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    expect(p.total).toBeNull();
    expect(p.count).toBe(400); // 200 known, one more page may follow
    expect(p.ended).toBe(false);
    await p.ensureRange(380, 400);
    expect(p.count).toBe(600); // a full second page: still more may follow
    await p.ensureRange(420, 460);
    expect(p.count).toBe(450);
    expect(p.ended).toBe(true);
    const ids = Array.from({ length: 450 }, (_, i) => p.get(i)?.id);
    expect(ids).toEqual(Array.from({ length: 450 }, (_, i) => 450 - i));
    const n = b.calls.length;
    await p.ensureRange(0, 5_000);
    expect(b.calls.length).toBe(n);
  });

  it('ends a list whose length is a multiple of the page size', async () => {
    const b = keysetBackend(400, false);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    await p.ensureRange(200, 400);
    expect(p.count).toBe(600);
    await p.ensureRange(400, 600);
    expect(p.count).toBe(400);
    expect(p.ended).toBe(true);
    expect(p.get(399)?.id).toBe(1);
  });

  it('shrinks to what exists when the list ends before its announced total', async () => {
    const b = keysetBackend(300);
    const short: FetchKeyset<Row, Cur> = async (after, limit) => ({ ...(await b.fetch(after, limit)), total: 1000 });
    const p = new KeysetPager(short, cursorOf, () => {}, 200);
    await p.start();
    expect(p.count).toBe(1000);
    await p.ensureRange(900, 950);
    expect(p.count).toBe(300);
    expect(p.ended).toBe(true);
  });

  it('handles an empty list', async () => {
    const b = keysetBackend(0, false);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    expect(p.count).toBe(0);
    expect(p.ended).toBe(true);
    await p.ensureRange(0, 50);
    expect(b.calls).toEqual([[null, 200]]);
  });

  it('walks once however many ranges ask while it runs', async () => {
    const b = keysetBackend(10_000);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    await Promise.all([p.ensureRange(300, 320), p.ensureRange(310, 330), p.ensureRange(320, 340)]);
    expect(b.calls).toEqual([
      [null, 200],
      [9_801, 200],
    ]);
  });

  it('finds a loaded row by its item', async () => {
    const b = keysetBackend(1000);
    const p = new KeysetPager(b.fetch, cursorOf, () => {}, 200);
    await p.start();
    expect(p.findIndex((r) => r.id === 990)).toBe(10);
    expect(p.findIndex((r) => r.id === 5)).toBeNull();
  });

  it('reports a failed page, then retries it', async () => {
    const b = keysetBackend(1000);
    let fail = true;
    const flaky: FetchKeyset<Row, Cur> = (after, limit) =>
      after !== null && fail ? Promise.reject({ code: 'io', message: 'disk' }) : b.fetch(after, limit);
    const changes = vi.fn();
    const p = new KeysetPager(flaky, cursorOf, changes, 200);
    await p.start();
    await p.ensureRange(300, 310);
    expect(p.lastError).toEqual({ code: 'io', message: 'disk' });
    expect(p.get(300)).toBeUndefined();
    fail = false;
    await p.ensureRange(300, 310);
    expect(p.lastError).toBeNull();
    expect(p.get(300)?.id).toBe(700);
    expect(changes).toHaveBeenCalled();
  });

  it('ignores answers that arrive after dispose', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = keysetBackend(1000);
    const slow: FetchKeyset<Row, Cur> = async (after, limit) => {
      if (after !== null) await gate;
      return b.fetch(after, limit);
    };
    const changes = vi.fn();
    const p = new KeysetPager(slow, cursorOf, changes, 200);
    await p.start();
    changes.mockClear();
    const pending = p.ensureRange(400, 410);
    p.dispose();
    release();
    await pending;
    expect(changes).not.toHaveBeenCalled();
    expect(p.get(400)).toBeUndefined();
  });
});
