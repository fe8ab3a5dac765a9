import { setTimeout as sleep } from 'node:timers/promises';
import { type Family, KEY_CHARS, type Keyspace, keyspace } from '../../kv/keys.js';
import {
  type KV,
  type RangeOptions,
  type RangeResult,
  type Watch,
  type WatchBatch,
  WatchCompactedError,
  type WatchEvent,
} from '../../kv/kv.js';
import { scanPages } from '../../kv/scan.js';
import { readModelListing, trackReadModel } from '../../metrics/metrics.js';
import { limiter } from './concurrency.js';
import { View } from './view.js';
import { RELATION_FAMILIES } from './view-relations.js';
import type { ViewSnapshots } from './view-snapshot.js';

export interface ReadModelOptions {
  kv: KV;
  /** The layout of keys in the store; the default root unless given. */
  keys?: Keyspace;
  /** Keys per listing page. */
  pageSize?: number;
  /** Most keys left in a prefix that are read by paging; more are split (see #list). */
  sliceKeys?: number;
  /** How long a reader waits for the watch before writing a fence (see keys.fence). */
  fenceAfterMs?: number;
  /** How long a reader waits before giving up on the view (it then reads the store). */
  staleAfterMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Aborts a start still retrying its listing (a shutdown): start then rejects and the model is closed. */
  signal?: AbortSignal;
  /**
   * Where the view is saved on local disk: start loads it (when it belongs
   * to this store and its history since is still kept) instead of listing,
   * and the model saves it every snapshotEveryMs and on close.
   */
  snapshots?: ViewSnapshots;
  /** How often a changed view is saved to `snapshots`; only on close when absent. */
  snapshotEveryMs?: number;
}

/** The families the view holds, listed in this order so posts can share their author's username string. */
const LISTED: readonly Family[] = [
  'accounts',
  'following',
  'posts-by',
  'sessions',
  'replies',
  'tags',
  'favourites',
  'favourites-by',
  'reblogs',
  ...RELATION_FAMILIES,
];

/** Store reads a listing has in flight at once, however its slices nest. */
const LISTING_PARALLELISM = 8;
/** A listing page slower than this is logged with its prefix, attempt and time. */
const SLOW_PAGE_MS = 1_000;
/** A listing read spans up to a whole prefix (see #list), which on a big etcd takes seconds. */
const LISTING_TIMEOUT_MS = 30_000;
/**
 * A page's first try gets less: now and then a page's call is never
 * answered and waits out its whole deadline, several at once, with either
 * Range decoder (docs/performance.md, "A listing page that waits out its
 * deadline"). A page that is merely slow gets the full deadline on its
 * next try.
 */
const FIRST_TRY_MS = 8_000;
const pageDeadline = (attempt: number) => (attempt === 1 ? FIRST_TRY_MS : LISTING_TIMEOUT_MS);

interface Waiter {
  revision: number;
  resolve: (fresh: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Keeps a View equal to the store, the way the Kubernetes API server's
 * watch cache sits over etcd: list the prefixes, then watch everything
 * under the keyspace's root from a revision read before the listing began. Every Chorus
 * write lands under the root, so every revision the store reaches shows up as
 * a watch event, and "the view has applied revision R" is a plain number
 * comparison. A revision written outside the root (another tenant of the same
 * etcd) never arrives; a reader stuck on one writes keys.fence, whose
 * event carries the view past it.
 *
 * If the watch is cut off because the history it needs was compacted, the
 * model lists again into a fresh View and swaps it in once it has caught
 * up; readers meanwhile wait (or, past staleAfterMs, read the store).
 */
export class ReadModel {
  readonly #kv: KV;
  readonly #keys: Keyspace;
  readonly #pageSize: number;
  readonly #sliceKeys: number;
  readonly #fenceAfterMs: number;
  readonly #staleAfterMs: number;
  readonly #log: NonNullable<ReadModelOptions['log']>;
  #view: View;
  #applied = 0;
  /** The view equals the store only from this revision on (one read after the listing ended). */
  #consistentFrom = Number.POSITIVE_INFINITY;
  #watch: Watch | undefined;
  #waiters: Waiter[] = [];
  #fencing = false;
  #fenceTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #generation = 0;
  #untrack: () => void = () => {};
  readonly #listingSlot = limiter(LISTING_PARALLELISM);
  readonly #snapshots: ViewSnapshots | undefined;
  #snapshotTimer: NodeJS.Timeout | undefined;
  /** The save in progress (saves never overlap), or the last one. */
  #saving: Promise<void> = Promise.resolve();
  #savedRevision = 0;
  #storeIdentity: string | undefined;
  readonly #listeners = new Set<(events: readonly WatchEvent[]) => void>();

  private constructor(options: ReadModelOptions) {
    this.#kv = options.kv;
    this.#keys = options.keys ?? keyspace();
    this.#view = new View(this.#keys);
    // Pages of 5,000 rather than 2,000: at 1M posts this process spent about
    // a third less CPU receiving the listing (fewer calls), etcd as much as
    // before serving it (docs/performance.md, "a faster cold start and restart").
    this.#pageSize = options.pageSize ?? 5000;
    // Read in one or two pages; larger slices are split by their next character.
    this.#sliceKeys = options.sliceKeys ?? 10_000;
    this.#fenceAfterMs = options.fenceAfterMs ?? 25;
    this.#staleAfterMs = options.staleAfterMs ?? 2000;
    this.#log = options.log ?? (() => {});
    this.#snapshots = options.snapshots;
  }

  /** Lists the store and watches it; resolves once the view equals the store. */
  static async start(options: ReadModelOptions): Promise<ReadModel> {
    options.signal?.throwIfAborted();
    const model = new ReadModel(options);
    const started = Date.now();
    const abort = () => void model.close();
    options.signal?.addEventListener('abort', abort, { once: true });
    const from = options.snapshots && (await model.#resume(options.snapshots)) ? 'snapshot' : 'listing';
    if (model.#closed) throw new Error('the read model was closed while starting');
    // A store that is slow or briefly unreachable delays the start; it does not fail it.
    for (let delayMs = 100; from === 'listing'; delayMs = Math.min(delayMs * 2, 5000)) {
      try {
        await model.#build();
        break;
      } catch (error) {
        if (model.#closed) throw error;
        model.#log('listing failed: retrying', { error: (error as Error).message });
        await sleep(delayMs, undefined, { signal: options.signal });
      }
    }
    const consistent = await model.#whole();
    options.signal?.removeEventListener('abort', abort);
    if (!consistent) {
      throw new Error('the read model was closed while starting');
    }
    model.#untrack = trackReadModel({
      applied: () => model.#applied,
      storeRevision: () => model.#kv.revision().catch(() => undefined),
      viewSize: () => model.#view.stats(),
    });
    if (options.snapshots && options.snapshotEveryMs !== undefined) {
      model.#snapshotTimer = setInterval(() => void model.#save(), options.snapshotEveryMs);
      model.#snapshotTimer.unref();
    }
    model.#log('read model ready', { from, coldStartMs: Date.now() - started, revision: model.#applied, ...model.#view.stats() });
    return model;
  }

  /** The last store revision the view has applied: the store's revision minus this is the model's lag. */
  get applied(): number {
    return this.#applied;
  }

  /** The current view. Read it only after waitFor resolved true, and within the same turn of the event loop. */
  get view(): View {
    return this.#view;
  }

  /**
   * Resolves true once the view reflects the store at `revision` or later,
   * false if that takes longer than staleAfterMs (or the model closes).
   */
  waitFor(revision: number, timeoutMs = this.#staleAfterMs): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#caughtUp(revision)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        revision,
        resolve,
        timer: setTimeout(() => this.#settle(waiter, false), Math.min(timeoutMs, 2 ** 31 - 1)),
      };
      this.#waiters.push(waiter);
      this.#fenceTimer ??= setTimeout(() => {
        this.#fenceTimer = undefined;
        if (this.#waiters.length > 0) void this.#fence();
      }, this.#fenceAfterMs);
    });
  }

  /**
   * Calls `listener` with each batch of watch events once the view has
   * applied it (so a read in the listener sees them). Events the model
   * missed while listing again after a lost watch are not replayed.
   * Returns the removal of the listener; a throwing listener is removed.
   */
  listen(listener: (events: readonly WatchEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stops the watch, then saves the view (if the model has snapshots and
   * the view was whole): it no longer changes, so the snapshot is the
   * store at exactly `applied`.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.#saving;
    this.#closed = true;
    this.#untrack();
    this.#listeners.clear();
    clearTimeout(this.#fenceTimer);
    clearInterval(this.#snapshotTimer);
    for (const waiter of [...this.#waiters]) this.#settle(waiter, false);
    await this.#watch?.close();
    await this.#save(true);
  }

  /**
   * Saves the view if it is whole and changed since the last save. The
   * stamp is the revision applied when the save begins: events applied
   * while it writes may or may not be in the file, and a load applies
   * every event after the stamp again (see View.entries).
   */
  #save(closing = false): Promise<void> {
    const snapshots = this.#snapshots;
    if (!snapshots || (this.#closed && !closing)) return this.#saving;
    this.#saving = this.#saving.then(async () => {
      const revision = this.#applied;
      if (revision < this.#consistentFrom || revision === this.#savedRevision) return;
      const started = performance.now();
      try {
        this.#storeIdentity ??= await this.#kv.identity();
        const saved = await snapshots.save({ store: this.#storeIdentity, root: this.#keys.root, revision }, this.#view);
        this.#savedRevision = revision;
        this.#log('saved the view snapshot', { revision, ...saved, ms: Math.round(performance.now() - started) });
      } catch (error) {
        this.#log('saving the view snapshot failed', { error: (error as Error).message });
      }
    });
    return this.#saving;
  }

  /**
   * Loads the saved view and watches from its revision on; false (having
   * logged why) when there is none that fits this store, or the store
   * could not be asked, and the caller lists instead. Once watching, a
   * history compacted past the snapshot shows up as WatchCompactedError,
   * which lists again (#onError). Either way the view counts as whole only
   * from a revision read after the load, as after a listing.
   */
  async #resume(snapshots: ViewSnapshots): Promise<boolean> {
    const generation = ++this.#generation;
    const started = performance.now();
    try {
      const [store, storeRevision] = await Promise.all([this.#kv.identity(), this.#kv.revision()]);
      this.#storeIdentity = store;
      const view = new View(this.#keys);
      const result = await snapshots.load({ store, root: this.#keys.root, storeRevision }, view);
      if (!result.loaded) {
        this.#log('view snapshot not used: listing the store', { file: snapshots.file, reason: result.reason });
        return false;
      }
      view.endListing();
      const loadMs = Math.round(performance.now() - started);
      const caughtUpAt = await this.#kv.revision();
      if (this.#closed || generation !== this.#generation) return false;
      this.#view = view;
      this.#applied = result.revision;
      this.#savedRevision = result.revision;
      this.#consistentFrom = caughtUpAt;
      this.#watch = await this.#kv.watch({
        prefix: this.#keys.root,
        fromRevision: result.revision + 1,
        onBatch: (batch) => this.#onBatch(generation, batch),
        onError: (error) => this.#onError(generation, error),
      });
      this.#log('loaded the view snapshot', {
        revision: result.revision,
        entries: result.entries,
        bytes: result.bytes,
        loadMs,
        catchUpTo: caughtUpAt,
      });
      return true;
    } catch (error) {
      if (this.#closed) throw error;
      this.#log('view snapshot not used: listing the store', { error: (error as Error).message });
      this.#view = new View(this.#keys);
      this.#applied = 0;
      this.#consistentFrom = Number.POSITIVE_INFINITY;
      return false;
    }
  }

  /**
   * Resolves true once the view is whole (it has applied a revision read
   * after its listing or snapshot load), false if the model closes first.
   * The target moves: a watch cut off by compaction (a snapshot older than
   * the store's history) lists again and sets a new one, so it is read
   * anew each round rather than waited for once.
   */
  async #whole(): Promise<boolean> {
    while (!this.#closed) {
      const target = this.#consistentFrom;
      if (target === Number.POSITIVE_INFINITY) await sleep(50);
      else if (await this.waitFor(target, 1_000)) return true;
    }
    return false;
  }

  #caughtUp(revision: number): boolean {
    return this.#applied >= revision && this.#applied >= this.#consistentFrom;
  }

  #settle(waiter: Waiter, fresh: boolean): void {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return;
    this.#waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.resolve(fresh);
  }

  /** Lists into a new View and watches from the listing on; the new view replaces the old at once. */
  async #build(): Promise<void> {
    const generation = ++this.#generation;
    const view = new View(this.#keys);
    // Reads in slices happen at many revisions: the watch starts before the
    // first, and the view is whole once it has applied one after the last.
    const from = await this.#kv.revision();
    const listingMs: Record<string, number> = {};
    for (const family of LISTED) {
      const started = performance.now();
      await this.#list(view, this.#keys.family(family));
      listingMs[family] = Math.round(performance.now() - started);
    }
    view.endListing();
    readModelListing.observe(Object.values(listingMs).reduce((a, b) => a + b, 0) / 1000);
    this.#log('listed the store', { listingMs });
    const listedAt = await this.#kv.revision();
    if (this.#closed || generation !== this.#generation) return;
    await this.#watch?.close();
    this.#view = view;
    this.#applied = from;
    this.#consistentFrom = listedAt;
    this.#watch = await this.#kv.watch({
      prefix: this.#keys.root,
      fromRevision: from + 1,
      onBatch: (batch) => this.#onBatch(generation, batch),
      onError: (error) => this.#onError(generation, error),
    });
  }

  /**
   * Lists every key under `prefix` after `after` into the view. etcd 3.4
   * walks the whole rest of a range for every request, even one limited to
   * a page, so paging through one big prefix costs O(n²): a 1M-post store
   * never finished. The first page says how many keys are left (etcd
   * counts them anyway); a prefix with more than a slice's worth left is
   * split by the next character and its slices are listed in parallel, so
   * each key is walked a few times, not once per page.
   */
  async #list(view: View, prefix: string, after?: string): Promise<void> {
    const page = await this.#read(prefix, after);
    for (const item of page.items) view.applyListed(item);
    const last = page.items.at(-1)?.key;
    if (!page.more || last === undefined) return;
    const left = page.total === undefined ? 0 : page.total - page.items.length;
    if (left <= this.#sliceKeys) return this.#listPages(view, prefix, last);
    const slices = [...KEY_CHARS].map((c) => prefix + c).filter((slice) => last < slice || last.startsWith(slice));
    await Promise.all(slices.map((slice) => this.#list(view, slice, last.startsWith(slice) ? last : undefined)));
  }

  /** Pages through the keys under `prefix` after `after` into the view. */
  async #listPages(view: View, prefix: string, after: string): Promise<void> {
    const pages = scanPages({ range: (options) => this.#readPage(options) }, { prefix, after, pageSize: this.#pageSize, prefetch: true });
    for await (const page of pages) for (const item of page.items) view.applyListed(item);
  }

  #read(prefix: string, after: string | undefined): Promise<RangeResult> {
    return this.#readPage({ prefix, after, limit: this.#pageSize });
  }

  /**
   * Reads one listing page, repeating it if it fails: a listing makes
   * thousands of reads against a store that may be busy, and one timeout
   * should cost one more read, not a fresh start of the whole listing.
   */
  async #readPage(options: RangeOptions): Promise<RangeResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#listingSlot(() => this.#timedRead({ ...options, timeoutMs: pageDeadline(attempt) }, attempt));
      } catch (error) {
        if (attempt >= 5 || this.#closed) throw error;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  /**
   * A listing page normally answers in milliseconds; one that took a
   * second or failed is logged, so a start that is late says which read
   * made it so (docs/performance.md, "A listing page that waits out its
   * deadline"). Timed once it has its slot, not while it waits for one.
   */
  async #timedRead(options: RangeOptions, attempt: number): Promise<RangeResult> {
    const started = performance.now();
    const logIfSlow = (error?: Error) => {
      const ms = Math.round(performance.now() - started);
      if (ms < SLOW_PAGE_MS && !error) return;
      const fields = { prefix: options.prefix, after: options.after, attempt, ms, error: error?.message };
      this.#log(error ? 'listing page failed' : 'listing page was slow', fields);
    };
    try {
      const result = await this.#kv.range(options);
      logIfSlow();
      return result;
    } catch (error) {
      logIfSlow(error as Error);
      throw error;
    }
  }

  #onBatch(generation: number, batch: WatchBatch): void {
    if (generation !== this.#generation) return;
    for (const event of batch.events) this.#view.applyEvent(event);
    if (batch.events.length > 0) {
      for (const listener of this.#listeners) {
        try {
          listener(batch.events);
        } catch (error) {
          this.#listeners.delete(listener);
          this.#log('watch listener failed: removed', { error: (error as Error).message });
        }
      }
    }
    if (batch.revision <= this.#applied) return;
    this.#applied = batch.revision;
    if (this.#waiters.length === 0 || this.#applied < this.#consistentFrom) return;
    for (const waiter of this.#waiters.filter((w) => w.revision <= this.#applied)) this.#settle(waiter, true);
  }

  #onError(generation: number, error: Error): void {
    if (generation !== this.#generation || this.#closed) return;
    const compacted = error instanceof WatchCompactedError;
    this.#log(compacted ? 'watch history compacted: listing again' : 'watch failed: listing again', { error: error.message });
    this.#consistentFrom = Number.POSITIVE_INFINITY;
    const retry = (delayMs: number) => {
      this.#build().catch((buildError: Error) => {
        this.#log('listing failed: retrying', { error: buildError.message });
        if (!this.#closed) setTimeout(() => retry(Math.min(delayMs * 2, 5000)), delayMs).unref();
      });
    };
    retry(100);
  }

  /** One fence write at a time, shared by every reader waiting at that moment. */
  async #fence(): Promise<void> {
    if (this.#fencing || this.#closed) return;
    this.#fencing = true;
    try {
      await this.#kv.put(this.#keys.fence(), String(Date.now()));
    } catch (error) {
      this.#log('fence write failed', { error: (error as Error).message });
    } finally {
      this.#fencing = false;
    }
  }
}
