/**
 * The formats of the values stored under keys.ts's layouts, shared by the
 * services that write and read them (and by tools that load data in bulk).
 */
import type { Post } from '../domain/post.js';
import type { LeaseId } from './kv.js';

/** The value at keys.account(username). The social service reads it too, ignoring passwordHash. */
export interface StoredAccount {
  username: string;
  createdAtMs: number;
  /** Argon2id PHC string. */
  passwordHash: string;
}

/**
 * What both session keys record about a session's use. The idle limit is
 * stored with the session rather than configured in each service, so the
 * auth and social services (which both accept tokens) judge it alike.
 * Records written before idle expiry existed lack these fields and expire
 * only with their lease.
 */
export interface SessionActivity {
  /** Last use, refreshed at most every few minutes (see services/sessions.ts), not on every request. */
  lastSeenMs?: number;
  /** Unused this long after lastSeenMs, the session is over. */
  idleTimeoutMs?: number;
  /** The browser or program that opened it, shortened; shown in the list of sessions. */
  userAgent?: string;
}

/** The value at keys.session(tokenHash), on the session's lease. */
export interface StoredSession extends SessionActivity {
  username: string;
  /** Copied from the account so authenticate is one read. */
  accountCreatedAtMs: number;
  createdAtMs: number;
  /** The lease both session keys live on: revoking it ends the session. */
  leaseId: LeaseId;
}

/** The value at keys.userSession(username, tokenHash), on the same lease. */
export interface StoredUserSession extends SessionActivity {
  leaseId: LeaseId;
  createdAtMs: number;
}

/** Parsing fails loudly: a record we cannot read is corruption, an `internal` error. */
export function parseAccount(json: string): StoredAccount {
  const value = JSON.parse(json) as Partial<StoredAccount>;
  if (typeof value.username !== 'string' || typeof value.createdAtMs !== 'number' || typeof value.passwordHash !== 'string') {
    throw new Error('malformed account record');
  }
  return { username: value.username, createdAtMs: value.createdAtMs, passwordHash: value.passwordHash };
}

export function parseSession(json: string): StoredSession {
  const value = JSON.parse(json) as Partial<StoredSession>;
  if (
    typeof value.username !== 'string' ||
    typeof value.accountCreatedAtMs !== 'number' ||
    typeof value.createdAtMs !== 'number' ||
    typeof value.leaseId !== 'string'
  ) {
    throw new Error('malformed session record');
  }
  checkActivity(value);
  return value as StoredSession;
}

export function parseUserSession(json: string): StoredUserSession {
  const value = JSON.parse(json) as Partial<StoredUserSession>;
  if (typeof value.leaseId !== 'string' || typeof value.createdAtMs !== 'number') {
    throw new Error('malformed user session record');
  }
  checkActivity(value);
  return value as StoredUserSession;
}

function checkActivity(value: SessionActivity): void {
  const optional = (v: unknown, type: string) => v === undefined || typeof v === type;
  if (!optional(value.lastSeenMs, 'number') || !optional(value.idleTimeoutMs, 'number') || !optional(value.userAgent, 'string')) {
    throw new Error('malformed session activity');
  }
}

/** The value at keys.authorPost(author, id) and keys.idempotency(author, key). */
export function parsePost(json: string): Post {
  const value = JSON.parse(json) as Partial<Post>;
  if (
    typeof value.id !== 'string' ||
    typeof value.author !== 'string' ||
    typeof value.text !== 'string' ||
    typeof value.createdAtMs !== 'number'
  ) {
    throw new Error('malformed post record');
  }
  return { id: value.id, author: value.author, text: value.text, createdAtMs: value.createdAtMs };
}
