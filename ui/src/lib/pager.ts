// Loads the ledger newest-first in pages of `pageSize`, on demand, for a list
// that may hold a million events: only the blocks near what is on screen are
// fetched, and only a bounded number are kept in memory.
//
// Paging is keyset paging: a block is asked for with `before` = the seq of the
// last event of the block above it. Seqs are contiguous from 1 (seq = Merkle
// leaf index + 1), so when the first page confirms that (top seq == total),
// block b's `before` is known without loading blocks 0..b-1, and dragging the
// scrollbar to the middle loads one block, not half the ledger. Otherwise the
// pager falls back to walking `nextBefore` from the top. A page whose
// `nextBefore` is null ends the list.
import type { EventDto } from './bindings/EventDto';
import type { LedgerPage } from './bindings/LedgerPage';

export type FetchPage = (before: number | null, limit: number) => Promise<LedgerPage>;

export const PAGE_SIZE = 200;
export const MAX_CACHED_BLOCKS = 60;

export class LedgerPager {
  readonly pageSize: number;
  readonly maxBlocks: number;
  /** Number of rows in the list (a snapshot taken by `start`). */
  count = 0;
  /** Seq of the newest event in the snapshot. */
  topSeq = 0;
  /** True when block boundaries can be computed from seqs. */
  randomAccess = false;
  /** Index of the block whose page had `nextBefore == null`, once seen. */
  endBlock: number | null = null;
  started = false;
  lastError: unknown = null;

  private readonly fetchPage: FetchPage;
  private readonly onChange: () => void;
  private blocks = new Map<number, EventDto[]>(); // insertion order = LRU order
  private nextBeforeOf = new Map<number, number | null>();
  private pending = new Map<number, Promise<void>>();
  private disposed = false;
  /** Number of fetches made, for tests and diagnostics. */
  fetches = 0;

  constructor(fetchPage: FetchPage, onChange: () => void = () => {}, pageSize = PAGE_SIZE, maxBlocks = MAX_CACHED_BLOCKS) {
    this.fetchPage = fetchPage;
    this.onChange = onChange;
    this.pageSize = pageSize;
    this.maxBlocks = Math.max(2, maxBlocks);
  }

  /** Loads the first page and fixes the snapshot (count, top seq). */
  async start(): Promise<void> {
    const page = await this.fetch(null);
    if (this.disposed) return;
    const events = page.events;
    this.topSeq = events.length > 0 ? events[0].seq : 0;
    this.randomAccess = events.length > 0 && this.topSeq === page.total && isContiguous(events);
    this.count = events.length === 0 ? 0 : this.randomAccess ? this.topSeq : Math.max(page.total, events.length);
    this.store(0, page);
    this.started = true;
    this.onChange();
  }

  /** The event at row `index` (0 = newest), if its block is loaded. */
  get(index: number): EventDto | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const b = Math.floor(index / this.pageSize);
    const block = this.blocks.get(b);
    if (!block) return undefined;
    // refresh LRU position
    this.blocks.delete(b);
    this.blocks.set(b, block);
    return block[index - b * this.pageSize];
  }

  /** The seq row `index` holds (known without loading in random-access mode). */
  seqAt(index: number): number | null {
    const e = this.get(index);
    if (e) return e.seq;
    return this.randomAccess && index >= 0 && index < this.count ? this.topSeq - index : null;
  }

  /** The row showing `seq`, when it can be known. */
  indexOfSeq(seq: number): number | null {
    if (this.randomAccess) {
      const i = this.topSeq - seq;
      return i >= 0 && i < this.count ? i : null;
    }
    for (const [b, block] of this.blocks) {
      const k = block.findIndex((e) => e.seq === seq);
      if (k >= 0) return b * this.pageSize + k;
    }
    return null;
  }

  loadedBlocks(): number[] {
    return [...this.blocks.keys()].sort((a, b) => a - b);
  }

  /** Makes sure rows [from, to) get loaded; resolves when they are (or cannot be). */
  async ensureRange(from: number, to: number): Promise<void> {
    if (!this.started || this.disposed || this.count === 0) return;
    const first = Math.max(0, Math.floor(Math.max(0, from) / this.pageSize));
    const last = Math.floor((Math.min(to, this.count) - 1) / this.pageSize);
    const jobs: Promise<void>[] = [];
    for (let b = first; b <= last; b++) jobs.push(this.loadBlock(b));
    await Promise.all(jobs);
  }

  /** Stops all callbacks; answers still in flight are dropped. */
  dispose(): void {
    this.disposed = true;
    this.blocks.clear();
    this.nextBeforeOf.clear();
    this.pending.clear();
  }

  private beyondEnd(b: number): boolean {
    return (this.endBlock !== null && b > this.endBlock) || b * this.pageSize >= this.count;
  }

  private loadBlock(b: number): Promise<void> {
    if (this.disposed || this.beyondEnd(b) || this.blocks.has(b)) return Promise.resolve();
    const running = this.pending.get(b);
    if (running) return running;
    const job = (async () => {
      try {
        const before = await this.beforeFor(b);
        if (before === undefined || this.disposed) return; // unreachable: the list ended earlier
        const page = await this.fetch(before);
        if (this.disposed) return;
        this.store(b, page);
        this.lastError = null;
        this.onChange();
      } catch (e) {
        if (!this.disposed) {
          this.lastError = e;
          this.onChange();
        }
      } finally {
        this.pending.delete(b);
      }
    })();
    this.pending.set(b, job);
    return job;
  }

  /** `before` for block b, or undefined when no such block exists. */
  private async beforeFor(b: number): Promise<number | null | undefined> {
    if (b === 0) return null;
    if (this.randomAccess) return this.topSeq - b * this.pageSize + 1;
    if (!this.nextBeforeOf.has(b - 1)) {
      await this.loadBlock(b - 1);
      if (!this.nextBeforeOf.has(b - 1)) throw this.lastError ?? new Error('previous page missing');
    }
    const nb = this.nextBeforeOf.get(b - 1);
    return nb === null ? undefined : nb;
  }

  private async fetch(before: number | null): Promise<LedgerPage> {
    this.fetches += 1;
    return this.fetchPage(before, this.pageSize);
  }

  private store(b: number, page: LedgerPage): void {
    this.blocks.set(b, page.events);
    this.nextBeforeOf.set(b, page.nextBefore);
    if (page.nextBefore === null) {
      this.endBlock = b;
      const length = b * this.pageSize + page.events.length;
      if (length < this.count || !this.randomAccess) this.count = length;
    }
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }
}

function isContiguous(events: EventDto[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i].seq !== events[i - 1].seq - 1) return false;
  return true;
}
