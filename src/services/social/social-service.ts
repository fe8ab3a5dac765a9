import type { Account, Profile } from '../../domain/account.js';
import { lookupUsername, parseUsernamePrefix } from '../../domain/account.js';
import { DomainError, toDomainError } from '../../domain/errors.js';
import type { Page } from '../../domain/page.js';
import { parseLimit, parsePageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { isPostId, postJson } from '../../domain/post.js';
import type { SessionFeed, SessionFeedJson, Social } from '../../domain/social.js';
import { parseSession } from '../../kv/records.js';
import { isIdleExpired, needsTouch, touchSession } from '../sessions.js';
import { hashToken, isTokenShape } from '../tokens.js';
import type { ReadModel } from './read-model.js';
import { RevisionReader } from './revision-reader.js';
import type { SessionOwner, View } from './view.js';
import { keys } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { getAccount, noSuchUser, parseAccount, requireAccount } from './accounts.js';
import type { FeedReader } from './feed.js';
import { KvFeedReader } from './feed.js';
import { follow, isFollowing, listEdges, unfollow } from './follows.js';
import { createPost, deletePost, getPost, listPosts, noSuchPost } from './posts.js';

export interface SocialServiceOptions {
  kv: KV;
  /** Milliseconds since the epoch (post ids, follow times); injectable for tests. */
  now?: () => number;
  /** Uniform in [0, 1), for post id suffixes; injectable for tests. */
  random?: () => number;
  /** Where home feeds are read from when there is no read model; the store itself unless given. */
  feed?: FeedReader;
  /**
   * The watch-fed view that serves profiles, posts, feeds and session
   * checks from memory. Without one (or while it lags by more than its
   * staleness bound) every read goes to the store.
   */
  readModel?: ReadModel;
}

/**
 * Profiles, follows, posts and feeds over the KV store. Stateless: every
 * read goes to the (linearizable) store, so a write that returned is seen
 * by every instance. Every method throws only DomainError.
 */
export class SocialService implements Social {
  private readonly kv: KV;
  private readonly now: () => number;
  /** Sessions whose last-seen is being rewritten, so a burst of requests writes it once. */
  private readonly touching = new Set<string>();
  private readonly random: () => number;
  private readonly feed: FeedReader;
  private readonly readModel: ReadModel | undefined;
  private readonly revisions: RevisionReader;

  constructor(options: SocialServiceOptions) {
    this.kv = options.kv;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.feed = options.feed ?? new KvFeedReader(options.kv);
    this.readModel = options.readModel;
    this.revisions = new RevisionReader(options.kv);
  }

  /**
   * The view, once it reflects every write that completed before this
   * call (one shared quorum read, then a wait for the watch); undefined
   * when there is no view or it lags too far, and the store must answer.
   * Use the view in the same turn of the event loop: it moves on events.
   */
  private async freshView(): Promise<View | undefined> {
    if (!this.readModel) return undefined;
    const revision = await this.revisions.current();
    return (await this.readModel.waitFor(revision)) ? this.readModel.view : undefined;
  }

  getProfile(username: string): Promise<Profile> {
    return guard(async () => {
      const name = lookupUsername(username);
      const view = await this.freshView();
      if (view) {
        const profile = view.profile(name);
        if (!profile) throw noSuchUser();
        return profile;
      }
      const [account, followers, following, posts] = await Promise.all([
        getAccount(this.kv, name),
        this.kv.count(keys.followersPrefix(name)),
        this.kv.count(keys.followingPrefix(name)),
        this.kv.count(keys.authorPostsPrefix(name)),
      ]);
      if (!account) throw noSuchUser();
      return { account, followers, following, posts };
    });
  }

  searchAccounts(prefix: string, limit?: number): Promise<Account[]> {
    return guard(async () => {
      const start = parseUsernamePrefix(prefix);
      const range = await this.kv.range({ prefix: keys.accountsPrefix(start), limit: parseLimit(limit) });
      return range.items.map((item) => parseAccount(item.value));
    });
  }

  listFollowers(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.kv, keys.followersPrefix, username, limit, cursor));
  }

  listFollowing(username: string, limit?: number, cursor?: string): Promise<Page<Account>> {
    return guard(() => listEdges(this.kv, keys.followingPrefix, username, limit, cursor));
  }

  follow(follower: string, followee: string): Promise<void> {
    return guard(() => follow(this.kv, this.now, follower, followee));
  }

  unfollow(follower: string, followee: string): Promise<void> {
    return guard(() => unfollow(this.kv, follower, followee));
  }

  isFollowing(follower: string, followee: string): Promise<boolean> {
    return guard(async () => {
      const view = await this.freshView();
      if (!view) return isFollowing(this.kv, follower, followee);
      return view.isFollowing(follower.toLowerCase(), followee.toLowerCase());
    });
  }

  createPost(author: string, text: string, idempotencyKey?: string): Promise<Post> {
    return guard(() => createPost(this.kv, this.now, this.random, author, text, idempotencyKey));
  }

  postAsSession(token: string, text: string, idempotencyKey?: string): Promise<Post> {
    return guard(async () => {
      if (!isTokenShape(token)) throw loggedOut();
      const tokenHash = hashToken(token);
      // A token's owner never changes, so even a lagging view names it
      // rightly; whether the session still exists is checked by the txn.
      let owner: SessionOwner | undefined = this.readModel?.view.session(tokenHash);
      if (owner === undefined) {
        const entry = await this.kv.get(keys.session(tokenHash));
        if (!entry) throw loggedOut();
        owner = parseSession(entry.value);
      }
      const author = this.liveSessionOwner(tokenHash, owner).username;
      return createPost(this.kv, this.now, this.random, author, text, idempotencyKey, keys.session(tokenHash));
    });
  }

  getPost(id: string): Promise<Post> {
    return guard(async () => {
      const view = await this.freshView();
      if (!view) return getPost(this.kv, id);
      const post = isPostId(id) ? view.post(id) : undefined;
      if (!post) throw noSuchPost();
      return post;
    });
  }

  deletePost(id: string, actor: string): Promise<void> {
    return guard(() => deletePost(this.kv, id, actor));
  }

  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = lookupUsername(author);
      const page = parsePageRequest(limit, cursor, isPostId);
      const view = await this.freshView();
      if (!view) return listPosts(this.kv, author, limit, cursor);
      if (!view.account(name)) throw noSuchUser();
      return view.posts(name, page);
    });
  }

  homeFeed(username: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = lookupUsername(username);
      const page = parsePageRequest(limit, cursor, isPostId);
      const view = await this.freshView();
      if (view) {
        if (!view.account(name)) throw noSuchUser();
        return view.feed(name, page);
      }
      await requireAccount(this.kv, name);
      return this.feed.homeFeed(name, page);
    });
  }

  sessionFeed(token: string, limit?: number, cursor?: string): Promise<SessionFeed> {
    return guard(async () => {
      const { account, page } = await this.readSessionFeed(token, limit, cursor);
      return { account, page };
    });
  }

  sessionFeedJson(token: string, limit?: number, cursor?: string): Promise<SessionFeedJson> {
    return guard(async () => {
      const { account, page, view } = await this.readSessionFeed(token, limit, cursor);
      const postsJson = view ? view.postsJson(page.items) : JSON.stringify(page.items.map(postJson));
      return { account, postsJson, next: page.next };
    });
  }

  /** The session's account and feed page, and the view they came from (none if from the store). */
  private async readSessionFeed(token: string, limit: unknown, cursor: unknown) {
    if (!isTokenShape(token)) throw loggedOut();
    const page = parsePageRequest(limit, cursor, isPostId);
    const tokenHash = hashToken(token);
    const view = await this.freshView();
    if (view) {
      const owner = view.session(tokenHash);
      if (!owner) throw loggedOut();
      this.liveSessionOwner(tokenHash, owner);
      const account = { username: owner.username, createdAtMs: owner.accountCreatedAtMs };
      return { account, page: view.feed(owner.username, page), view };
    }
    const entry = await this.kv.get(keys.session(tokenHash));
    if (!entry) throw loggedOut();
    const session = this.liveSessionOwner(tokenHash, parseSession(entry.value));
    const account = { username: session.username, createdAtMs: session.accountCreatedAtMs };
    return { account, page: await this.feed.homeFeed(session.username, page), view: undefined };
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
      touchSession(this.kv, tokenHash, now)
        .catch(() => {})
        .finally(() => this.touching.delete(tokenHash));
    }
    return owner;
  }
}

const loggedOut = () => new DomainError('unauthenticated', 'Log in first.');

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toDomainError(error);
  }
}
