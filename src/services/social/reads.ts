import type { Profile } from '../../domain/account.js';
import type { Page, PageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { StoredSession } from '../../kv/records.js';
import type { RelationReads } from './relation-reads.js';

/** Who a session belongs to, and its use for idle expiry. */
export interface SessionOwner {
  username: string;
  accountCreatedAtMs: number;
  createdAtMs: number;
  lastSeenMs?: number;
  idleTimeoutMs?: number;
  /** The OAuth scopes granted, space-separated; absent for a session of the site itself, which has every scope. */
  scopes?: string;
}

/** What the reads keep of a stored session: its owner, its use, and the scopes of an OAuth grant. */
export function sessionOwner(stored: StoredSession): SessionOwner {
  const { username, accountCreatedAtMs, createdAtMs, lastSeenMs, idleTimeoutMs, clientId, scopes } = stored;
  const owner = { username, accountCreatedAtMs, createdAtMs, lastSeenMs, idleTimeoutMs };
  return clientId === undefined ? owner : { ...owner, scopes: scopes ?? '' };
}

/**
 * Which read index a call waits for before it reads the view
 * (docs/architecture.md, "Which reads give which guarantee"). `linearizable`:
 * one that started after the call, so the call sees every write that
 * completed before it, acknowledged or not. `acknowledged`: one that
 * started at most the configured age before the call (RevisionReader
 * `recent`), so the call sees every write acknowledged before it, which
 * commit-wait makes enough; cheaper, as a call rarely waits for a read.
 */
export type ReadConsistency = 'linearizable' | 'acknowledged';

/**
 * The social service's hot reads, answered from one source: the watch-fed
 * view (ViewReads) or the store itself (StoreReads). The service picks one
 * per call: the view when it has applied every write that completed before
 * the call, the store otherwise. Both answer alike; the contract tests run
 * the service on each.
 *
 * Usernames given here are canonical (lower case, validated); post ids and
 * page cursors are validated by the caller. Blocks, mutes and notifications
 * are RelationReads (relation-reads.ts).
 */
export interface SocialReads extends RelationReads {
  /** The profile with its counts; undefined for an unknown user. */
  profile(username: string): Promise<Profile | undefined>;
  /** Whether the edge exists (false for unknown users). */
  isFollowing(follower: string, followee: string): Promise<boolean>;
  /** The post, or undefined if absent or deleted. */
  post(id: string): Promise<Post | undefined>;
  /** The author's posts, newest first, after `page.after`; undefined for an unknown author. */
  posts(author: string, page: PageRequest): Promise<Page<Post> | undefined>;
  /**
   * Posts by the accounts `username` follows, newest first, after
   * `page.after`; undefined for an unknown user. A followee whose account
   * is deleted counts for nothing from its tombstone on, before its sweep.
   */
  feed(username: string, page: PageRequest): Promise<Page<Post> | undefined>;
  /** Every author's posts, newest first, after `page.after`. */
  timeline(page: PageRequest): Promise<Page<Post>>;
  /**
   * Whose posts and notifications `viewer` must not see: accounts blocked
   * by the viewer or blocking them, and accounts the viewer mutes. Read
   * once per call, then asked per post.
   */
  hiddenFor(viewer: string): Promise<(author: string) => boolean>;
  /** The owner of a live session key by its token hash, or undefined; idle expiry is the caller's to judge. */
  session(tokenHash: string): Promise<SessionOwner | undefined>;

  // ----- Conversations and reactions (issue 11): the raw rows; the rules that filter them live in timelines.ts, threads.ts, describe.ts -----

  /** The ids of the replies to a post, oldest first. */
  replies(parentId: string): Promise<string[]>;
  /** Posts with the tag (canonical), newest first, after post id `page.after`. */
  tagged(tag: string, page: PageRequest): Promise<Page<Post>>;
  /** The post's counts, and the viewer's flags (false without a viewer), from its rows. */
  reactions(postId: string, viewer?: string): Promise<Reactions>;

  // ----- A page's worth at once (describe.ts): one call each, where the view answers without a promise per item -----

  /** post() of each id, in order. */
  postsById(ids: readonly string[]): Promise<(Post | undefined)[]>;
  /** reactions() of each post, in order. */
  reactionsOf(postIds: readonly string[], viewer?: string): Promise<Reactions[]>;
  /** profile() of each username, in order. */
  profilesOf(usernames: readonly string[]): Promise<(Profile | undefined)[]>;
  /**
   * The actor's favourites list, most recently favourited first, after
   * entry id `page.after`; `post` is undefined for a post deleted since.
   * `next` is the last entry's id when more follow.
   */
  favourites(actor: string, page: PageRequest): Promise<{ items: FavouriteListEntry[]; next: string | undefined }>;
}

/** What a post's rows say about it, for one viewer. */
export interface Reactions {
  replies: number;
  reblogs: number;
  favourites: number;
  favourited: boolean;
  reblogged: boolean;
}

export interface FavouriteListEntry {
  /** The list row's id (see reactions.ts favouriteListId). */
  id: string;
  post: Post | undefined;
}
