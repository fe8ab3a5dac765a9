/**
 * The formats of the values stored under keys.ts's layouts, shared by the
 * services that write and read them (and by tools that load data in bulk).
 */
import type { Account } from '../domain/account.js';
import type { Notification } from '../domain/notification.js';
import type { Post } from '../domain/post.js';
import type { LeaseId } from './kv.js';
import { recordParser } from './record-parser.js';

/** The value at keys.account(username). The social service reads it too, ignoring passwordHash. */
export interface StoredAccount extends Account {
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

/** Which OAuth app a session was granted to; absent on sessions of the site itself, which have every scope. */
export interface SessionGrant {
  clientId?: string;
  appName?: string;
  /** Space-separated. */
  scopes?: string;
}

/** The value at keys.session(tokenHash), on the session's lease. */
export interface StoredSession extends SessionActivity, SessionGrant {
  username: string;
  /** Copied from the account so authenticate is one read. */
  accountCreatedAtMs: number;
  createdAtMs: number;
  /** The lease both session keys live on: revoking it ends the session. */
  leaseId: LeaseId;
}

/** The value at keys.userSession(username, tokenHash), on the same lease. */
export interface StoredUserSession extends SessionActivity, SessionGrant {
  leaseId: LeaseId;
  createdAtMs: number;
}

/** Parsing fails loudly: a record we cannot read is corruption, an `internal` error. */
export const parseAccount = recordParser<StoredAccount>('account', {
  username: 'string',
  createdAtMs: 'number',
  displayName: 'string?',
  bio: 'string?',
  passwordHash: 'string',
});

/** The account record without its password hash, for services that only show accounts. */
export const parsePublicAccount = recordParser<Account>('account', {
  username: 'string',
  createdAtMs: 'number',
  displayName: 'string?',
  bio: 'string?',
});

const activity = { lastSeenMs: 'number?', idleTimeoutMs: 'number?', userAgent: 'string?' } as const;
const grant = { clientId: 'string?', appName: 'string?', scopes: 'string?' } as const;

export const parseSession = recordParser<StoredSession>('session', {
  username: 'string',
  accountCreatedAtMs: 'number',
  createdAtMs: 'number',
  leaseId: 'string',
  ...activity,
  ...grant,
});

export const parseUserSession = recordParser<StoredUserSession>('user session', {
  leaseId: 'string',
  createdAtMs: 'number',
  ...activity,
  ...grant,
});

/** The value at keys.authorPost(author, id) and keys.idempotency(author, key). */
export const parsePost = recordParser<Post>('post', {
  id: 'string',
  author: 'string',
  text: 'string',
  createdAtMs: 'number',
  inReplyToId: 'string?',
  inReplyToAuthor: 'string?',
  reblogOf: 'string?',
  mentions: 'string[]?',
  tags: 'string[]?',
});

/** The value at keys.notification(recipient, id). */
export const parseNotification = recordParser<Notification>('notification', {
  id: 'string',
  recipient: 'string',
  type: 'string',
  actor: 'string',
  postId: 'string?',
  createdAtMs: 'number',
}) as (json: string) => Notification;

/** The value at keys.app(clientId). Lists are stored joined (records are flat): URIs by '\n', scopes by ' '. */
export interface StoredApp {
  id: string;
  clientId: string;
  /** SHA-256 hex of the client secret. */
  secretHash: string;
  name: string;
  website: string;
  redirectUris: string;
  scopes: string;
  createdAtMs: number;
}

export const parseApp = recordParser<StoredApp>('app', {
  id: 'string',
  clientId: 'string',
  secretHash: 'string',
  name: 'string',
  website: 'string',
  redirectUris: 'string',
  scopes: 'string',
  createdAtMs: 'number',
});

/** The value at keys.oauthCode(codeHash), on a lease a little longer than its life. */
export interface StoredCode {
  clientId: string;
  redirectUri: string;
  scopes: string;
  username: string;
  accountCreatedAtMs: number;
  /** Empty for a code without PKCE. */
  codeChallenge: string;
  createdAtMs: number;
  expiresAtMs: number;
}

export const parseCode = recordParser<StoredCode>('oauth code', {
  clientId: 'string',
  redirectUri: 'string',
  scopes: 'string',
  username: 'string',
  accountCreatedAtMs: 'number',
  codeChallenge: 'string',
  createdAtMs: 'number',
  expiresAtMs: 'number',
});

/** The value at keys.appToken(tokenHash), on its own lease. */
export interface StoredAppToken {
  clientId: string;
  scopes: string;
  createdAtMs: number;
  leaseId: LeaseId;
}

export const parseAppToken = recordParser<StoredAppToken>('app token', {
  clientId: 'string',
  scopes: 'string',
  createdAtMs: 'number',
  leaseId: 'string',
});

/** The value at keys.deletedAccount(username): the name stays taken; `swept` once no row of the account is left. */
export interface StoredTombstone {
  username: string;
  deletedAtMs: number;
  swept: boolean;
}

export const parseTombstone = recordParser<StoredTombstone>('deleted account', {
  username: 'string',
  deletedAtMs: 'number',
  swept: 'boolean',
});
