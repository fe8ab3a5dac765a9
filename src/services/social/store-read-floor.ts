import type { KV } from '../../kv/kv.js';

/**
 * When the newest read this instance answered from the store itself (not
 * from the view) ended, on the monotonic clock. The store is at least as
 * new as the view, so a read from the view that follows such a read must
 * wait for a read index started after it: RevisionReader's `floor`. That
 * keeps the reads of one instance from going back while a read index of
 * bounded age serves most of them.
 */
export class StoreReadFloor {
  #at = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  get at(): number {
    return this.#at;
  }

  /** `kv` with every read (get, range, count, txn) moving the floor to its end; writes are left alone (commit-wait covers them). */
  reading(kv: KV): KV {
    const ended = <T>(read: Promise<T>) =>
      read.finally(() => {
        this.#at = Math.max(this.#at, this.clock());
      });
    return {
      get: (key) => ended(kv.get(key)),
      range: (options) => ended(kv.range(options)),
      count: (prefix) => ended(kv.count(prefix)),
      txn: (request) => ended(kv.txn(request)),
      put: (key, value, lease) => kv.put(key, value, lease),
      delete: (key) => kv.delete(key),
      deletePrefix: (prefix) => kv.deletePrefix(prefix),
      watch: (options) => kv.watch(options),
      grantLease: (ttlSeconds) => kv.grantLease(ttlSeconds),
      revokeLease: (id) => kv.revokeLease(id),
      keepAlive: (id) => kv.keepAlive(id),
      revision: () => kv.revision(),
      identity: () => kv.identity(),
      status: () => kv.status(),
      close: () => kv.close(),
    };
  }
}
