import { setTimeout as sleep } from 'node:timers/promises';
import type { Account } from '../../domain/account.js';
import { PASSWORD_MAX, parsePassword, parseUsername } from '../../domain/account.js';
import type {
  App,
  Auth,
  AuthorizationRequest,
  ClientCredentials,
  NewApp,
  OAuthToken,
  RegisteredApp,
  Session,
  SessionInfo,
  TokenGrant,
} from '../../domain/auth.js';
import { DomainError, guard } from '../../domain/errors.js';
import { SUPPORTED_SCOPES, scopeAllows } from '../../domain/oauth.js';
import { compareAndSwap } from '../../kv/cas.js';
import { type Keyspace, keyspace } from '../../kv/keys.js';
import type { KV, LeaseId, Op } from '../../kv/kv.js';
import type { SessionGrant, StoredAccount, StoredSession, StoredTombstone, StoredUserSession } from '../../kv/records.js';
import { parseAccount, parseSession, parseUserSession } from '../../kv/records.js';
import { scan } from '../../kv/scan.js';
import { isIdleExpired, needsTouch, shortUserAgent, touchSession } from '../sessions.js';
import { hashToken, isTokenShape, newToken } from '../tokens.js';
import { LoginGuard } from './login-guard.js';
import { OAuthApps } from './oauth.js';
import type { PasswordHashingParams } from './password.js';
import { DEFAULT_HASHING_LIMITS, PasswordHasher } from './password.js';
import { type Limit, Throttle } from './throttle.js';

export const DEFAULT_SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
export const DEFAULT_SESSION_IDLE_SECONDS = 14 * 24 * 60 * 60;
/** Hex digits of the token hash that name a session to its owner: unique enough per account, useless as a key. */
const SESSION_ID_LENGTH = 16;

export interface AuthServiceOptions {
  kv: KV;
  /** The layout of keys in the store; the default root unless given. */
  keys?: Keyspace;
  /** Milliseconds since the epoch, for createdAtMs fields; injectable for tests. */
  now?: () => number;
  /** A session's lifetime; it is not renewed by use. */
  sessionTtlSeconds?: number;
  /** A session unused for this long ends before its lifetime does. */
  sessionIdleSeconds?: number;
  /** Argon2id costs; production passes nothing (OWASP parameters), tests lower them. */
  passwordHashing?: Partial<PasswordHashingParams>;
  /** How many hashes run at once, and the longest wait in line before a hash is refused (429); see PasswordHasher. */
  passwordHashingLimits?: { concurrency?: number; maxWaitMs?: number };
  /** Attempt limits shared by every instance; an absent limit is off. */
  limits?: AuthLimits;
  /** Waits out a login delay (see LoginGuard); injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** See LoginLimits for what each login limit counts. */
export interface AuthLimits {
  signUpPerIp?: Limit;
  /** Every login attempt from one address. */
  logInPerIp?: Limit;
  /** Failed logins at one account from one address. */
  logInPerAccountAddress?: Limit;
  /** Failed logins at one account from anywhere; attempts are delayed on the way to it. */
  logInPerAccount?: Limit;
}

const WRONG_CREDENTIALS = 'Wrong username or password.';
const TOO_MANY_SIGNUPS = 'Too many sign-ups from this address; try again later.';
/** Compare-and-swap retries before giving up on an account under heavy concurrent change. */
const MAX_ATTEMPTS = 5;
const SESSION_PAGE = 256;
const REVOKE_PARALLELISM = 16;

const unauthenticated = (message = 'Log in first.', field?: string) => new DomainError('unauthenticated', message, { field });
const accountBusy = () => new DomainError('unavailable', 'The account is busy; try again.');
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
  private readonly keys: Keyspace;
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  private readonly idleTimeoutMs: number;
  private readonly hasher: PasswordHasher;
  private readonly limits: AuthLimits;
  private readonly throttle: Throttle;
  private readonly loginGuard: LoginGuard;
  private readonly oauth: OAuthApps;

  constructor(options: AuthServiceOptions) {
    this.kv = options.kv;
    this.keys = options.keys ?? keyspace();
    this.now = options.now ?? Date.now;
    this.ttlSeconds = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 1) {
      throw new RangeError('sessionTtlSeconds must be a positive integer');
    }
    const idleSeconds = options.sessionIdleSeconds ?? DEFAULT_SESSION_IDLE_SECONDS;
    if (!Number.isInteger(idleSeconds) || idleSeconds < 1) throw new RangeError('sessionIdleSeconds must be a positive integer');
    this.idleTimeoutMs = idleSeconds * 1000;
    this.limits = options.limits ?? {};
    this.throttle = new Throttle({ kv: this.kv, keys: this.keys }, this.now);
    this.loginGuard = new LoginGuard(
      this.throttle,
      {
        perAddress: this.limits.logInPerIp,
        perAccountAddress: this.limits.logInPerAccountAddress,
        perAccount: this.limits.logInPerAccount,
      },
      options.sleep ?? ((ms) => sleep(ms)),
    );
    const hashing = options.passwordHashingLimits;
    this.hasher = new PasswordHasher(options.passwordHashing, {
      concurrency: hashing?.concurrency ?? DEFAULT_HASHING_LIMITS.concurrency,
      maxWaitMs: hashing?.maxWaitMs ?? DEFAULT_HASHING_LIMITS.maxWaitMs,
    });
    this.hasher.prepare();
    this.oauth = new OAuthApps({
      kv: this.kv,
      keys: this.keys,
      now: this.now,
      ttlSeconds: this.ttlSeconds,
      openSession: async (account, userAgent, grant) => {
        const opening = await this.prepareSession(account, userAgent, grant);
        return { ops: opening.ops, token: opening.session.token, createdAtMs: opening.createdAtMs, release: opening.release };
      },
    });
  }

  signUp(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session> {
    return guard(async () => (await this.openNewAccount(username, password, clientIp, userAgent, {})).session);
  }

  appSignUp(appToken: string, username: string, password: string, clientIp?: string, userAgent?: string): Promise<OAuthToken> {
    return guard(async () => {
      const appGrant = isTokenShape(appToken) ? await this.oauth.appTokenGrant(hashToken(appToken)) : undefined;
      if (!appGrant?.app) throw unauthenticated('Sign-up needs an app token (grant_type client_credentials).');
      const scopes = appGrant.scopes;
      const grant = { clientId: appGrant.app.clientId, appName: appGrant.app.name, scopes: scopes.join(' ') };
      const opened = await this.openNewAccount(username, password, clientIp, userAgent, grant);
      return { token: opened.session.token, scopes, createdAtMs: opened.createdAtMs };
    });
  }

  /** signUp's checks, throttling and claim, opening the first session with the given grant. */
  private async openNewAccount(
    username: string,
    password: string,
    clientIp: string | undefined,
    userAgent: string | undefined,
    grant: SessionGrant,
  ): Promise<{ session: Session; createdAtMs: number }> {
    const name = parseUsername(username);
    const plain = parsePassword(password);
    // Counted once the input is valid, so a rejected request changes nothing.
    if (clientIp && this.limits.signUpPerIp) {
      await this.throttle.hit('signup-ip', clientIp, this.limits.signUpPerIp, TOO_MANY_SIGNUPS);
    }
    // One attempt: losing the race for a name means it is taken, not that we should try again.
    const outcome = await compareAndSwap(this.kv, {
      key: this.keys.account(name),
      maxAttempts: 1,
      plan: async (existing) => {
        // Saves an Argon2 run on an obvious duplicate; the txn's guard is what decides.
        if (existing) throw usernameTaken();
        const account: StoredAccount = { username: name, createdAtMs: this.now(), passwordHash: await this.hasher.hash(plain) };
        const opening = await this.prepareSession(account, userAgent, grant);
        return {
          // A deleted account's name stays taken: its tombstone must be absent too.
          compare: [{ key: this.keys.deletedAccount(name), target: 'version', op: '==', value: 0 }],
          success: [{ type: 'put', key: this.keys.account(name), value: JSON.stringify(account) }, ...opening.ops],
          value: { session: opening.session, createdAtMs: opening.createdAtMs },
          release: opening.release,
        };
      },
    });
    if (outcome.status !== 'written') throw usernameTaken();
    return outcome.value;
  }

  logIn(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session> {
    return guard(async () => (await this.openWithPassword(username, password, clientIp, userAgent, {})).session);
  }

  /** logIn's checks and throttling, opening a session with the given grant. */
  private async openWithPassword(
    username: string,
    password: string,
    clientIp: string | undefined,
    userAgent: string | undefined,
    grant: SessionGrant,
  ): Promise<{ session: Session; createdAtMs: number }> {
    const name = canonicalUsername(username);
    // Before any password work: a throttled guesser costs us a few small reads and writes, not an Argon2 run.
    await this.loginGuard.admit(name, clientIp);
    const wrong = async () => {
      await this.loginGuard.failed(name, clientIp);
      return unauthenticated(WRONG_CREDENTIALS);
    };
    // Longer than any valid password even in surrogate pairs: no need to hash it.
    if (typeof password !== 'string' || password.length > 2 * PASSWORD_MAX) throw await wrong();
    const noSuchAccount = async () => {
      await this.hasher.verifyDummy(password);
      return wrong();
    };
    if (name === undefined) throw await noSuchAccount();
    // The txn requires the account unchanged since we verified: a password changed meanwhile must not let the old one in.
    const outcome = await compareAndSwap(this.kv, {
      key: this.keys.account(name),
      maxAttempts: MAX_ATTEMPTS,
      plan: async (entry) => {
        if (!entry) throw await noSuchAccount();
        const account = parseAccount(entry.value);
        if (!(await this.hasher.verify(account.passwordHash, password))) throw await wrong();
        const upgrade: Op[] = [];
        if (this.hasher.needsRehash(account.passwordHash)) {
          const passwordHash = await this.hasher.hash(password);
          upgrade.push({ type: 'put', key: entry.key, value: JSON.stringify({ ...account, passwordHash }) });
        }
        const opening = await this.prepareSession(account, userAgent, grant);
        return {
          success: [...upgrade, ...opening.ops],
          value: { session: opening.session, createdAtMs: opening.createdAtMs },
          release: opening.release,
        };
      },
    });
    if (outcome.status !== 'written') throw accountBusy();
    await this.loginGuard.succeeded(name, clientIp);
    return outcome.value;
  }

  logOut(token: string): Promise<void> {
    return guard(async () => {
      if (!isTokenShape(token)) return;
      const entry = await this.kv.get(this.keys.session(hashToken(token)));
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
      const { tokenHash, session } = await this.requireSession(token);
      const next = parsePassword(newPassword, 'newPassword');
      const wrongCurrent = () => unauthenticated('Current password is wrong.', 'currentPassword');
      if (typeof currentPassword !== 'string' || currentPassword.length > 2 * PASSWORD_MAX) throw wrongCurrent();
      let newHash: string | undefined;
      const outcome = await compareAndSwap(this.kv, {
        key: this.keys.account(session.username),
        maxAttempts: MAX_ATTEMPTS,
        plan: async (entry, attempt) => {
          // A conflict may have been this session ending: find out before trying again.
          if (attempt > 1) await this.requireSession(token);
          if (!entry) throw unauthenticated();
          const account = parseAccount(entry.value);
          if (!(await this.hasher.verify(account.passwordHash, currentPassword))) throw wrongCurrent();
          newHash ??= await this.hasher.hash(next);
          return {
            compare: [{ key: this.keys.session(tokenHash), target: 'version', op: '>', value: 0 }],
            success: [{ type: 'put', key: entry.key, value: JSON.stringify({ ...account, passwordHash: newHash }) }],
            value: account.username,
          };
        },
      });
      if (outcome.status !== 'written') throw accountBusy();
      await this.revokeSessions(outcome.value, tokenHash);
    });
  }

  deleteAccount(token: string, password: string): Promise<void> {
    return guard(async () => {
      const { tokenHash, session } = await this.requireSession(token);
      if (session.scopes !== undefined && !scopeAllows(session.scopes.split(' '), 'write:accounts')) {
        throw new DomainError('forbidden', 'This action is outside the authorized scopes (needs write:accounts).');
      }
      const name = session.username;
      // Throttled like a login: the password check must not become an unthrottled guessing oracle.
      await this.loginGuard.admit(name, undefined);
      const wrong = async () => {
        await this.loginGuard.failed(name, undefined);
        return unauthenticated('The password is wrong.', 'password');
      };
      if (typeof password !== 'string' || password.length > 2 * PASSWORD_MAX) throw await wrong();
      const outcome = await compareAndSwap(this.kv, {
        key: this.keys.account(name),
        maxAttempts: MAX_ATTEMPTS,
        plan: async (entry, attempt) => {
          if (attempt > 1) await this.requireSession(token);
          if (!entry) throw unauthenticated();
          const account = parseAccount(entry.value);
          if (!(await this.hasher.verify(account.passwordHash, password))) throw await wrong();
          const tombstone: StoredTombstone = { username: account.username, deletedAtMs: this.now(), swept: false };
          return {
            compare: [{ key: this.keys.session(tokenHash), target: 'version', op: '>', value: 0 }],
            success: [
              { type: 'delete', key: entry.key },
              { type: 'put', key: this.keys.deletedAccount(account.username), value: JSON.stringify(tombstone) },
            ],
            value: account.username,
          };
        },
      });
      if (outcome.status !== 'written') throw accountBusy();
      // The social service's sweep ends any session left if this process stops here.
      await this.revokeSessions(outcome.value);
    });
  }

  authenticate(token: string): Promise<Account> {
    return guard(async () => {
      const { session, tokenHash } = await this.requireSession(token);
      if (needsTouch(session, this.now())) await touchSession({ kv: this.kv, keys: this.keys }, tokenHash, this.now());
      return { username: session.username, createdAtMs: session.accountCreatedAtMs };
    });
  }

  listSessions(token: string): Promise<SessionInfo[]> {
    return guard(async () => {
      const { session, tokenHash } = await this.requireSession(token);
      const now = this.now();
      const sessions: SessionInfo[] = [];
      await this.forEachUserSession(session.username, (hash, stored) => {
        if (isIdleExpired(stored, now)) return;
        sessions.push({
          id: hash.slice(0, SESSION_ID_LENGTH),
          createdAtMs: stored.createdAtMs,
          lastSeenMs: stored.lastSeenMs ?? stored.createdAtMs,
          userAgent: stored.userAgent ?? '',
          current: hash === tokenHash,
          appName: stored.appName ?? '',
        });
      });
      return sessions.sort((a, b) => b.createdAtMs - a.createdAtMs);
    });
  }

  revokeSession(token: string, sessionId: string): Promise<void> {
    return guard(async () => {
      const { session } = await this.requireSession(token);
      // The same answer for another user's session as for none at all: ids reveal nothing about others.
      const gone = () => new DomainError('not_found', 'None of your sessions has that id.');
      if (typeof sessionId !== 'string' || !new RegExp(`^[0-9a-f]{${SESSION_ID_LENGTH}}$`).test(sessionId)) throw gone();
      let lease: LeaseId | undefined;
      await this.forEachUserSession(session.username, (hash, stored) => {
        if (hash.startsWith(sessionId)) lease = stored.leaseId;
      });
      if (lease === undefined) throw gone();
      await this.kv.revokeLease(lease);
    });
  }

  registerApp(app: NewApp): Promise<RegisteredApp> {
    return guard(() => this.oauth.registerApp(app));
  }

  checkAuthorization(request: AuthorizationRequest): Promise<{ app: App; scopes: string[] }> {
    return guard(() => this.oauth.checkAuthorization(request));
  }

  authorize(sessionToken: string, request: AuthorizationRequest): Promise<{ code: string }> {
    return guard(async () => {
      const { session } = await this.requireSession(sessionToken);
      // Only a session of the site itself, not a token another app holds, may grant apps access.
      if (session.clientId !== undefined) throw unauthenticated();
      return this.oauth.issueCode({ username: session.username, createdAtMs: session.accountCreatedAtMs }, request);
    });
  }

  exchangeCode(
    client: ClientCredentials,
    code: string,
    redirectUri: string,
    codeVerifier: string,
    userAgent?: string,
  ): Promise<OAuthToken> {
    return guard(() => this.oauth.exchangeCode(client, code, redirectUri, codeVerifier, userAgent));
  }

  passwordGrant(
    client: ClientCredentials,
    username: string,
    password: string,
    scope: string,
    clientIp?: string,
    userAgent?: string,
  ): Promise<OAuthToken> {
    return guard(async () => {
      const { app, scopes } = await this.oauth.checkGrant(client, scope);
      const grant = { clientId: app.clientId, appName: app.name, scopes: scopes.join(' ') };
      try {
        const opened = await this.openWithPassword(username, password, clientIp, userAgent, grant);
        return { token: opened.session.token, scopes, createdAtMs: opened.createdAtMs };
      } catch (error) {
        if (error instanceof DomainError && error.code === 'unauthenticated') throw unauthenticated(error.message, 'username');
        throw error;
      }
    });
  }

  clientCredentialsGrant(client: ClientCredentials, scope: string): Promise<OAuthToken> {
    return guard(() => this.oauth.clientCredentialsGrant(client, scope));
  }

  revokeToken(client: ClientCredentials, token: string): Promise<void> {
    return guard(() =>
      this.oauth.revokeToken(client, token, async (hash) => {
        const entry = await this.kv.get(this.keys.session(hash));
        return entry ? parseSession(entry.value) : undefined;
      }),
    );
  }

  inspectToken(token: string): Promise<TokenGrant> {
    return guard(async () => {
      if (!isTokenShape(token)) throw unauthenticated();
      const appGrant = await this.oauth.appTokenGrant(hashToken(token));
      if (appGrant) return appGrant;
      const { session, tokenHash } = await this.requireSession(token);
      if (needsTouch(session, this.now())) await touchSession({ kv: this.kv, keys: this.keys }, tokenHash, this.now());
      const account = { username: session.username, createdAtMs: session.accountCreatedAtMs };
      if (session.clientId === undefined) return { account, app: null, scopes: [...SUPPORTED_SCOPES] };
      const app = await this.oauth.findApp(session.clientId);
      // An app gone from the store leaves its tokens without a grant.
      if (!app) throw unauthenticated();
      return { account, app, scopes: (session.scopes ?? '').split(' ').filter((s) => s !== '') };
    });
  }

  /**
   * Grants a lease and returns the writes of a new session on it, for the
   * caller's txn, with `release` to drop the lease if that txn does not
   * apply: after a failed or uncertain txn the token never reaches the
   * client, so the session must not live on.
   */
  private async prepareSession(
    account: Account,
    userAgent: string | undefined,
    grant: SessionGrant = {},
  ): Promise<{ ops: Op[]; session: Session; createdAtMs: number; release: () => Promise<void> }> {
    const { token, hash } = newToken();
    const createdAtMs = this.now();
    const leaseId = await this.kv.grantLease(this.ttlSeconds);
    const activity = { lastSeenMs: createdAtMs, idleTimeoutMs: this.idleTimeoutMs, userAgent: shortUserAgent(userAgent), ...grant };
    const stored: StoredSession = {
      username: account.username,
      accountCreatedAtMs: account.createdAtMs,
      createdAtMs,
      leaseId,
      ...activity,
    };
    const userSession: StoredUserSession = { leaseId, createdAtMs, ...activity };
    return {
      ops: [
        { type: 'put', key: this.keys.session(hash), value: JSON.stringify(stored), lease: leaseId },
        { type: 'put', key: this.keys.userSession(account.username, hash), value: JSON.stringify(userSession), lease: leaseId },
      ],
      session: { account: { username: account.username, createdAtMs: account.createdAtMs }, token },
      createdAtMs,
      release: () => revokeQuietly(this.kv, leaseId),
    };
  }

  private async requireSession(token: string): Promise<{ tokenHash: string; session: StoredSession }> {
    if (!isTokenShape(token)) throw unauthenticated();
    const tokenHash = hashToken(token);
    const entry = await this.kv.get(this.keys.session(tokenHash));
    if (!entry) throw unauthenticated();
    const session = parseSession(entry.value);
    if (isIdleExpired(session, this.now())) {
      // Ended for good, so the social service's view drops it too and the list of sessions stays short.
      await revokeQuietly(this.kv, session.leaseId);
      throw unauthenticated();
    }
    return { tokenHash, session };
  }

  /** Calls `visit` with each of the user's sessions (token hash and record), page by page. */
  private async forEachUserSession(username: string, visit: (tokenHash: string, session: StoredUserSession) => void): Promise<void> {
    const prefix = this.keys.userSessionsPrefix(username);
    for await (const item of scan(this.kv, { prefix, pageSize: SESSION_PAGE })) {
      visit(item.key.slice(prefix.length), parseUserSession(item.value));
    }
  }

  /** Revokes every session of the user except `keep` (a token hash). */
  private async revokeSessions(username: string, keep?: string): Promise<void> {
    const leases: LeaseId[] = [];
    await this.forEachUserSession(username, (hash, session) => {
      if (hash !== keep) leases.push(session.leaseId);
    });
    for (let i = 0; i < leases.length; i += REVOKE_PARALLELISM) {
      await Promise.all(leases.slice(i, i + REVOKE_PARALLELISM).map((id) => this.kv.revokeLease(id)));
    }
  }
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
