import type { Account, Profile } from './account.js';
import type { ScopeNeed } from './oauth.js';
import type { Page } from './page.js';
import type { Post } from './post.js';

/**
 * Profiles, follows, posts and feeds. Implemented by services/social and by
 * clients/social-client. Usernames given as actors (follower, author,
 * actor) are trusted: the web tier has authenticated them. Cursors and
 * limits arrive raw and are validated here (`invalid` for a malformed
 * one). Reads after a write that has returned see it, on every instance.
 */
export interface Social {
  /** `not_found` for an unknown user. */
  getProfile(username: string): Promise<Profile>;
  /**
   * The profiles of many users from one consistent read, in the order
   * asked, unknown users left out: what rendering a page of statuses
   * needs, in one call instead of one per author. At most 100 names.
   */
  getProfiles(usernames: readonly string[]): Promise<Profile[]>;
  /** Accounts whose username starts with `prefix`, in username order. */
  searchAccounts(prefix: string, limit?: number): Promise<Account[]>;
  /** In username order; `not_found` for an unknown user. */
  listFollowers(username: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  listFollowing(username: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /** Idempotent; `invalid` for yourself, `not_found` for an unknown followee. */
  follow(follower: string, followee: string): Promise<void>;
  /** Idempotent; `not_found` for an unknown followee. */
  unfollow(follower: string, followee: string): Promise<void>;
  /** Whether the edge exists; false when either user is unknown. */
  isFollowing(follower: string, followee: string): Promise<boolean>;
  /**
   * Stores the post atomically. With an idempotency key, a retry by the same
   * author returns the first post and stores nothing.
   */
  createPost(author: string, text: string, idempotencyKey?: string): Promise<Post>;
  /**
   * createPost as the session's account, checking the session in the same
   * transaction as the write: one call and no separate authentication
   * read. `unauthenticated` for an unknown, expired or revoked token.
   */
  postAsSession(token: string, text: string, idempotencyKey?: string): Promise<Post>;
  /** `not_found` for an unknown or deleted post. */
  getPost(id: string): Promise<Post>;
  /** `forbidden` unless the actor is the author; `not_found` if absent. */
  deletePost(id: string, actor: string): Promise<void>;
  /** The author's posts, newest first; `not_found` for an unknown user. */
  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>>;
  /**
   * The home feed of the account a session token belongs to (posts by the
   * accounts it follows, newest first, stable under new posts), with that
   * account: one call where authenticating and reading the feed would take
   * two. `unauthenticated` for an unknown, expired or revoked token;
   * `forbidden` when `need` is given and the session (an OAuth grant) lacks
   * that scope (a session of the site itself has every scope).
   */
  sessionFeed(token: string, limit?: number, cursor?: string, need?: ScopeNeed): Promise<SessionFeed>;
  /**
   * Everyone's posts, newest first (the public timeline; Chorus is one
   * instance and every post is public). Same cursors as listPosts.
   */
  publicTimeline(limit?: number, cursor?: string): Promise<Page<Post>>;
  /**
   * Every post created or deleted from now on, in the store's order, until
   * `signal` aborts (the iteration then ends without error). Best effort,
   * for live streams: nothing is replayed, and events written while a
   * stream is down (a restart, a reconnect) are not sent later. The
   * iteration fails with `unavailable` when the consumer falls too far
   * behind (its events are dropped rather than buffered without bound) or
   * the service goes away; the caller may then subscribe again. Who
   * follows whom is not part of an event: the caller decides who sees it.
   */
  watchPosts(signal: AbortSignal): AsyncIterable<PostEvent>;
}

export type PostEvent = { kind: 'update'; post: Post } | { kind: 'delete'; id: string };

export interface SessionFeed {
  account: Account;
  page: Page<Post>;
}
