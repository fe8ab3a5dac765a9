/**
 * Optimistic concurrency over the KV interface: read, decide, write in a
 * txn that holds only if nothing changed meanwhile, and try again on a
 * conflict, a bounded number of times.
 *
 * A txn that throws is never retried here: its outcome may be unknown
 * (`unavailable` means "may have happened", see kv.ts), and a retry could
 * apply it twice or report a false conflict. The error propagates.
 */
import type { Compare, KeyValue, KV, Op, TxnResult } from './kv.js';

/** Returned by an attempt whose write lost to a concurrent one, to ask for another attempt. */
export const CONFLICT: unique symbol = Symbol('conflict');
export type Conflict = typeof CONFLICT;

export type RetryResult<T> =
  | { status: 'done'; value: T; attempts: number }
  /** Every attempt returned CONFLICT. */
  | { status: 'exhausted'; attempts: number };

/**
 * Calls `attempt(1)`, `attempt(2)`, … until one returns something other
 * than CONFLICT, at most `maxAttempts` times. An attempt that throws ends
 * the loop with its error.
 */
export async function retryOnConflict<T>(
  maxAttempts: number,
  attempt: (attempt: number) => Promise<T | Conflict>,
): Promise<RetryResult<T>> {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  for (let n = 1; n <= maxAttempts; n++) {
    const value = await attempt(n);
    if (value !== CONFLICT) return { status: 'done', value, attempts: n };
  }
  return { status: 'exhausted', attempts: maxAttempts };
}

/** What one attempt of compareAndSwap writes, decided from the key's current state. */
export interface CasWrite<T> {
  /** Further conditions besides "the key is as it was read" (e.g. a session still exists). */
  compare?: Compare[];
  /** The txn's operations when every condition holds; up to the txn limit of kv.ts. */
  success: Op[];
  /** What compareAndSwap returns once this write has applied. */
  value: T;
  /**
   * Undoes side effects of preparing this write (a lease granted for it)
   * when the write did not apply: `conflict` when a condition failed,
   * `unknown` when the txn threw and may or may not have applied. After
   * `unknown` the txn's error is what propagates; the release's is dropped.
   */
  release?: (outcome: 'conflict' | 'unknown') => Promise<void>;
}

export interface CasOptions<T> {
  /** The key whose state the write depends on. */
  key: string;
  /**
   * Decides the write from the key's current entry (undefined when absent),
   * read fresh for every attempt. May read more and may throw, e.g. a
   * DomainError when the state forbids the change; that ends the loop.
   */
  plan: (current: KeyValue | undefined, attempt: number) => Promise<CasWrite<T>>;
  /** Attempts before giving up under contention; 5 by default. */
  maxAttempts?: number;
}

export type CasResult<T> =
  | { status: 'written'; value: T; revision: number; attempts: number }
  /** Every attempt lost to a concurrent write; the caller says what that means (busy, taken, …). */
  | { status: 'exhausted'; attempts: number };

export const DEFAULT_CAS_ATTEMPTS = 5;

/**
 * Reads `key`, asks `plan` for a write, and runs it in one txn guarded by
 * the key's modRevision (or, for an absent key, by its absence) plus the
 * plan's own compares; on a conflict, reads again and repeats. Linearizable:
 * a `written` result means no other write to `key` came between the read
 * the plan saw and the write. Throws whatever `plan` or the KV throws.
 */
export async function compareAndSwap<T>(kv: KV, options: CasOptions<T>): Promise<CasResult<T>> {
  const { key, plan } = options;
  const result = await retryOnConflict(options.maxAttempts ?? DEFAULT_CAS_ATTEMPTS, async (attempt) => {
    const current = await kv.get(key);
    const write = await plan(current, attempt);
    const unchanged: Compare = current
      ? { key, target: 'modRevision', op: '==', value: current.modRevision }
      : { key, target: 'version', op: '==', value: 0 };
    let applied: TxnResult;
    try {
      applied = await kv.txn({ compare: [unchanged, ...(write.compare ?? [])], success: write.success });
    } catch (error) {
      await write.release?.('unknown').catch(() => undefined);
      throw error;
    }
    if (applied.succeeded) return { value: write.value, revision: applied.revision };
    await write.release?.('conflict');
    return CONFLICT;
  });
  if (result.status === 'exhausted') return result;
  return { status: 'written', value: result.value.value, revision: result.value.revision, attempts: result.attempts };
}
