import type { Account, Profile, ProfileChanges } from '../../domain/account.js';
import { lookupUsername, parseUsernamePrefix } from '../../domain/account.js';
import { DomainError, guard } from '../../domain/errors.js';
import type { Notification, NotificationQuery } from '../../domain/notification.js';
import { type ScopeNeed, scopeAllows } from '../../domain/oauth.js';
import type { Page } from '../../domain/page.js';
import { parseLimit, parsePageRequest } from '../../domain/page.js';
import type { Post, PostOptions } from '../../domain/post.js';
import { isPostId } from '../../domain/post.js';
import type { NotificationMarker, PostDescriptions, PostEvent, Relationship, SessionFeed, Social, Thread } from '../../domain/social.js';
import { parseTag } from '../../domain/text.js';
import { type Keyspace, keyspace } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { parsePublicAccount } from '../../kv/records.js';
import { isIdleExpired, needsTouch, touchSession } from '../sessions.js';
import type { Store } from '../store.js';
import { hashToken, isTokenShape } from '../tokens.js';
import { isUsername, noSuchUser } from './accounts.js';
import { block, listBlocks, listMutes, mute, relationships, unblock, unmute } from './blocks.js';
import { describePosts } from './describe.js';
import { follow, listEdges, unfollow } from './follows.js';
import { type NotificationBound, NotificationTrimmer } from './notification-trim.js';
import {
  clearNotifications,
  dismissNotification,
  getNotification,
  listNotifications,
  markNotificationsRead,
  notificationMarker,
} from './notifications.js';
import { PostEventHub, storeEventSource } from './post-events.js';
import { createPost, deletePost, noSuchPost } from './posts.js';
import { updateProfile } from './profiles.js';
import { favourite, reactedBy, reblog, unfavourite, unreblog } from './reactions.js';
import type { ReadModel } from './read-model.js';
import type { SessionOwner, SocialReads } from './reads.js';
import { RevisionReader } from './revision-reader.js';
import { StoreReads } from './store-reads.js';
import { thread } from './threads.js';
import { authorPosts, favouritesOf, homeFeed, publicTimeline, tagTimeline } from './timelines.js';
import { ViewReads } from './view-reads.js';

export interface SocialServiceOptions {
  kv: KV;
  /** The layout of keys in the store; the default root unless given. */
  keys?: Keyspace;
  /** Milliseconds since the epoch (post ids, follow times); injectable for tests. */
  now?: () => number;
  /** Uniform in [0, 1), for post id suffixes; injectable for tests. */
  random?: () => number;
  /**
   * The watch-fed view that serves profiles, posts, feeds and session
   * checks from memory. Without one (or while it lags by more than its
   * staleness bound) reads go to the store.
   */
  readModel?: ReadModel;
  /** Post events a watchPosts subscriber may have waiting before it is dropped. */
  streamBuffer?: number;
  /** Notifications kept per account (domain/notification.ts); smaller in tests. */
  notificationBound?: NotificationBound;
}

/**
 * Profiles, follows, posts and feeds over the KV store. Writes go to the
 * store; reads come from the view once it has applied every write that
 * completed before the read began, else from the store, so a write that
 * returned is seen by every instance. Every method throws only DomainError.
 */
export class SocialService implements Social {
  private readonly kv: KV;
  private readonly keys: Keyspace;
  private readonly store: Store;
  private readonly now: () => number;
  /** Sessions whose last-seen is being rewritten, so a burst of requests writes it once. */
  private readonly touching = new Set<string>();
  private readonly random: () => number;
  private readonly storeReads: StoreReads;
  private readonly readModel: ReadModel | undefined;
  private readonly revisions: RevisionReader;
  private readonly postEvents: PostEventHub;
  /** Every write that adds a notification tells it, through `store.notified`. */
  private readonly notificationTrimmer: NotificationTrimmer;

  constructor(options: SocialServiceOptions) {
    this.kv = options.kv;
    this.keys = options.keys ?? keyspace();
    this.store = {
      kv: this.kv,
      keys: this.keys,
      notified: (recipient, revision) => this.notificationTrimmer.notified(recipient, revision),
    };
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.storeReads = new StoreReads(this.store);
    this.readModel = options.readModel;
    this.revisions = new RevisionReader(options.kv);
    const readModel = this.readModel;
    this.notificationTrimmer = new NotificationTrimmer(this.store, options.notificationBound, async (recipient, revision) =>
      readModel && (await readModel.waitFor(revision)) ? readModel.view.relations.notificationCount(recipient) : undefined,
    );
    this.postEvents = new PostEventHub(
      this.keys,
      readModel ? (listener) => readModel.listen(listener) : storeEventSource(this.kv, this.keys),
      options.streamBuffer,
    );
  }

  /**
   * Where this call reads: the view once it reflects every write that
   * completed before the call (one shared quorum read, then a wait for the
   * watch), the store when there is no view or it lags too far. Read in
   * the same turn of the event loop: the view moves on events.
   */
  private async reads(): Promise<SocialReads> {
    if (!this.readModel) return this.storeReads;
    const revision = await this.revisions.current();
    return (await this.readModel.waitFor(revision)) ? new ViewReads(this.readModel.view) : this.storeReads;
  }

  getProfiles(usernames: readonly string[]): Promise<Profile[]> {
    return guard(async () => {
      if (!Array.isArray(usernames) || usernames.length > MAX_PROFILES) {
        throw new DomainError('invalid', `Ask for at most ${MAX_PROFILES} profiles at once.`);
      }
      const names = usernames.map((name) => (typeof name === 'string' ? name.toLowerCase() : '')).filter(isUsername);
      const reads = await this.reads();
      const profiles = await Promise.all(names.map((name) => reads.profile(name)));
      return profiles.filter((profile): profile is Profile => profile !== undefined);
    });
  }

  getProfile(username: string): Promise<Profile> {
    return guard(async () => {
      const name = lookupUsername(username);
      return found(await (await this.reads()).profile(name), noSuchUser);
    });
  }

  searchAccounts(prefix: string, limit?: number): Promise<Account[]> {
    return guard(async () => {
      const start = parseUsernamePrefix(prefix);
      const range = await this.kv.range({ prefix: this.keys.accountsPrefix(start), limit: parseLimit(limit) });
      return range.items.map((item) => parsePublicAccount(item.value));
    });
  }

  listFollowers(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.store, 'followers', username, limit, cursor));
  }

  listFollowing(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.store, 'following', username, limit, cursor));
  }

  follow(follower: string, followee: string): Promise<void> {
    return guard(async () => {
      await follow(this.store, this.now, follower, followee);
    });
  }

  unfollow(follower: string, followee: string): Promise<void> {
    return guard(() => unfollow(this.store, follower, followee));
  }

  isFollowing(follower: string, followee: string): Promise<boolean> {
    return guard(async () => {
      const from = follower.toLowerCase();
      const to = followee.toLowerCase();
      if (!isUsername(from) || !isUsername(to)) return false;
      return (await this.reads()).isFollowing(from, to);
    });
  }

  createPost(author: string, text: string, idempotencyKey?: string, options?: PostOptions): Promise<Post> {
    return guard(() => createPost(this.store, this.now, this.random, author, text, idempotencyKey, undefined, options));
  }

  postAsSession(token: string, text: string, idempotencyKey?: string, options?: PostOptions): Promise<Post> {
    return guard(async () => {
      if (!isTokenShape(token)) throw loggedOut();
      const tokenHash = hashToken(token);
      // A token's owner never changes, so even a lagging view names it
      // rightly; whether the session still exists is checked by the txn.
      const owner = this.readModel?.view.session(tokenHash) ?? (await this.storeReads.session(tokenHash));
      if (!owner) throw loggedOut();
      const author = this.liveSessionOwner(tokenHash, owner).username;
      return createPost(this.store, this.now, this.random, author, text, idempotencyKey, tokenHash, options);
    });
  }

  getPost(id: string): Promise<Post> {
    return guard(async () => {
      if (!isPostId(id)) throw noSuchPost();
      return found(await (await this.reads()).post(id), noSuchPost);
    });
  }

  deletePost(id: string, actor: string): Promise<void> {
    return guard(() => deletePost(this.store, id, actor));
  }

  listPosts(author: string, limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = lookupUsername(author);
      const page = parsePageRequest(limit, cursor, isPostId);
      return found(await authorPosts(await this.reads(), name, page, viewerName(viewer)), noSuchUser);
    });
  }

  sessionFeed(token: string, limit?: number, cursor?: string, need?: ScopeNeed): Promise<SessionFeed> {
    return guard(async () => {
      if (!isTokenShape(token)) throw loggedOut();
      const page = parsePageRequest(limit, cursor, isPostId);
      const tokenHash = hashToken(token);
      const reads = await this.reads();
      const owner = await reads.session(tokenHash);
      if (!owner) throw loggedOut();
      const { username, accountCreatedAtMs, scopes } = this.liveSessionOwner(tokenHash, owner);
      if (need !== undefined && scopes !== undefined && !scopeAllows(scopes.split(' ').filter(Boolean), need)) {
        throw new DomainError('forbidden', `This action is outside the authorized scopes (needs ${need}).`);
      }
      const feed = await homeFeed(reads, username, page);
      // Accounts are never deleted, so a live session's account is there.
      if (!feed) throw loggedOut();
      return { account: { username, createdAtMs: accountCreatedAtMs }, page: feed };
    });
  }

  publicTimeline(limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>> {
    return guard(async () => {
      const page = parsePageRequest(limit, cursor, isPostId);
      return publicTimeline(await this.reads(), page, viewerName(viewer));
    });
  }

  /** From the read model's watch when there is one (events arrive once the view has them), else a store watch of its own. */
  watchPosts(signal: AbortSignal): AsyncIterable<PostEvent> {
    return this.postEvents.watch(signal);
  }

  /** Ends every watchPosts stream with `unavailable` (the service is shutting down). */
  closeStreams(): void {
    this.postEvents.close();
  }

  /**
   * The owner of a session that is still in use by the auth service's
   * rules (sessions.ts); refuses an idle one. Records a use now and then,
   * as Authenticate does, since API clients may only ever call these. The
   * record is off the request's path: a failed touch is retried by a later
   * request and costs nothing now.
   */
  private liveSessionOwner(tokenHash: string, owner: SessionOwner): SessionOwner {
    const now = this.now();
    if (isIdleExpired(owner, now)) throw loggedOut();
    if (needsTouch(owner, now) && !this.touching.has(tokenHash)) {
      this.touching.add(tokenHash);
      touchSession(this.store, tokenHash, now)
        .catch(() => {})
        .finally(() => this.touching.delete(tokenHash));
    }
    return owner;
  }

  // ----- Notifications (notifications.ts) -----

  listNotifications(recipient: string, query?: NotificationQuery): Promise<Page<Notification>> {
    return guard(() => listNotifications(() => this.reads(), recipient, query));
  }

  getNotification(recipient: string, id: string): Promise<Notification> {
    return guard(() => getNotification(() => this.reads(), recipient, id));
  }

  dismissNotification(recipient: string, id: string): Promise<void> {
    return guard(() => dismissNotification(this.store, recipient, id));
  }

  clearNotifications(recipient: string): Promise<void> {
    return guard(() => clearNotifications(this.store, recipient));
  }

  notificationMarker(recipient: string): Promise<NotificationMarker> {
    return guard(() => notificationMarker(() => this.reads(), recipient));
  }

  markNotificationsRead(recipient: string, lastReadId?: string): Promise<NotificationMarker> {
    return guard(() => markNotificationsRead(this.store, () => this.reads(), recipient, lastReadId));
  }

  // ----- Blocks and mutes (blocks.ts) -----

  block(actor: string, target: string): Promise<void> {
    return guard(() => block(this.store, this.now, actor, target));
  }

  unblock(actor: string, target: string): Promise<void> {
    return guard(() => unblock(this.store, actor, target));
  }

  mute(actor: string, target: string): Promise<void> {
    return guard(() => mute(this.store, this.now, actor, target));
  }

  unmute(actor: string, target: string): Promise<void> {
    return guard(() => unmute(this.store, actor, target));
  }

  listBlocks(actor: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listBlocks(this.store, actor, limit, cursor));
  }

  listMutes(actor: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listMutes(this.store, actor, limit, cursor));
  }

  relationships(actor: string, targets: readonly string[]): Promise<Relationship[]> {
    return guard(() => relationships(() => this.reads(), actor, targets));
  }

  updateProfile(username: string, changes: ProfileChanges): Promise<Account> {
    return guard(() => updateProfile(this.store, username, changes));
  }

  describePosts(postIds: readonly string[], viewer?: string): Promise<PostDescriptions> {
    return guard(async () => {
      if (!Array.isArray(postIds) || postIds.length > MAX_DESCRIBED) {
        throw new DomainError('invalid', `Describe at most ${MAX_DESCRIBED} posts at once.`);
      }
      return describePosts(await this.reads(), postIds, viewerName(viewer));
    });
  }

  getThread(postId: string, viewer?: string): Promise<Thread> {
    return guard(async () => {
      if (!isPostId(postId)) throw noSuchPost();
      const name = viewerName(viewer);
      const reads = await this.reads();
      const hidden = name === undefined ? () => false : await reads.hiddenFor(name);
      return found(await thread(reads, postId, hidden), noSuchPost);
    });
  }

  tagTimeline(tag: string, limit?: number, cursor?: string, viewer?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = parseTag(tag);
      const page = parsePageRequest(limit, cursor, isPostId);
      return tagTimeline(await this.reads(), name, page, viewerName(viewer));
    });
  }

  favourite(actor: string, postId: string): Promise<void> {
    return guard(() => favourite(this.store, this.now, actor, postId));
  }

  unfavourite(actor: string, postId: string): Promise<void> {
    return guard(() => unfavourite(this.store, actor, postId));
  }

  reblog(actor: string, postId: string): Promise<Post> {
    return guard(() => reblog(this.store, this.now, this.random, actor, postId));
  }

  unreblog(actor: string, postId: string): Promise<void> {
    return guard(() => unreblog(this.store, actor, postId));
  }

  favouritedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => reactedBy(this.store, 'favourites', postId, limit, cursor));
  }

  rebloggedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => reactedBy(this.store, 'reblogs', postId, limit, cursor));
  }

  listFavourites(actor: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = lookupUsername(actor);
      const page = parsePageRequest(limit, cursor, isPostId);
      return favouritesOf(await this.reads(), name, page);
    });
  }
}

/** Enough for a page of statuses (at most 40 authors) with room to spare. */
const MAX_PROFILES = 100;
/** A page of statuses is at most 40; their originals come with them. */
const MAX_DESCRIBED = 100;

/** Who a read is for: a trusted username (the web tier authenticated it), or nobody when absent or empty (proto3's unset). */
function viewerName(viewer: string | undefined): string | undefined {
  return viewer === undefined || viewer === '' ? undefined : lookupUsername(viewer);
}

const loggedOut = () => new DomainError('unauthenticated', 'Log in first.');

function found<T>(value: T | undefined, missing: () => DomainError): T {
  if (value === undefined) throw missing();
  return value;
}
