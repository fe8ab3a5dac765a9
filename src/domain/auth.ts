import type { Account } from './account.js';

/** A new session: the account and its bearer token (shown once, stored only hashed). */
export interface Session {
  account: Account;
  token: string;
}

/** One of an account's open sessions, as its owner may see it. */
export interface SessionInfo {
  /** Names the session for revokeSession; not the token, nor usable as one. */
  id: string;
  createdAtMs: number;
  /** Last use, to within the hour (it is not rewritten on every request). */
  lastSeenMs: number;
  /** The browser or program that opened it, as it said; may be empty. */
  userAgent: string;
  /** Whether this is the session of the token that asked. */
  current: boolean;
}

/**
 * Accounts, passwords and sessions. Implemented by services/auth (the logic)
 * and by clients/auth-client (the same over gRPC), so the web tier cannot
 * tell them apart. Every method throws only DomainError. Every write is
 * durable and visible to every instance once it returns (linearizable).
 */
export interface Auth {
  /**
   * Claims the username atomically; `conflict` if it is taken, `invalid` for
   * bad input, `rate_limited` past the sign-up limit for `clientIp` (the
   * end user's address, when the caller knows it). `userAgent` is kept with
   * the new session so its owner can recognise it in listSessions.
   */
  signUp(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session>;
  /**
   * `unauthenticated` with the same message whether the user is unknown or
   * the password wrong; each login gets a new token. `rate_limited` past
   * the login limit for the client address or for the account, counted
   * over every instance, before the password is even checked.
   */
  logIn(username: string, password: string, clientIp?: string, userAgent?: string): Promise<Session>;
  /** Ends this token's session; a no-op for an unknown token. */
  logOut(token: string): Promise<void>;
  /** Ends every session of the token's account; `unauthenticated` for a bad token. */
  logOutEverywhere(token: string): Promise<void>;
  /**
   * `unauthenticated` for a bad token or a wrong current password (field
   * currentPassword); ends every session of the account but this one.
   */
  changePassword(token: string, currentPassword: string, newPassword: string): Promise<void>;
  /**
   * Whose token this is; `unauthenticated` if unknown, revoked, past its
   * absolute lifetime or unused for longer than the idle limit. Counts as a
   * use of the session (recorded at most once an hour).
   */
  authenticate(token: string): Promise<Account>;
  /** The token's account's open sessions, newest first; `unauthenticated` for a bad token. */
  listSessions(token: string): Promise<SessionInfo[]>;
  /**
   * Ends one of the token's account's sessions (possibly the token's own);
   * `not_found` if the account has no session with that id.
   */
  revokeSession(token: string, sessionId: string): Promise<void>;
}
