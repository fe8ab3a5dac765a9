import { DomainError } from '../../domain/errors.js';
import { compareAndSwap } from '../../kv/cas.js';
import type { Keyspace } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import type { Store } from '../store.js';

/** At most `max` attempts per `windowSeconds`. */
export interface Limit {
  max: number;
  windowSeconds: number;
}

const MAX_ATTEMPTS = 8;

/**
 * Fixed-window attempt counters kept in the store, so a limit holds across
 * every instance of the service (and every web instance in front of it).
 * A counter lives on a lease that outlives its window, so old windows
 * disappear without a sweeper. A fixed window lets a client spend up to
 * twice the limit around a window boundary; for login throttling that is
 * the accepted trade for one key per window instead of one per attempt.
 */
export class Throttle {
  readonly #kv: KV;
  readonly #keys: Keyspace;
  readonly #now: () => number;

  constructor({ kv, keys }: Store, now: () => number) {
    this.#kv = kv;
    this.#keys = keys;
    this.#now = now;
  }

  /**
   * Counts one attempt by `subject` under `rule`; throws `rate_limited`
   * (with the limit and when to retry) if the window already holds `max`.
   * Refused attempts are not counted, so a blocked client does not extend
   * its own block. Exact under concurrency: of N attempts at once, at most
   * the room left in the window pass.
   */
  async hit(rule: string, subject: string, limit: Limit, message: string): Promise<void> {
    await this.#add(rule, subject, limit, message);
  }

  /**
   * Throws `rate_limited` like `hit` if the window already holds `max`,
   * without counting anything; otherwise returns the window's count. For
   * limits on outcomes (failed logins) that are counted with `record` once
   * the outcome is known: attempts checked at the same moment may all pass
   * before any is recorded.
   */
  async check(rule: string, subject: string, limit: Limit, message: string): Promise<number> {
    const window = this.#window(limit);
    const entry = await this.#kv.get(this.#keys.throttle(rule, subject, window.start));
    const count = entry ? Number(entry.value) : 0;
    if (count >= limit.max) throw refusal(limit, window, message);
    return count;
  }

  /** Counts one event by `subject` under `rule`, whatever the count already is. */
  async record(rule: string, subject: string, limit: Limit): Promise<void> {
    await this.#add(rule, subject, limit, undefined);
  }

  /** Forgets the window's count of `subject` under `rule` (a success that ends a run of failures). */
  async clear(rule: string, subject: string, limit: Limit): Promise<void> {
    await this.#kv.delete(this.#keys.throttle(rule, subject, this.#window(limit).start));
  }

  #window(limit: Limit): Window {
    const nowSeconds = Math.floor(this.#now() / 1000);
    return { start: nowSeconds - (nowSeconds % limit.windowSeconds), nowSeconds };
  }

  /** Adds one to the window's counter; refuses with `message` at `max` when one is given. */
  async #add(rule: string, subject: string, limit: Limit, message: string | undefined): Promise<void> {
    const window = this.#window(limit);
    const key = this.#keys.throttle(rule, subject, window.start);
    const outcome = await compareAndSwap(this.#kv, {
      key,
      maxAttempts: MAX_ATTEMPTS,
      plan: async (entry) => {
        const count = entry ? Number(entry.value) : 0;
        if (message !== undefined && count >= limit.max) throw refusal(limit, window, message);
        const lease = entry ? entry.lease : await this.#kv.grantLease(limit.windowSeconds + 60);
        return {
          success: [{ type: 'put', key, value: String(count + 1), lease }],
          value: undefined,
          // A counter that may have been written keeps its lease; it expires on its own.
          release: async (outcome) => {
            if (!entry && outcome === 'conflict') await this.#kv.revokeLease(lease);
          },
        };
      },
    });
    if (outcome.status === 'written') return;
    throw new DomainError('unavailable', 'Too many attempts at once; try again.');
  }
}

interface Window {
  start: number;
  nowSeconds: number;
}

function refusal(limit: Limit, window: Window, message: string): DomainError {
  return new DomainError('rate_limited', message, {
    rateLimit: {
      limit: limit.max,
      windowSeconds: limit.windowSeconds,
      retryAfterSeconds: Math.max(1, window.start + limit.windowSeconds - window.nowSeconds),
    },
  });
}
