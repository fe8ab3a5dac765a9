import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreStatus } from '../domain/status.js';
import type { KeyValue, KV, LeaseId, RangeOptions, RangeResult, TxnRequest, TxnResult, Watch, WatchOptions } from './kv.js';

/**
 * A KV whose writes return `waitMs` after the store confirmed them
 * (commit-wait), so that a read index of bounded age is enough for a
 * read to see every acknowledged write (services/social/revision-reader.ts
 * `recent`): a write acknowledged before a read arrived was confirmed
 * `waitMs` before that, so before any quorum read that started less than
 * `waitMs` before the read arrived. The wait is measured on this process's
 * monotonic clock and the read's age on the reader's: only their rates
 * must agree, not their settings.
 *
 * Waits: every put, delete, deletePrefix and lease revocation, and every
 * txn with a put or a delete in either branch, whether or not its compares
 * held (a failed compare may acknowledge an earlier attempt's write, as an
 * idempotent retry does). Reads, read-only txns, lease grants and
 * keep-alives do not wait. A write that fails is not acknowledged and
 * does not wait.
 */
export class CommitWaitKV implements KV {
  readonly #inner: KV;
  readonly #waitMs: number;
  readonly #clock: () => number;

  constructor(inner: KV, waitMs: number, clock: () => number = () => performance.now()) {
    this.#inner = inner;
    this.#waitMs = waitMs;
    this.#clock = clock;
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#inner.get(key);
  }

  range(options: RangeOptions): Promise<RangeResult> {
    return this.#inner.range(options);
  }

  count(prefix: string): Promise<number> {
    return this.#inner.count(prefix);
  }

  txn(request: TxnRequest): Promise<TxnResult> {
    const writes = [...request.success, ...(request.failure ?? [])].some((op) => op.type !== 'get');
    return writes ? this.#acknowledged(this.#inner.txn(request)) : this.#inner.txn(request);
  }

  put(key: string, value: string, lease?: LeaseId): Promise<number> {
    return this.#acknowledged(this.#inner.put(key, value, lease));
  }

  delete(key: string): Promise<number> {
    return this.#acknowledged(this.#inner.delete(key));
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.#acknowledged(this.#inner.deletePrefix(prefix));
  }

  watch(options: WatchOptions): Promise<Watch> {
    return this.#inner.watch(options);
  }

  grantLease(ttlSeconds: number): Promise<LeaseId> {
    return this.#inner.grantLease(ttlSeconds);
  }

  revokeLease(id: LeaseId): Promise<void> {
    return this.#acknowledged(this.#inner.revokeLease(id));
  }

  keepAlive(id: LeaseId): Promise<void> {
    return this.#inner.keepAlive(id);
  }

  revision(): Promise<number> {
    return this.#inner.revision();
  }

  identity(): Promise<string> {
    return this.#inner.identity();
  }

  status(): Promise<StoreStatus> {
    return this.#inner.status();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** The write's answer, `waitMs` after it came: timers may fire early by the loop's cached time, so the clock decides. */
  async #acknowledged<T>(write: Promise<T>): Promise<T> {
    const answer = await write;
    const confirmed = this.#clock();
    for (let left = this.#waitMs; left > 0; left = this.#waitMs - (this.#clock() - confirmed)) await sleep(Math.ceil(left));
    return answer;
  }
}
