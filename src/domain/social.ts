import type { Account, Profile, ProfileChanges } from './account.js';
import type { Notification, NotificationQuery } from './notification.js';
import type { ScopeNeed } from './oauth.js';
import type { Page } from './page.js';
import type { Post, PostOptions, PostView } from './post.js';

/**
 * Profiles, follows, posts and feeds. Implemented by services/social and by
 * clients/social-client. No method takes a username as proof of who is
 * acting: a person acts, and reads as themselves, through `as(token)` with
 * their session or OAuth access token, which the service resolves to its
 * account on every call. What is left here is public: anyone may read it,
 * and it reads the same for everyone. Cursors and limits arrive raw and are
 * validated here (`invalid` for a malformed one).
 *
 * Every read sees every write acknowledged before the read began, on
 * every instance, and the reads through one service instance never go
 * back. The reads of one thing that a client reads back as a register
 * (getPost, isFollowing, Actor.relationships, describePosts asked to be
 * linearizable) are linearizable besides: once any read has seen a
 * write, every read that begins later sees it, even one that began before
 * the write was acknowledged. The others (timelines, lists, threads,
 * profiles, notifications) may, for up to the service's read index age
 * (CHORUS_READ_INDEX_AGE_MS), miss a write that is not yet acknowledged
 * although another instance already showed it (docs/architecture.md,
 * "Which reads give which guarantee").
 */
export interface Social extends Reader {
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
  /** Whether the edge exists (follow lists are public); false when either user is unknown. Linearizable. */
  isFollowing(follower: string, followee: string): Promise<boolean>;
  /** `not_found` for an unknown or deleted post. Linearizable. */
  getPost(id: string): Promise<Post>;
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
  /** Who favourited the post, in username order. `not_found` for an unknown post. */
  favouritedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /** Who reblogged the post, in username order. `not_found` for an unknown post. */
  rebloggedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /**
   * The person whose session or access token this is. Nothing is checked
   * until a method is called; then every call checks the token again, as
   * the auth service would: `unauthenticated` for an unknown, expired,
   * idle-expired or revoked token (or an app token, which acts for no
   * one), `forbidden` when an OAuth grant lacks the scope the method
   * needs (ACTOR_SCOPES; a session of the site itself has every scope).
   * A token revoked before the call began is refused on every instance.
   */
  as(token: string): Actor;
}

/**
 * The reads whose answer depends on who reads (blocks either way, the
 * reader's mutes, the reader's favourited and reblogged flags). On Social
 * they read for nobody in particular; on an Actor, for the token's owner.
 */
export interface Reader {
  /**
   * The author's posts (their reblogs included), newest first; `not_found`
   * for an unknown user. For a reader the author is hidden from (a block
   * either way, or the reader's mute: SocialReads.hiddenFor), an empty page.
   */
  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>>;
  /**
   * Everyone's posts, newest first (the public timeline; Chorus is one
   * instance and every post is public). Same cursors as listPosts.
   * Reblogs are not listed; for a reader, accounts they mute or block
   * either way are left out.
   */
  publicTimeline(limit?: number, cursor?: string): Promise<Page<Post>>;
  /** Posts with the tag (case-insensitive), newest first, left out as publicTimeline leaves them; reblogs are not listed. `invalid` for a malformed tag. */
  tagTimeline(tag: string, limit?: number, cursor?: string): Promise<Page<Post>>;
  /**
   * The thread around a post as the reader may see it: its ancestors,
   * oldest first (up to 40, stopping at a deleted one), and its
   * descendants in depth-first order, each post's replies oldest first (up
   * to 100). Posts of accounts blocked either way, or muted by the reader,
   * are left out. `not_found` for an unknown post.
   */
  getThread(postId: string): Promise<Thread>;
  /**
   * getThread with everything rendering it needs, from one consistent
   * read: the thread's posts described as describePosts describes them
   * (the post itself, or a reblog's original, included) and whom it was
   * read for. What a status's context takes, in one call. `not_found` for
   * an unknown post.
   */
  threadContext(postId: string): Promise<ThreadContext>;
  /**
   * Everything rendering these posts for the reader needs besides the
   * posts' own fields, from one consistent read: a PostView of each post
   * that still exists (in the order asked) and of the original of every
   * reblog among them, and the profiles of all their authors, of the
   * originals' authors and of the accounts replied to. Unknown or deleted
   * ids are left out. At most 100 ids. Replaces a getProfiles call per
   * page of statuses. Linearizable when `options.linearizable` is set
   * (what a page of one status asks, whose counts and flags a client reads
   * back after changing them); else as the other lists.
   */
  describePosts(postIds: readonly string[], options?: DescribeOptions): Promise<PostDescriptions>;
}

/**
 * What a person does and reads as themselves, as the account their token
 * belongs to (Social.as, which says how the token is checked). Each
 * method names the OAuth scope it needs in brackets; a method without one
 * needs only a live token of an account.
 */
export interface Actor extends Reader {
  /**
   * The home feed (posts by the accounts followed, newest first, stable
   * under new posts), with the account: one call where authenticating and
   * reading the feed would take two. Mastodon's home rules apply: a reply
   * is shown only when it answers its own author, the reader or someone
   * the reader follows; accounts the reader mutes or blocks either way are
   * left out, with their reblogs; a reblog of a deleted post is left out,
   * and an original appears at most once in a page (as itself or as one
   * reblog of it). The page comes described (as describePosts describes
   * its posts) from the same consistent read as the feed, so rendering a
   * home timeline takes this one call. [read:statuses]
   */
  homeFeed(limit?: number, cursor?: string): Promise<SessionFeed>;
  /**
   * Stores the post atomically, checking the session in the same
   * transaction as the write. With an idempotency key, a retry by the same
   * author returns the first post and stores nothing. [write:statuses]
   */
  post(text: string, idempotencyKey?: string, options?: PostOptions): Promise<Post>;
  /**
   * post, answered with the post (the first, for a repeat) as its author
   * then sees it (ActedStatus): what POST /api/v1/statuses answers, in one
   * call. [write:statuses]
   */
  postStatus(text: string, idempotencyKey?: string, options?: PostOptions): Promise<ActedStatus>;
  /** `forbidden` unless the actor is the author; `not_found` if absent. [write:statuses] */
  deletePost(id: string): Promise<void>;
  /** Idempotent; `invalid` for yourself, `not_found` for an unknown followee. [write:follows] */
  follow(followee: string): Promise<void>;
  /** Idempotent; `not_found` for an unknown followee. [write:follows] */
  unfollow(followee: string): Promise<void>;
  /** Sets the fields given (see parseDisplayName, parseBio); returns the account as stored. [write:accounts] */
  updateProfile(changes: ProfileChanges): Promise<Account>;

  // ----- Favourites and reblogs (idempotent per actor and post, like follows) -----
  // Each answers the status as the action left it (ActedStatus), as the
  // Mastodon API answers them: the post acted on, an original for an
  // action through a reblog's id.

  /** `not_found` for an unknown or deleted post, `forbidden` across a block. Notifies the author once. [write:favourites] */
  favourite(postId: string): Promise<ActedStatus>;
  /** Idempotent; `not_found` for an unknown post (deleted posts can be unfavourited: the answer then has no post). [write:favourites] */
  unfavourite(postId: string): Promise<ActedStatus>;
  /**
   * Shares the post with the actor's followers: a new post whose reblogOf
   * names the original (of a reblog, the original it shares). Once per
   * actor and original: a repeat answers the first reblog. The answer's
   * post is the reblog. `not_found` for an unknown or deleted post,
   * `forbidden` across a block. [write:statuses]
   */
  reblog(postId: string): Promise<ActedStatus>;
  /** Deletes the actor's reblog of the post (given by the original's id or the reblog's); idempotent. Answers the original. [write:statuses] */
  unreblog(postId: string): Promise<ActedStatus>;
  /** The posts the actor favourited, most recently favourited first; deleted posts are left out. [read:favourites] */
  listFavourites(limit?: number, cursor?: string): Promise<Page<Post>>;

  // ----- Notifications -----

  /** The actor's notifications, newest first; those from accounts they mute or block are left out. [read:notifications] */
  listNotifications(query?: NotificationQuery): Promise<Page<Notification>>;
  /** `not_found` unless it is the actor's. [read:notifications] */
  getNotification(id: string): Promise<Notification>;
  /** Deletes one; idempotent. [write:notifications] */
  dismissNotification(id: string): Promise<void>;
  /** Deletes all of the actor's notifications. [write:notifications] */
  clearNotifications(): Promise<void>;
  /** How many notifications are newer than the read marker, and the marker (the last read id, '' for none). [read:notifications or read:statuses] */
  notificationMarker(): Promise<NotificationMarker>;
  /** Moves the read marker to `lastReadId` (newest when absent); never moves it back. [write:notifications or write:statuses] */
  markNotificationsRead(lastReadId?: string): Promise<NotificationMarker>;

  // ----- Blocks and mutes -----

  /**
   * Blocking removes the follow edges both ways (and their notifications)
   * in the same txn, refuses new follows either way, hides each other's
   * posts and refuses the blocked account's replies, mentions, favourites
   * and reblogs. Idempotent; `invalid` for yourself, `not_found` for an
   * unknown user. [write:blocks]
   */
  block(target: string): Promise<void>;
  /** [write:blocks] */
  unblock(target: string): Promise<void>;
  /** Hides the target's posts from the actor's home and public timelines and their notifications from the actor. Idempotent. [write:mutes] */
  mute(target: string): Promise<void>;
  /** [write:mutes] */
  unmute(target: string): Promise<void>;
  /** The accounts the actor blocks, in username order. [read:blocks] */
  listBlocks(limit?: number, cursor?: string): Promise<Page<Account>>;
  /** The accounts the actor mutes, in username order. [read:mutes] */
  listMutes(limit?: number, cursor?: string): Promise<Page<Account>>;
  /**
   * How the actor and each target relate, in the order asked; unknown
   * targets are left out. At most 100. No scope: every client that shows
   * the actor a timeline or a profile needs it (the streaming server
   * applies the home rules with it). Linearizable.
   */
  relationships(targets: readonly string[]): Promise<Relationship[]>;
}

/**
 * The scopes each Actor method needs, any one of them sufficing; an empty
 * list needs only a live token of an account. The Reader methods need none:
 * reading as oneself only narrows what a public read shows.
 */
export const ACTOR_SCOPES = {
  homeFeed: ['read:statuses'],
  post: ['write:statuses'],
  postStatus: ['write:statuses'],
  deletePost: ['write:statuses'],
  follow: ['write:follows'],
  unfollow: ['write:follows'],
  updateProfile: ['write:accounts'],
  favourite: ['write:favourites'],
  unfavourite: ['write:favourites'],
  reblog: ['write:statuses'],
  unreblog: ['write:statuses'],
  listFavourites: ['read:favourites'],
  listNotifications: ['read:notifications'],
  getNotification: ['read:notifications'],
  dismissNotification: ['write:notifications'],
  clearNotifications: ['write:notifications'],
  // The markers API moves and reads the same marker under the statuses scopes.
  notificationMarker: ['read:notifications', 'read:statuses'],
  markNotificationsRead: ['write:notifications', 'write:statuses'],
  block: ['write:blocks'],
  unblock: ['write:blocks'],
  mute: ['write:mutes'],
  unmute: ['write:mutes'],
  listBlocks: ['read:blocks'],
  listMutes: ['read:mutes'],
  relationships: [],
  listPosts: [],
  publicTimeline: [],
  tagTimeline: [],
  getThread: [],
  threadContext: [],
  describePosts: [],
} as const satisfies Record<keyof Actor, readonly ScopeNeed[]>;

export type PostEvent =
  | { kind: 'update'; post: Post }
  | { kind: 'delete'; id: string }
  /** A notification was written (for the `user:notification` stream). */
  | { kind: 'notification'; notification: Notification };

export interface DescribeOptions {
  /** Read from a read index that started after the call (Social's comment says what that adds). */
  linearizable?: boolean;
}

export interface PostDescriptions {
  /** The posts asked for that exist, in the order asked, then the originals of reblogs among them. */
  posts: PostView[];
  profiles: Profile[];
}

export interface Thread {
  ancestors: Post[];
  descendants: Post[];
}

/** A thread as Reader.threadContext reads it. */
export interface ThreadContext extends Thread {
  /** The root (the post asked for, or a reblog's original), its ancestors and its descendants, described. */
  described: PostDescriptions;
  /** The canonical username it was read for: the token's owner for an Actor, undefined for nobody. */
  viewer: string | undefined;
}

export interface NotificationMarker {
  lastReadId: string;
  unread: number;
}

export interface Relationship {
  target: string;
  following: boolean;
  followedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  muting: boolean;
}

/**
 * A status as an action left it, for the actor: what the Mastodon API
 * answers an action with, so that it takes one call. `described` comes
 * from one consistent read that reflects the action (taken at or after
 * the action's own write, as describePosts would read it), so the counts
 * and the actor's flags include the action.
 */
export interface ActedStatus {
  /** The actor's username (canonical): whom the flags are for. */
  viewer: string;
  /** The status answered with (each action says which); undefined when the action leaves none to show. */
  post: Post | undefined;
  /** That status and, for a reblog, its original, described for the actor; without the status if it has been deleted since. */
  described: PostDescriptions;
}

export interface SessionFeed {
  account: Account;
  page: Page<Post>;
  /** The page's posts described for the feed's reader, read with the feed (Reader.describePosts). */
  described: PostDescriptions;
}
