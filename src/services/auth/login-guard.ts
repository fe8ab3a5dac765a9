import type { Limit, Throttle } from './throttle.js';

/**
 * The limits on logging in, after OWASP's advice against brute force
 * without lock-out (Authentication Cheat Sheet, "Account lockout"):
 *
 * - `perAddress`: every attempt from one client address, whatever the
 *   account (a flood from one place);
 * - `perAccountAddress`: failed attempts at one account from one address,
 *   so a guesser at one address is stopped at that account without
 *   touching its owner anywhere else;
 * - `perAccount`: failed attempts at one account from everywhere, far
 *   higher, so only a guess spread over many addresses reaches it; before
 *   it does, every attempt at the account waits a delay that grows with
 *   the failures (see loginDelayMs), which slows a spread guess without
 *   refusing the owner.
 *
 * An absent limit is off.
 */
export interface LoginLimits {
  perAddress?: Limit;
  perAccountAddress?: Limit;
  perAccount?: Limit;
}

const TOO_MANY_LOGINS = 'Too many login attempts; wait a few minutes and try again.';
const TOO_MANY_FAILURES = 'Too many failed logins for this account from here; wait a few minutes and try again.';

/** Failures at an account (from anywhere) before its attempts are delayed, when perAccountAddress is off. */
const DEFAULT_DELAY_AFTER = 10;
const DELAY_BASE_MS = 250;
/** Well under the web tier's gRPC deadline (5 s by default), so a delayed attempt is answered, not timed out. */
export const DELAY_MAX_MS = 2000;

/**
 * How long an attempt at an account waits, given the failures at it in
 * the current window: nothing until more have failed than one address may
 * fail (`after`), then 250 ms doubling with each further failure, to 2 s.
 */
export function loginDelayMs(failures: number, after: number): number {
  if (failures < after) return 0;
  return Math.min(DELAY_MAX_MS, DELAY_BASE_MS * 2 ** Math.min(16, failures - after));
}

/**
 * Applies LoginLimits around one login: `admit` before any password work,
 * then `failed` or `succeeded` once the password has been checked.
 * Failures are counted for a username whether or not it has an account,
 * so the limits reveal nothing about who is signed up.
 */
export class LoginGuard {
  readonly #throttle: Throttle;
  readonly #limits: LoginLimits;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(throttle: Throttle, limits: LoginLimits, sleep: (ms: number) => Promise<void>) {
    this.#throttle = throttle;
    this.#limits = limits;
    this.#sleep = sleep;
  }

  /**
   * Counts the attempt against the address, refuses (`rate_limited`) an
   * address or account pair at its limit, then waits the account's delay.
   * `name` is undefined for a username that cannot exist; `clientIp` for
   * a caller that did not say (then only the account's limits apply).
   */
  async admit(name: string | undefined, clientIp: string | undefined): Promise<void> {
    const { perAddress, perAccountAddress, perAccount } = this.#limits;
    if (clientIp && perAddress) await this.#throttle.hit('login-ip', clientIp, perAddress, TOO_MANY_LOGINS);
    if (name === undefined) return;
    if (clientIp && perAccountAddress) {
      await this.#throttle.check('login-fail-pair', pair(name, clientIp), perAccountAddress, TOO_MANY_FAILURES);
    }
    if (perAccount) {
      const failures = await this.#throttle.check('login-fail-account', name, perAccount, TOO_MANY_LOGINS);
      const delay = loginDelayMs(failures, perAccountAddress?.max ?? DEFAULT_DELAY_AFTER);
      if (delay > 0) await this.#sleep(delay);
    }
  }

  /** Counts a wrong password (or an unknown account) against the pair and the account. */
  async failed(name: string | undefined, clientIp: string | undefined): Promise<void> {
    const { perAccountAddress, perAccount } = this.#limits;
    if (name === undefined) return;
    await Promise.all([
      clientIp && perAccountAddress ? this.#throttle.record('login-fail-pair', pair(name, clientIp), perAccountAddress) : undefined,
      perAccount ? this.#throttle.record('login-fail-account', name, perAccount) : undefined,
    ]);
  }

  /**
   * The right password ends the pair's run of failures, so the owner's
   * earlier typos do not count against their next ones. The account's
   * count stays: a guess from elsewhere is still going on.
   */
  async succeeded(name: string, clientIp: string | undefined): Promise<void> {
    const { perAccountAddress } = this.#limits;
    if (!clientIp || !perAccountAddress) return;
    try {
      await this.#throttle.clear('login-fail-pair', pair(name, clientIp), perAccountAddress);
    } catch {
      // The count expires with its window; the login itself has succeeded.
    }
  }
}

const pair = (name: string, clientIp: string) => `${name} ${clientIp}`;
