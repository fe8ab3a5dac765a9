import type { Account } from '../../domain/account.js';
import { PASSWORD_MAX, parsePassword, parseUsername } from '../../domain/account.js';
import type { Auth, Session } from '../../domain/auth.js';
import { DomainError, toDomainError } from '../../domain/errors.js';
import { keys, lastSegment } from '../../kv/keys.js';
import type { Compare, KeyValue, KV, LeaseId, Op } from '../../kv/kv.js';
import type { PasswordHashingParams } from './password.js';
import { PasswordHasher } from './password.js';
import type { StoredAccount, StoredSession, StoredUserSession } from '../../kv/records.js';
import { parseAccount, parseSession, parseUserSession } from '../../kv/records.js';
import { type Limit, Throttle } from './throttle.js';
import { hashToken, isTokenShape, newToken } from '../tokens.js';

export const DEFAULT_SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface AuthServiceOptions {
  kv: KV;
  /** Milliseconds since the epoch, for createdAtMs fields; injectable for tests. */
  now?: () => number;
  /** A session's lifetime; it is not renewed by use. */
  sessionTtlSeconds?: number;
  /** Argon2id costs; production passes nothing (OWASP parameters), tests lower them. */
  passwordHashing?: Partial<PasswordHashingParams>;
  /** Attempt limits shared by every instance; an absent limit is off. */
  limits?: AuthLimits;
}

export interface AuthLimits {
  signUpPerIp?: Limit;
  logInPerIp?: Limit;
  logInPerAccount?: Limit;
}

const WRONG_CREDENTIALS = 'Wrong username or password.';
const TOO_MANY_LOGINS = 'Too many login attempts; wait a few minutes and try again.';
const TOO_MANY_SIGNUPS = 'Too many sign-ups from this address; try again later.';
/** Compare-and-swap retries before giving up on an account under heavy concurrent change. */
const MAX_ATTEMPTS = 5;
const SESSION_PAGE = 256;
const REVOKE_PARALLELISM = 16;

const unauthenticated = (message = 'Log in first.', field?: string) =>
  new DomainError('unauthenticated', message, { field });
const usernameTaken = () => new DomainError('conflict', 'That username is taken.', { field: 'username' });

/**
 * Accounts and sessions over the KV store. Stateless: every instance sees
 * the same store, so a token issued by one is accepted (or refused after
 * logout) by all. A session is two keys on one lease (keys.session by token
 * hash, keys.userSession to list a user's sessions); revoking the lease
 * ends both at once, and its TTL expires the session without any sweeper.
 */
export class AuthService implements Auth {
  private readonly kv: KV;
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  private readonly hasher: PasswordHasher;
  private readonly limits: AuthLimits;
  private readonly throttle: Throttle;

  constructor(options: AuthServiceOptions) {
    this.kv = options.kv;
    this.now = options.now ?? Date.now;
    this.ttlSeconds = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new RangeError('sessionTtlSeconds must be a positive integer');
    }
    this.limits = options.limits ?? {};
    this.throttle = new Throttle(this.kv, this.now);
    this.hasher = new PasswordHasher(options.passwordHashing);
    this.hasher.prepare();
  }

  signUp(username: string, password: string, clientIp?: string): Promise<Session> {
    return guard(async () => {
      const name = parseUsername(username);
      const plain = parsePassword(password);
      // Counted once the input is valid, so a rejected request changes nothing.
      if (clientIp && this.limits.signUpPerIp) {
        await this.throttle.hit('signup-ip', clientIp, this.limits.signUpPerIp, TOO_MANY_SIGNUPS);
      }
      // Saves an Argon2 run on an obvious duplicate; the txn below is what decides.
      if (await this.kv.get(keys.account(name))) throw usernameTaken();
      const account: StoredAccount = { username: name, createdAtMs: this.now(), passwordHash: await this.hasher.hash(plain) };
      const session = await this.openSession(
        account,
        [{ key: keys.account(name), target: 'version', op: '==', value: 0 }],
        [{ type: 'put', key: keys.account(name), value: JSON.stringify(account) }],
      );
      if (!session) throw usernameTaken();
      return session;
    });
  }

  logIn(username: string, password: string, clientIp?: string): Promise<Session> {
    return guard(async () => {
      const name = canonicalUsername(username);
      // Before any password work: a throttled guesser costs us two small writes, not an Argon2 run.
      if (clientIp && this.limits.logInPerIp) {
        await this.throttle.hit('login-ip', clientIp, this.limits.logInPerIp, TOO_MANY_LOGINS);
      }
      if (name !== undefined && this.limits.logInPerAccount) {
        await this.throttle.hit('login-account', name, this.limits.logInPerAccount, TOO_MANY_LOGINS);
      }
      // Longer than any valid password even in surrogate pairs: no need to hash it.
      if (typeof password !== 'string' || password.length > 2 * PASSWORD_MAX) throw unauthenticated(WRONG_CREDENTIALS);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const entry = name === undefined ? undefined : await this.kv.get(keys.account(name));
        if (!entry) {
          await this.hasher.verifyDummy(password);
          throw unauthenticated(WRONG_CREDENTIALS);
        }
        const account = parseAccount(entry.value);
        if (!(await this.hasher.verify(account.passwordHash, password))) throw unauthenticated(WRONG_CREDENTIALS);
        const upgrade: Op[] = [];
        if (this.hasher.needsRehash(account.passwordHash)) {
          const passwordHash = await this.hasher.hash(password);
          upgrade.push({ type: 'put', key: entry.key, value: JSON.stringify({ ...account, passwordHash }) });
        }
        // Unchanged since we verified: a password changed meanwhile must not let the old one in.
        const session = await this.openSession(account, [unchanged(entry)], upgrade);
        if (session) return session;
      }
      throw new DomainError('unavailable', 'The account is busy; try again.');
    });
  }

  logOut(token: string): Promise<void> {
    return guard(async () => {
      if (!isTokenShape(token)) return;
      const entry = await this.kv.get(keys.session(hashToken(token)));
      if (entry) await this.kv.revokeLease(parseSession(entry.value).leaseId);
    });
  }

  logOutEverywhere(token: string): Promise<void> {
    return guard(async () => {
      const { session } = await this.requireSession(token);
      await this.revokeSessions(session.username);
    });
  }

  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void> {
    return guard(async () => {
      const { tokenHash } = await this.requireSession(token);
      const next = parsePassword(newPassword, 'newPassword');
      const wrongCurrent = () => unauthenticated('Current password is wrong.', 'currentPassword');
      if (typeof currentPassword !== 'string' || currentPassword.length > 2 * PASSWORD_MAX) throw wrongCurrent();
      let newHash: string | undefined;
      for (let attempt = 1; ; attempt++) {
        const { session } = await this.requireSession(token);
        const entry = await this.kv.get(keys.account(session.username));
        if (!entry) throw unauthenticated();
        const account = parseAccount(entry.value);
        if (!(await this.hasher.verify(account.passwordHash, currentPassword))) throw wrongCurrent();
        newHash ??= await this.hasher.hash(next);
        const result = await this.kv.txn({
          compare: [unchanged(entry), { key: keys.session(tokenHash), target: 'version', op: '>', value: 0 }],
          success: [{ type: 'put', key: entry.key, value: JSON.stringify({ ...account, passwordHash: newHash }) }],
        });
        if (result.succeeded) {
          await this.revokeSessions(account.username, tokenHash);
          return;
        }
        if (attempt >= MAX_ATTEMPTS) throw new DomainError('unavailable', 'The account is busy; try again.');
      }
    });
  }

  authenticate(token: string): Promise<Account> {
    return guard(async () => {
      const { session } = await this.requireSession(token);
      return { username: session.username, createdAtMs: session.accountCreatedAtMs };
    });
  }

  /**
   * Grants a lease and, in one txn guarded by `compare`, writes `ops` and
   * both session keys on it. Returns undefined (and drops the lease) if a
   * compare failed.
   */
  private async openSession(account: StoredAccount, compare: Compare[], ops: Op[]): Promise<Session | undefined> {
    const { token, hash } = newToken();
    const createdAtMs = this.now();
    const leaseId = await this.kv.grantLease(this.ttlSeconds);
    const session: StoredSession = { username: account.username, accountCreatedAtMs: account.createdAtMs, createdAtMs, leaseId };
    const userSession: StoredUserSession = { leaseId, createdAtMs };
    let succeeded = false;
    try {
      const result = await this.kv.txn({
        compare,
        success: [
          ...ops,
          { type: 'put', key: keys.session(hash), value: JSON.stringify(session), lease: leaseId },
          { type: 'put', key: keys.userSession(account.username, hash), value: JSON.stringify(userSession), lease: leaseId },
        ],
      });
      succeeded = result.succeeded;
    } finally {
      // After a failed or uncertain txn the token never reaches the client, so the session must not live on.
      if (!succeeded) await revokeQuietly(this.kv, leaseId);
    }
    if (!succeeded) return undefined;
    return { account: { username: account.username, createdAtMs: account.createdAtMs }, token };
  }

  private async requireSession(token: string): Promise<{ tokenHash: string; session: StoredSession }> {
    if (!isTokenShape(token)) throw unauthenticated();
    const tokenHash = hashToken(token);
    const entry = await this.kv.get(keys.session(tokenHash));
    if (!entry) throw unauthenticated();
    return { tokenHash, session: parseSession(entry.value) };
  }

  /** Revokes every session of the user except `keep` (a token hash). */
  private async revokeSessions(username: string, keep?: string): Promise<void> {
    const prefix = keys.userSessionsPrefix(username);
    let after: string | undefined;
    for (;;) {
      const page = await this.kv.range({ prefix, after, limit: SESSION_PAGE });
      const leases: LeaseId[] = page.items
        .filter((item) => lastSegment(item.key) !== keep)
        .map((item) => parseUserSession(item.value).leaseId);
      for (let i = 0; i < leases.length; i += REVOKE_PARALLELISM) {
        await Promise.all(leases.slice(i, i + REVOKE_PARALLELISM).map((id) => this.kv.revokeLease(id)));
      }
      if (!page.more || page.items.length === 0) return;
      after = page.items[page.items.length - 1]!.key;
    }
  }
}

function unchanged(entry: KeyValue): Compare {
  return { key: entry.key, target: 'modRevision', op: '==', value: entry.modRevision };
}

/** A username that cannot exist is treated like an unknown one, not as a form error. */
function canonicalUsername(input: unknown): string | undefined {
  try {
    return parseUsername(input);
  } catch {
    return undefined;
  }
}

async function revokeQuietly(kv: KV, id: LeaseId): Promise<void> {
  try {
    await kv.revokeLease(id);
  } catch {
    // The lease expires on its own after the TTL.
  }
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toDomainError(error);
  }
}
