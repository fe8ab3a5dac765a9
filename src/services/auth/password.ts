import { randomBytes } from 'node:crypto';
import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

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
 * Hashes and verifies passwords with Argon2id. The work runs on libuv's
 * thread pool (the async API), so a login never blocks the event loop.
 */
export class PasswordHasher {
  readonly params: Readonly<PasswordHashingParams>;
  private dummy: Promise<string> | undefined;

  /** Production code passes nothing; tests may lower the cost to stay fast. */
  constructor(params: Partial<PasswordHashingParams> = {}) {
    this.params = Object.freeze({ ...OWASP_ARGON2ID, ...params });
  }

  /** A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh random salt. */
  hash(password: string): Promise<string> {
    return hash(password, { ...this.params, algorithm: Algorithm.Argon2id });
  }

  /** Whether the password matches; false (never a throw) for a malformed hash. */
  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      return false;
    }
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
