import type { KV } from '../../kv/kv.js';

/**
 * The store's current revision for linearizable reads from a view, at the
 * cost of one quorum read per batch of concurrent callers rather than per
 * call. A caller may join a read only if that read has not started yet: a
 * read already in flight could have been served before the caller's
 * request began, and so miss a write that completed just before it.
 */
export class RevisionReader {
  readonly #kv: KV;
  #running: Promise<number> | undefined;
  #queued: Promise<number> | undefined;

  constructor(kv: KV) {
    this.#kv = kv;
  }

  /** A revision at least as new as every write that completed before this call. */
  current(): Promise<number> {
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    const queued = this.#running.then(noop, noop).then(() => {
      this.#queued = undefined;
      return this.#start();
    });
    this.#queued = queued;
    return queued;
  }

  #start(): Promise<number> {
    const running = this.#kv.revision();
    this.#running = running;
    const clear = () => {
      if (this.#running === running) this.#running = undefined;
    };
    running.then(clear, clear);
    return running;
  }
}

function noop(): void {}
