import type { Account, Profile, ProfileChanges } from './account.js';
import type { Notification, NotificationQuery } from './notification.js';
import type { ScopeNeed } from './oauth.js';
import type { Page } from './page.js';
import type { Post, PostOptions, PostView } from './post.js';

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
  createPost(author: string, text: string, idempotencyKey?: string, options?: PostOptions): Promise<Post>;
  /**
   * createPost as the session's account, checking the session in the same
   * transaction as the write: one call and no separate authentication
   * read. `unauthenticated` for an unknown, expired or revoked token.
   */
  postAsSession(token: string, text: string, idempotencyKey?: string, options?: PostOptions): Promise<Post>;
  /** `not_found` for an unknown or deleted post. */
  getPost(id: string): Promise<Post>;
  /** `forbidden` unless the actor is the author; `not_found` if absent. */
  deletePost(id: string, actor: string): Promise<void>;
  /**
   * The author's posts (their reblogs included), newest first; `not_found`
   * for an unknown user. With a viewer the author is hidden from (a block
   * either way, or the viewer's mute: SocialReads.hiddenFor), an empty page.
   */
  listPosts(author: string, limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>>;
  /**
   * The home feed of the account a session token belongs to (posts by the
   * accounts it follows, newest first, stable under new posts), with that
   * account: one call where authenticating and reading the feed would take
   * two. Mastodon's home rules apply: a reply is shown only when it answers
   * its own author, the reader or someone the reader follows; accounts the
   * reader mutes or blocks either way are left out, with their reblogs;
   * a reblog of a deleted post is left out, and an original appears at most
   * once in a page (as itself or as one reblog of it).
   * `unauthenticated` for an unknown, expired or revoked token;
   * `forbidden` when `need` is given and the session (an OAuth grant) lacks
   * that scope (a session of the site itself has every scope).
   */
  sessionFeed(token: string, limit?: number, cursor?: string, need?: ScopeNeed): Promise<SessionFeed>;
  /**
   * Everyone's posts, newest first (the public timeline; Chorus is one
   * instance and every post is public). Same cursors as listPosts.
   * Reblogs are not listed; with a viewer, accounts they mute or block
   * either way are left out.
   */
  publicTimeline(limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>>;
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

  // ----- Profiles (issue 11) -----

  /** Sets the fields given (see parseDisplayName, parseBio); returns the account as stored. `not_found` for an unknown user. */
  updateProfile(username: string, changes: ProfileChanges): Promise<Account>;

  // ----- Rendering -----

  /**
   * Everything rendering these posts for `viewer` needs besides the posts'
   * own fields, from one consistent read: a PostView of each post that
   * still exists (in the order asked) and of the original of every reblog
   * among them, and the profiles of all their authors, of the originals'
   * authors and of the accounts replied to. Unknown or deleted ids are left
   * out. At most 100 ids. Replaces a getProfiles call per page of statuses.
   */
  describePosts(postIds: readonly string[], viewer?: string): Promise<PostDescriptions>;

  // ----- Threads and tags -----

  /**
   * The thread around a post as `viewer` may see it: its ancestors, oldest
   * first (up to 40, stopping at a deleted one), and its descendants in
   * depth-first order, each post's replies oldest first (up to 100).
   * Posts of accounts blocked either way, or muted by the viewer, are left
   * out. `not_found` for an unknown post.
   */
  getThread(postId: string, viewer?: string): Promise<Thread>;
  /** Posts with the tag (case-insensitive), newest first; reblogs are not listed. `invalid` for a malformed tag. */
  tagTimeline(tag: string, limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>>;

  // ----- Favourites and reblogs (idempotent per actor and post, like follows) -----

  /** `not_found` for an unknown or deleted post, `forbidden` across a block. Notifies the author once. */
  favourite(actor: string, postId: string): Promise<void>;
  /** Idempotent; `not_found` for an unknown post (deleted posts can be unfavourited). */
  unfavourite(actor: string, postId: string): Promise<void>;
  /**
   * Shares the post with the actor's followers: a new post whose reblogOf
   * names the original (of a reblog, the original it shares). Once per
   * actor and original: a repeat returns the first reblog. `not_found` for
   * an unknown or deleted post, `forbidden` across a block.
   */
  reblog(actor: string, postId: string): Promise<Post>;
  /** Deletes the actor's reblog of the post (given by the original's id or the reblog's); idempotent. */
  unreblog(actor: string, postId: string): Promise<void>;
  /** Who favourited the post, in username order. `not_found` for an unknown post. */
  favouritedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /** Who reblogged the post, in username order. `not_found` for an unknown post. */
  rebloggedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /** The posts the actor favourited, most recently favourited first; deleted posts are left out. */
  listFavourites(actor: string, limit?: number, cursor?: string): Promise<Page<Post>>;

  // ----- Notifications -----

  /** The recipient's notifications, newest first; those from accounts they mute or block are left out. */
  listNotifications(recipient: string, query?: NotificationQuery): Promise<Page<Notification>>;
  /** `not_found` unless it is the recipient's. */
  getNotification(recipient: string, id: string): Promise<Notification>;
  /** Deletes one; idempotent. */
  dismissNotification(recipient: string, id: string): Promise<void>;
  /** Deletes all of the recipient's notifications. */
  clearNotifications(recipient: string): Promise<void>;
  /** How many notifications are newer than the read marker, and the marker (the last read id, '' for none). */
  notificationMarker(recipient: string): Promise<NotificationMarker>;
  /** Moves the read marker to `lastReadId` (newest when absent); never moves it back. */
  markNotificationsRead(recipient: string, lastReadId?: string): Promise<NotificationMarker>;

  // ----- Blocks and mutes -----

  /**
   * Blocking removes the follow edges both ways (and their notifications)
   * in the same txn, refuses new follows either way, hides each other's
   * posts and refuses the blocked account's replies, mentions, favourites
   * and reblogs. Idempotent; `invalid` for yourself, `not_found` for an unknown user.
   */
  block(actor: string, target: string): Promise<void>;
  unblock(actor: string, target: string): Promise<void>;
  /** Hides the target's posts from the actor's home and public timelines and their notifications from the actor. Idempotent. */
  mute(actor: string, target: string): Promise<void>;
  unmute(actor: string, target: string): Promise<void>;
  /** The accounts the actor blocks / mutes, in username order. */
  listBlocks(actor: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  listMutes(actor: string, limit?: number, cursor?: string): Promise<Page<Account>>;
  /** How the actor and each target relate, in the order asked; unknown targets are left out. At most 100. */
  relationships(actor: string, targets: readonly string[]): Promise<Relationship[]>;
}

export type PostEvent =
  | { kind: 'update'; post: Post }
  | { kind: 'delete'; id: string }
  /** A notification was written (for the `user:notification` stream). */
  | { kind: 'notification'; notification: Notification };

export interface PostDescriptions {
  /** The posts asked for that exist, in the order asked, then the originals of reblogs among them. */
  posts: PostView[];
  profiles: Profile[];
}

export interface Thread {
  ancestors: Post[];
  descendants: Post[];
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

export interface SessionFeed {
  account: Account;
  page: Page<Post>;
}
