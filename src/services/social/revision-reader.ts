import type { KV } from '../../kv/kv.js';

interface Batch {
  promise: Promise<number>;
  resolve: (revision: number) => void;
  reject: (error: unknown) => void;
}

/** A read of the store's revision that has started: when (before it was sent), and its answer. */
interface Read {
  startedAt: number;
  promise: Promise<number>;
}

export interface RevisionReaderOptions {
  /** Reads in flight at once (see the class comment). */
  maxInFlight?: number;
  /**
   * How long before a `recent` call the read serving it may have started
   * (CHORUS_READ_INDEX_AGE_MS); 0 makes `recent` the same as `current`.
   * Sound only when every write is acknowledged this long after its commit
   * (kv/commit-wait-kv.ts).
   */
  maxAgeMs?: number;
  /** Monotonic milliseconds (performance.now); injectable for tests. Only its rate matters. */
  clock?: () => number;
  /**
   * A time on `clock` at or before which no read may serve `recent`: the
   * end of the newest read this instance answered from the store itself,
   * so that a later read from the view is not older than it.
   */
  floor?: () => number;
}

/**
 * The store's current revision for reads from a view, at the cost of one
 * quorum read per batch of concurrent callers rather than per call.
 *
 * `current` is linearizable: callers gather into a batch until its read
 * starts; a caller may never join a read already in flight, since that
 * read may have been served before the caller's request began and so
 * miss a write that completed just before it.
 *
 * `recent` may be served by a read that started up to `maxAgeMs` before
 * the call, in flight or done; only when none did does it wait for a new
 * one. Every write is acknowledged `maxAgeMs` after the store confirmed it
 * (commit-wait), so a write acknowledged before the call was committed
 * before any read that started less than `maxAgeMs` before the call: the
 * revision still covers it. Under load a finished read that young is
 * nearly always there, so a call waits for nothing but the view. To keep
 * one there, a call that finds the newest read older than half the age
 * starts the next one (one read per half age at most, not per batch).
 *
 * Up to `maxInFlight` reads overlap. With one, every batch waited for the
 * previous read to come back before its own could start, so a request
 * paid up to two round trips; measured on a loaded 3-member cluster that
 * halved feed throughput. A few overlapping reads keep the wait near one
 * round trip while etcd still sees one read per batch, not per request.
 */
export class RevisionReader {
  readonly #kv: KV;
  readonly #maxInFlight: number;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;
  readonly #floor: () => number;
  /** Reads in flight, oldest first. */
  readonly #flying: Read[] = [];
  /** The newest-started read that has answered, and its answer. */
  #done: { startedAt: number; revision: number } | undefined;
  #next: Batch | undefined;
  #scheduled = false;

  constructor(kv: KV, options: RevisionReaderOptions = {}) {
    this.#kv = kv;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#maxAgeMs = options.maxAgeMs ?? 0;
    this.#clock = options.clock ?? (() => performance.now());
    this.#floor = options.floor ?? (() => Number.NEGATIVE_INFINITY);
  }

  /** A revision at least as new as every write that completed before this call. */
  current(): Promise<number> {
    if (!this.#next) {
      let resolve!: (revision: number) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<number>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#next = { promise, resolve, reject };
      this.#schedule();
    }
    return this.#next.promise;
  }

  /**
   * A revision at least as new as every write acknowledged (commit-waited)
   * before this call, from a read that started less than `maxAgeMs` before
   * it and after the floor.
   */
  recent(): Promise<number> {
    if (this.#maxAgeMs <= 0) return this.current();
    const now = this.#clock();
    const after = Math.max(now - this.#maxAgeMs, this.#floor());
    const done = this.#done;
    const flying = this.#flying.at(-1);
    const newest = Math.max(done?.startedAt ?? Number.NEGATIVE_INFINITY, flying?.startedAt ?? Number.NEGATIVE_INFINITY);
    if (newest <= now - this.#maxAgeMs / 2 && !this.#next) {
      // Refreshes ahead of need; its callers, if any, are the ones below.
      this.current().catch(() => {});
    }
    if (done && done.startedAt > after) return Promise.resolve(done.revision);
    if (flying && flying.startedAt > after) return flying.promise;
    return this.current();
  }

  /** Starts the waiting batch's read at the end of this turn, so the turn's callers share it. */
  #schedule(): void {
    if (this.#scheduled || this.#flying.length >= this.#maxInFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const batch = this.#next;
      if (!batch) return;
      this.#next = undefined;
      // Stamped before the call is sent: the read reflects every write committed before this moment.
      const read: Read = { startedAt: this.#clock(), promise: batch.promise };
      this.#flying.push(read);
      this.#kv
        .revision()
        .then((revision) => {
          if (!this.#done || read.startedAt > this.#done.startedAt) this.#done = { startedAt: read.startedAt, revision };
          batch.resolve(revision);
        }, batch.reject)
        .finally(() => {
          this.#flying.splice(this.#flying.indexOf(read), 1);
          if (this.#next) this.#schedule();
        });
    });
  }
}
