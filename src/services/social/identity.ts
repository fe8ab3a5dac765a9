import type { Account } from '../../domain/account.js';
import { DomainError } from '../../domain/errors.js';
import { type ScopeNeed, scopeAllows } from '../../domain/oauth.js';
import { isIdleExpired, needsTouch, touchSession } from '../sessions.js';
import type { Store } from '../store.js';
import { hashToken, isTokenShape } from '../tokens.js';
import type { ReadConsistency, SessionOwner, SocialReads } from './reads.js';

/**
 * Who an Actor is (actor.ts). The service never takes a username from a
 * caller as proof of who is acting: over gRPC an Actor is always made from
 * a token (tokenIdentity), found in the store as the auth service wrote it
 * and judged by the same rules (idle expiry, the OAuth grant's scopes).
 * trustedIdentity is for code in the service's own process that has
 * already decided who acts (service tests, tools); the gRPC adapter is
 * given a Social, which cannot make one.
 */
export interface Identity {
  /**
   * The acting account, if it may do something needing one of `scopes`
   * (none: a live account is enough), and where to read on: for a token,
   * the reads it was found in, at `consistency` (`acknowledged` unless
   * given: they reflect every write acknowledged before the call, its
   * revocation included). `unauthenticated` or `forbidden` otherwise.
   */
  resolve(scopes: readonly ScopeNeed[], consistency?: ReadConsistency): Promise<Acting>;
  /**
   * The acting account for an action needing one of `scopes`, as a
   * possibly lagging view knows its session, and the session (by token
   * hash) that the action's txn must find still there: a post, a
   * favourite or a reblog checks its session in the same transaction as
   * the write, not before it, so the check costs no read. A token's owner
   * and scopes never change; a session gone since is caught by the txn.
   * Throws like resolve, but may refuse a session that the store would
   * accept (a view that lags behind its last use): resolve is the judge.
   */
  claim(scopes: readonly ScopeNeed[]): Promise<Claim>;
}

export interface Claim {
  username: string;
  /** For a token: the session that the action's txn compares. */
  sessionTokenHash?: string;
}

export interface Acting {
  /** Canonical for a token; as given (and canonicalised by the action) for a trusted identity. */
  username: string;
  /** The account, when the session names it (a token's): what the home feed answers with. */
  account?: Account;
  reads: () => Promise<SocialReads>;
}

export const loggedOut = () => new DomainError('unauthenticated', 'Log in first.');

/** `forbidden` unless the grant covers one of `scopes`; a session of the site itself (no scopes recorded) has them all. */
export function requireScopes(owner: SessionOwner, scopes: readonly ScopeNeed[]): void {
  if (owner.scopes === undefined || scopes.length === 0) return;
  const granted = owner.scopes.split(' ').filter(Boolean);
  if (scopes.some((need) => scopeAllows(granted, need))) return;
  throw new DomainError('forbidden', `This action is outside the authorized scopes (needs ${scopes.join(' or ')}).`);
}

/** Sessions as the social service judges them: the auth service's idle expiry, and the use recorded now and then. */
export class SessionJudge {
  /** Sessions whose last-seen is being rewritten, so a burst of requests writes it once. */
  readonly #touching = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /**
   * The owner of a session that is still in use by the auth service's
   * rules (sessions.ts); refuses an idle one. Records a use now and then,
   * as Authenticate does, since API clients may only ever call the social
   * service. The record is off the request's path: a failed touch is
   * retried by a later request and costs nothing now.
   */
  live(tokenHash: string, owner: SessionOwner | undefined): SessionOwner {
    if (!owner) throw loggedOut();
    const now = this.now();
    if (isIdleExpired(owner, now)) throw loggedOut();
    if (needsTouch(owner, now) && !this.#touching.has(tokenHash)) {
      this.#touching.add(tokenHash);
      touchSession(this.store, tokenHash, now)
        .catch(() => {})
        .finally(() => this.#touching.delete(tokenHash));
    }
    return owner;
  }
}

/**
 * The identity of whoever holds `token`. `reads` is where calls read
 * (SocialService.reads: the view once it has every write acknowledged
 * before the call, else the store), so a revoked session is refused at
 * once on every instance. `quickOwner` may be stale (a lagging view): a token's
 * owner and scopes never change, and the txn of an action that claims the
 * session checks that it still exists.
 */
export function tokenIdentity(
  token: string,
  judge: SessionJudge,
  reads: (consistency: ReadConsistency) => Promise<SocialReads>,
  quickOwner: (tokenHash: string) => Promise<SessionOwner | undefined>,
): Identity {
  const tokenHash = () => {
    if (!isTokenShape(token)) throw loggedOut();
    return hashToken(token);
  };
  return {
    async resolve(scopes, consistency = 'acknowledged') {
      const hash = tokenHash();
      const at = await reads(consistency);
      const owner = judge.live(hash, await at.session(hash));
      requireScopes(owner, scopes);
      return {
        username: owner.username,
        account: { username: owner.username, createdAtMs: owner.accountCreatedAtMs },
        reads: async () => at,
      };
    },
    async claim(scopes) {
      const hash = tokenHash();
      const owner = judge.live(hash, await quickOwner(hash));
      requireScopes(owner, scopes);
      return { username: owner.username, sessionTokenHash: hash };
    },
  };
}

/** An identity the caller vouches for (see Identity): the service's own process only. */
export function trustedIdentity(username: string, reads: (consistency: ReadConsistency) => Promise<SocialReads>): Identity {
  return {
    resolve: async (_scopes, consistency = 'acknowledged') => ({ username, reads: () => reads(consistency) }),
    claim: async () => ({ username }),
  };
}
