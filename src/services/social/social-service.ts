import type { Account, Profile } from '../../domain/account.js';
import { lookupUsername, parseUsernamePrefix } from '../../domain/account.js';
import { DomainError, guard } from '../../domain/errors.js';
import type { Page } from '../../domain/page.js';
import { parseLimit } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { isPostId } from '../../domain/post.js';
import type { Actor, DescribeOptions, PostDescriptions, PostEvent, Reader, Social, Thread, ThreadContext } from '../../domain/social.js';
import { type Keyspace, keyspace } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { parsePublicAccount } from '../../kv/records.js';
import type { Store } from '../store.js';
import { sweepDeletedAccounts } from './account-deletion.js';
import { isUsername, noSuchUser } from './accounts.js';
import { type ActorContext, serviceActor } from './actor.js';
import { listEdges } from './follows.js';
import { SessionJudge, tokenIdentity, trustedIdentity } from './identity.js';
import { type NotificationBound, NotificationTrimmer } from './notification-trim.js';
import { PostEventHub, storeEventSource } from './post-events.js';
import { noSuchPost } from './posts.js';
import { reactedBy } from './reactions.js';
import type { ReadModel } from './read-model.js';
import { found, reader } from './reader.js';
import type { ReadConsistency, SocialReads } from './reads.js';
import { RevisionReader } from './revision-reader.js';
import { StoreReadFloor } from './store-read-floor.js';
import { StoreReads } from './store-reads.js';
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
  /**
   * How long before an `acknowledged` read its read index may have
   * started (RevisionReader `recent`, CHORUS_READ_INDEX_AGE_MS); 0, the
   * default, makes every read wait for one that starts after it. Above 0
   * only over a KV whose writes wait as long (kv/commit-wait-kv.ts), in
   * every process that writes to the store.
   */
  readIndexAgeMs?: number;
}

/**
 * Profiles, follows, posts and feeds over the KV store. Writes go to the
 * store; reads come from the view once it has applied every write that
 * was acknowledged (or, for the linearizable ones, completed) before the
 * read began, else from the store, so a write that returned is seen by
 * every instance. Every method throws only DomainError.
 * Whoever acts is the owner of a token (as); trustedActor is for the
 * service's own process only and is not part of Social.
 */
export class SocialService implements Social {
  private readonly kv: KV;
  private readonly keys: Keyspace;
  private readonly store: Store;
  /** The store for reads that go to it, moving the floor of the read index age as they end (StoreReadFloor). */
  private readonly readStore: Store;
  private readonly storeReads: StoreReads;
  private readonly readModel: ReadModel | undefined;
  private readonly revisions: RevisionReader;
  private readonly postEvents: PostEventHub;
  /** Every write that adds a notification tells it, through `store.notified`. */
  private readonly notificationTrimmer: NotificationTrimmer;
  private readonly sessions: SessionJudge;
  private readonly actors: ActorContext;
  /** The Reader methods for nobody in particular. */
  private readonly anyone: Reader;

  constructor(options: SocialServiceOptions) {
    this.kv = options.kv;
    this.keys = options.keys ?? keyspace();
    this.store = {
      kv: this.kv,
      keys: this.keys,
      notified: (recipient, revision) => this.notificationTrimmer.notified(recipient, revision),
    };
    const now = options.now ?? Date.now;
    const floor = new StoreReadFloor();
    this.readStore = { kv: floor.reading(this.kv), keys: this.keys };
    this.storeReads = new StoreReads(this.readStore);
    this.readModel = options.readModel;
    this.revisions = new RevisionReader(options.kv, { maxAgeMs: options.readIndexAgeMs, floor: () => floor.at });
    const readModel = this.readModel;
    this.notificationTrimmer = new NotificationTrimmer(this.store, options.notificationBound, async (recipient, revision) =>
      readModel && (await readModel.waitFor(revision)) ? readModel.view.relations.notificationCount(recipient) : undefined,
    );
    this.postEvents = new PostEventHub(
      this.keys,
      readModel ? (listener) => readModel.listen(listener) : storeEventSource(this.kv, this.keys),
      options.streamBuffer,
    );
    this.sessions = new SessionJudge(this.store, now);
    this.actors = {
      store: this.store,
      readStore: this.readStore,
      now,
      random: options.random ?? Math.random,
      reads: () => this.reads('acknowledged'),
      readsAt: (revision) => this.readsAt(revision),
      hints: readModel && {
        // The model's current view, whatever it has applied: the txn that uses an answer compares it.
        post: (id) => readModel.view.post(id),
        favourite: (postId, actor) => readModel.view.indexes.favourite(postId, actor),
        reblog: (originalId, actor) => readModel.view.indexes.reblog(originalId, actor),
      },
    };
    this.anyone = reader(async (consistency) => ({ reads: await this.reads(consistency), viewer: undefined }));
  }

  /**
   * Where this call reads: the view once it reflects every write that
   * completed (`linearizable`) or was acknowledged (`acknowledged`) before
   * the call (a quorum read shared with other calls, then a wait for the
   * watch), the store when there is no view or it lags too far. Read in
   * the same turn of the event loop: the view moves on events.
   */
  private async reads(consistency: ReadConsistency): Promise<SocialReads> {
    if (!this.readModel) return this.storeReads;
    const revision = await (consistency === 'linearizable' ? this.revisions.current() : this.revisions.recent());
    return (await this.readModel.waitFor(revision)) ? new ViewReads(this.readModel.view) : this.storeReads;
  }

  /**
   * Where this call reads when it must reflect the store at `revision`, a
   * revision the caller saw (its own txn's): the view once it has applied
   * that revision, else the store. No quorum read: the caller's txn was
   * one.
   */
  private async readsAt(revision: number): Promise<SocialReads> {
    if (!this.readModel) return this.storeReads;
    return (await this.readModel.waitFor(revision)) ? new ViewReads(this.readModel.view) : this.storeReads;
  }

  as(token: string): Actor {
    // A post's author may come from a lagging view: its txn checks the session.
    const quickOwner = async (tokenHash: string) => this.readModel?.view.session(tokenHash) ?? this.storeReads.session(tokenHash);
    return serviceActor(
      this.actors,
      tokenIdentity(token, this.sessions, (consistency) => this.reads(consistency), quickOwner),
    );
  }

  /**
   * An Actor for `username`, taken on trust: for service tests and tools
   * in this process, which decide who acts themselves. Never reachable
   * over gRPC: the adapter (grpc.ts) is given a Social, which has only `as`.
   */
  trustedActor(username: string): Actor {
    return serviceActor(
      this.actors,
      trustedIdentity(username, (consistency) => this.reads(consistency)),
    );
  }

  getProfiles(usernames: readonly string[]): Promise<Profile[]> {
    return guard(async () => {
      if (!Array.isArray(usernames) || usernames.length > MAX_PROFILES) {
        throw new DomainError('invalid', `Ask for at most ${MAX_PROFILES} profiles at once.`);
      }
      const names = usernames.map((name) => (typeof name === 'string' ? name.toLowerCase() : '')).filter(isUsername);
      const reads = await this.reads('acknowledged');
      const profiles = await Promise.all(names.map((name) => reads.profile(name)));
      return profiles.filter((profile): profile is Profile => profile !== undefined);
    });
  }

  getProfile(username: string): Promise<Profile> {
    return guard(async () => {
      const name = lookupUsername(username);
      return found(await (await this.reads('acknowledged')).profile(name), noSuchUser);
    });
  }

  searchAccounts(prefix: string, limit?: number): Promise<Account[]> {
    return guard(async () => {
      const start = parseUsernamePrefix(prefix);
      const range = await this.readStore.kv.range({ prefix: this.keys.accountsPrefix(start), limit: parseLimit(limit) });
      return range.items.map((item) => parsePublicAccount(item.value));
    });
  }

  listFollowers(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.readStore, 'followers', username, limit, cursor));
  }

  listFollowing(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.readStore, 'following', username, limit, cursor));
  }

  isFollowing(follower: string, followee: string): Promise<boolean> {
    return guard(async () => {
      const from = follower.toLowerCase();
      const to = followee.toLowerCase();
      if (!isUsername(from) || !isUsername(to)) return false;
      return (await this.reads('linearizable')).isFollowing(from, to);
    });
  }

  getPost(id: string): Promise<Post> {
    return guard(async () => {
      if (!isPostId(id)) throw noSuchPost();
      return found(await (await this.reads('linearizable')).post(id), noSuchPost);
    });
  }

  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.anyone.listPosts(author, limit, cursor);
  }

  publicTimeline(limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.anyone.publicTimeline(limit, cursor);
  }

  tagTimeline(tag: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.anyone.tagTimeline(tag, limit, cursor);
  }

  getThread(postId: string): Promise<Thread> {
    return this.anyone.getThread(postId);
  }

  threadContext(postId: string): Promise<ThreadContext> {
    return this.anyone.threadContext(postId);
  }

  describePosts(postIds: readonly string[], options?: DescribeOptions): Promise<PostDescriptions> {
    return this.anyone.describePosts(postIds, options);
  }

  favouritedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => reactedBy(this.readStore, 'favourites', postId, limit, cursor));
  }

  rebloggedBy(postId: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => reactedBy(this.readStore, 'reblogs', postId, limit, cursor));
  }

  /** From the read model's watch when there is one (events arrive once the view has them), else a store watch of its own. */
  watchPosts(signal: AbortSignal): AsyncIterable<PostEvent> {
    return this.postEvents.watch(signal);
  }

  /**
   * Finishes deleting the accounts the auth service has tombstoned
   * (account-deletion.ts); returns how many it finished. Idempotent and
   * safe on several instances at once. Not part of Social: cmd runs it at
   * start-up, when a tombstone appears, and on a timer (DeletionSweeper).
   */
  sweepDeletedAccounts(): Promise<number> {
    return guard(() => sweepDeletedAccounts(this.store));
  }

  /** Ends every watchPosts stream with `unavailable` (the service is shutting down). */
  closeStreams(): void {
    this.postEvents.close();
  }
}

/** Enough for a page of statuses (at most 40 authors) with room to spare. */
const MAX_PROFILES = 100;
