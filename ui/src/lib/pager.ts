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

/** Blocks of `pageSize` rows by block number, least recently used evicted beyond `max`. */
class BlockCache<T> {
  private blocks = new Map<number, T[]>(); // insertion order = LRU order
  constructor(
    private readonly pageSize: number,
    private readonly max: number,
  ) {}

  /** The row at `index`, if its block is held (the block becomes most recently used). */
  item(index: number): T | undefined {
    const b = Math.floor(index / this.pageSize);
    const block = this.blocks.get(b);
    if (!block) return undefined;
    this.blocks.delete(b);
    this.blocks.set(b, block);
    return block[index - b * this.pageSize];
  }

  put(b: number, rows: T[]): void {
    this.blocks.delete(b);
    this.blocks.set(b, rows);
    while (this.blocks.size > this.max) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }

  has(b: number): boolean {
    return this.blocks.has(b);
  }

  clear(): void {
    this.blocks.clear();
  }

  /** The first held row (lowest index) whose item passes `test`. */
  findIndex(test: (item: T) => boolean): number | null {
    let best: number | null = null;
    for (const [b, block] of this.blocks) {
      const k = block.findIndex(test);
      if (k >= 0 && (best === null || b * this.pageSize + k < best)) best = b * this.pageSize + k;
    }
    return best;
  }

  held(): number[] {
    return [...this.blocks.keys()].sort((a, b) => a - b);
  }
}

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
  private blocks: BlockCache<EventDto>;
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
    this.blocks = new BlockCache(this.pageSize, this.maxBlocks);
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
    return this.blocks.item(index);
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
    return this.blocks.findIndex((e) => e.seq === seq);
  }

  loadedBlocks(): number[] {
    return this.blocks.held();
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
    this.blocks.put(b, page.events);
    this.nextBeforeOf.set(b, page.nextBefore);
    if (page.nextBefore === null) {
      this.endBlock = b;
      const length = b * this.pageSize + page.events.length;
      if (length < this.count || !this.randomAccess) this.count = length;
    }
  }
}

function isContiguous(events: EventDto[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i].seq !== events[i - 1].seq - 1) return false;
  return true;
}

// ---- keyset paging over opaque cursors ----------------------------------------------
//
// The consent register pages by a cursor (the last row's time and id), not by
// a contiguous number, so block b's cursor is only known once block b-1 was
// read. The pager walks forward in requests of up to `MAX_FETCH` rows (the
// shell's cap) and remembers every block's cursor (a few bytes each), so a
// block that fell out of the cache is fetched again with one request. How
// many rows there are is known only when the source says so (`total`, e.g.
// the unfiltered register); otherwise the list grows a page at a time as the
// user scrolls towards its end.

export type KeysetPage<T, K> = {
  items: T[];
  /** The cursor after the last item; null when there is nothing after it. */
  next: K | null;
  /** How many items the whole list has, when known exactly. */
  total: number | null;
};

export type FetchKeyset<T, K> = (after: K | null, limit: number) => Promise<KeysetPage<T, K>>;

/** The most rows one request may ask for (the shell clamps `limit` to this). */
export const MAX_FETCH = 1000;

export class KeysetPager<T, K> {
  readonly pageSize: number;
  readonly maxBlocks: number;
  /** Rows the list shows: the exact total, or the rows walked so far plus one page while more may follow. */
  count = 0;
  /** The exact number of rows, when the source knows it. */
  total: number | null = null;
  /** The end of the list has been reached. */
  ended = false;
  started = false;
  lastError: unknown = null;
  /** Number of fetches made, for tests and diagnostics. */
  fetches = 0;

  private readonly fetchPage: FetchKeyset<T, K>;
  private readonly cursorOf: (item: T) => K;
  private readonly onChange: () => void;
  private blocks: BlockCache<T>;
  /** `after[b]` is the cursor that fetches block b (block 0 needs none). */
  private after: Array<K | null> = [null];
  /** Rows known from the top without a gap (every block before `after.length - 1` is full). */
  private walked = 0;
  private pending = new Map<number, Promise<void>>();
  private walking: Promise<void> | null = null;
  private walkTarget = 0;
  private disposed = false;

  constructor(
    fetchPage: FetchKeyset<T, K>,
    cursorOf: (item: T) => K,
    onChange: () => void = () => {},
    pageSize = PAGE_SIZE,
    maxBlocks = MAX_CACHED_BLOCKS,
  ) {
    this.fetchPage = fetchPage;
    this.cursorOf = cursorOf;
    this.onChange = onChange;
    this.pageSize = Math.max(1, Math.min(pageSize, MAX_FETCH));
    this.maxBlocks = Math.max(2, maxBlocks);
    this.blocks = new BlockCache(this.pageSize, this.maxBlocks);
  }

  /** Loads the first page. */
  async start(): Promise<void> {
    const page = await this.fetch(null, this.pageSize);
    if (this.disposed) return;
    this.total = page.total;
    this.take(0, page, this.pageSize);
    this.started = true;
    this.onChange();
  }

  /** The item at row `index` (0 = newest), if its block is loaded. */
  get(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.blocks.item(index);
  }

  /** Rows read from the top so far (the list has at least this many). */
  get loaded(): number {
    return this.walked;
  }

  /** The first loaded row whose item passes `test`, or null. */
  findIndex(test: (item: T) => boolean): number | null {
    return this.blocks.findIndex(test);
  }

  loadedBlocks(): number[] {
    return this.blocks.held();
  }

  /** Makes sure rows [from, to) get loaded; resolves when they are (or cannot be). */
  async ensureRange(from: number, to: number): Promise<void> {
    if (!this.started || this.disposed || this.count === 0) return;
    const first = Math.floor(Math.max(0, from) / this.pageSize);
    const last = Math.floor((Math.max(from + 1, Math.min(to, this.count)) - 1) / this.pageSize);
    const jobs: Promise<void>[] = [];
    const frontier = this.after.length - 1; // the first block whose cursor is known but not walked past
    if (last >= frontier && !this.ended) {
      // Blocks beyond the walked part: walk to the last one asked for (a newer
      // request replaces the target, so scrolling back stops a long walk).
      this.walkTarget = last;
      jobs.push(this.walk());
    }
    // The frontier block itself is read by the walk, unless the list ended there.
    const loadable = this.ended ? frontier : frontier - 1;
    for (let b = first; b <= Math.min(last, loadable); b++) jobs.push(this.loadBlock(b));
    await Promise.all(jobs);
  }

  /** Stops all callbacks; answers still in flight are dropped. */
  dispose(): void {
    this.disposed = true;
    this.blocks.clear();
    this.pending.clear();
  }

  private walk(): Promise<void> {
    if (this.walking) return this.walking;
    const job = (async () => {
      try {
        while (!this.disposed && !this.ended && this.after.length - 1 <= this.walkTarget) {
          const b = this.after.length - 1;
          const wanted = (this.walkTarget - b + 1) * this.pageSize;
          const limit = Math.max(this.pageSize, Math.min(MAX_FETCH - (MAX_FETCH % this.pageSize), wanted));
          const page = await this.fetch(this.after[b], limit);
          if (this.disposed) return;
          this.take(b, page, limit);
          this.lastError = null;
          this.onChange();
        }
      } catch (e) {
        if (!this.disposed) {
          this.lastError = e;
          this.onChange();
        }
      } finally {
        this.walking = null;
      }
    })();
    this.walking = job;
    return job;
  }

  private loadBlock(b: number): Promise<void> {
    if (this.disposed || this.blocks.has(b) || b >= this.after.length) return Promise.resolve();
    if (this.ended && b * this.pageSize >= this.count) return Promise.resolve();
    const running = this.pending.get(b);
    if (running) return running;
    const job = (async () => {
      try {
        const page = await this.fetch(this.after[b], this.pageSize);
        if (this.disposed) return;
        this.store(b, page.items);
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

  /** Stores the rows of a page that starts at block `b` and learns the cursors it implies. */
  private take(b: number, page: KeysetPage<T, K>, limit: number): void {
    const items = page.items;
    const blocks = Math.ceil(items.length / this.pageSize);
    for (let k = 0; k < blocks; k++) {
      const rows = items.slice(k * this.pageSize, (k + 1) * this.pageSize);
      this.store(b + k, rows);
      if (rows.length === this.pageSize && this.after.length === b + k + 1) {
        const isLast = k === blocks - 1;
        this.after.push(isLast && page.next !== null ? page.next : this.cursorOf(rows[rows.length - 1]));
      }
    }
    this.walked = Math.max(this.walked, b * this.pageSize + items.length);
    if (page.next === null || items.length < limit) {
      this.ended = true;
      // A full last block leaves a cursor for a block that does not exist.
      const lastBlock = Math.floor(Math.max(0, this.walked - 1) / this.pageSize);
      if (this.after.length - 1 > lastBlock) this.after.length = lastBlock + 1;
    }
    this.recount();
  }

  private recount(): void {
    if (this.ended) this.count = this.walked;
    else if (this.total !== null && this.total >= this.walked) this.count = this.total;
    else this.count = this.walked + this.pageSize;
  }

  private async fetch(after: K | null, limit: number): Promise<KeysetPage<T, K>> {
    this.fetches += 1;
    return this.fetchPage(after, limit);
  }

  private store(b: number, rows: T[]): void {
    if (rows.length > 0) this.blocks.put(b, rows);
  }
}
