/**
 * The formats of the values stored under keys.ts's layouts, shared by the
 * services that write and read them (and by tools that load data in bulk).
 */
import type { Account } from '../domain/account.js';
import type { Post } from '../domain/post.js';
import type { LeaseId } from './kv.js';
import { recordParser } from './record-parser.js';

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
export const parseAccount = recordParser<StoredAccount>('account', {
  username: 'string',
  createdAtMs: 'number',
  passwordHash: 'string',
});

/** The account record without its password hash, for services that only show accounts. */
export const parsePublicAccount = recordParser<Account>('account', { username: 'string', createdAtMs: 'number' });

const activity = { lastSeenMs: 'number?', idleTimeoutMs: 'number?', userAgent: 'string?' } as const;

export const parseSession = recordParser<StoredSession>('session', {
  username: 'string',
  accountCreatedAtMs: 'number',
  createdAtMs: 'number',
  leaseId: 'string',
  ...activity,
});

export const parseUserSession = recordParser<StoredUserSession>('user session', {
  leaseId: 'string',
  createdAtMs: 'number',
  ...activity,
});

/** The value at keys.authorPost(author, id) and keys.idempotency(author, key). */
export const parsePost = recordParser<Post>('post', { id: 'string', author: 'string', text: 'string', createdAtMs: 'number' });
