import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { DomainError } from '../../domain/errors.js';
import { WorkQueue, type WorkQueueLimits } from './work-queue.js';

/** Argon2id cost parameters; memoryCost in KiB. */
export interface PasswordHashingParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's recommended Argon2id configuration (19 MiB, 2 passes, 1 lane). */
export const OWASP_ARGON2ID: Readonly<PasswordHashingParams> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * How many hashes run at once: one core's worth is left to the event loop
 * (and at most 2 of libuv's 4 threads are taken; see PasswordHasher).
 */
export const DEFAULT_HASHING_LIMITS: Readonly<WorkQueueLimits> = Object.freeze({
  concurrency: Math.max(1, Math.min(2, availableParallelism() - 1)),
  maxWaitMs: 2000,
});

/** A first guess at one hash's time with OWASP's parameters, until real ones are measured. */
const EXPECTED_HASH_MS = 50;

/**
 * Hashes and verifies passwords with Argon2id. The work runs on libuv's
 * thread pool (the async API), so a login never blocks the event loop.
 * That pool (4 threads unless UV_THREADPOOL_SIZE says otherwise) also
 * reads files and resolves names: with every thread hashing, a burst of
 * sign-ups kept static files waiting for seconds. So at most
 * `limits.concurrency` hashes run at once, and a hash that would wait in
 * line longer than `limits.maxWaitMs` is refused with `rate_limited` and
 * a Retry-After instead (the caller sees 429).
 */
export class PasswordHasher {
  readonly params: Readonly<PasswordHashingParams>;
  readonly #queue: WorkQueue;
  private dummy: Promise<string> | undefined;

  /** Production code passes no params (tests may lower the cost to stay fast), and limits from its config. */
  constructor(params: Partial<PasswordHashingParams> = {}, limits: WorkQueueLimits = DEFAULT_HASHING_LIMITS) {
    this.params = Object.freeze({ ...OWASP_ARGON2ID, ...params });
    const busy = (retryAfterSeconds: number) =>
      new DomainError('rate_limited', 'Too many sign-ups and log-ins at this moment; try again in a few seconds.', {
        rateLimit: { limit: limits.concurrency, windowSeconds: retryAfterSeconds, retryAfterSeconds },
      });
    this.#queue = new WorkQueue(limits, busy, EXPECTED_HASH_MS);
  }

  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh random salt. Throws `rate_limited` when busy. */
  hash(password: string): Promise<string> {
    return this.#queue.run(() => hash(password, { ...this.params, algorithm: Algorithm.Argon2id }));
  }

  /** Whether the password matches; false (never a throw) for a malformed hash. Throws `rate_limited` when busy. */
  verify(phc: string, password: string): Promise<boolean> {
    return this.#queue.run(async () => {
      try {
        return await verify(phc, password);
      } catch {
        return false;
      }
    });
  }

  /**
   * Spends the same time as verifying a real password, then returns false:
   * a login for an unknown user must not answer faster than a wrong
   * password for a known one, or timing would reveal who has an account.
   */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummyHash(), password);
    return false;
  }

  /**
   * Computes the dummy hash ahead of the first unknown-user login, which
   * would otherwise pay for hashing it too and so answer measurably slower.
   */
  prepare(): void {
    this.dummyHash().catch(() => {
      // Retried at the first verifyDummy.
      this.dummy = undefined;
    });
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(32).toString('base64url'));
    return this.dummy;
  }

  /** True when the hash was made with another algorithm or weaker/different parameters than ours. */
  needsRehash(phc: string): boolean {
    try {
      const used = parseOptions(phc);
      return (
        used.algorithm !== Algorithm.Argon2id ||
        used.memoryCost !== this.params.memoryCost ||
        used.timeCost !== this.params.timeCost ||
        used.parallelism !== this.params.parallelism
      );
    } catch {
      return true;
    }
  }
}
