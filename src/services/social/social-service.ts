import type { Account, Profile } from '../../domain/account.js';
import { lookupUsername, parseUsernamePrefix } from '../../domain/account.js';
import { toDomainError } from '../../domain/errors.js';
import type { Page } from '../../domain/page.js';
import { parseLimit, parsePageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { isPostId } from '../../domain/post.js';
import type { Social } from '../../domain/social.js';
import { keys } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { getAccount, noSuchUser, parseAccount, requireAccount } from './accounts.js';
import type { FeedReader } from './feed.js';
import { KvFeedReader } from './feed.js';
import { follow, isFollowing, listEdges, unfollow } from './follows.js';
import { createPost, deletePost, getPost, listPosts } from './posts.js';

export interface SocialServiceOptions {
  kv: KV;
  /** Milliseconds since the epoch (post ids, follow times); injectable for tests. */
  now?: () => number;
  /** Uniform in [0, 1), for post id suffixes; injectable for tests. */
  random?: () => number;
  /** Where home feeds are read from; the store itself unless given. */
  feed?: FeedReader;
}

/**
 * Profiles, follows, posts and feeds over the KV store. Stateless: every
 * read goes to the (linearizable) store, so a write that returned is seen
 * by every instance. Every method throws only DomainError.
 */
export class SocialService implements Social {
  private readonly kv: KV;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly feed: FeedReader;

  constructor(options: SocialServiceOptions) {
    this.kv = options.kv;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.feed = options.feed ?? new KvFeedReader(options.kv);
  }

  getProfile(username: string): Promise<Profile> {
    return guard(async () => {
      const name = lookupUsername(username);
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
    return guard(() => isFollowing(this.kv, follower, followee));
  }

  createPost(author: string, text: string, idempotencyKey?: string): Promise<Post> {
    return guard(() => createPost(this.kv, this.now, this.random, author, text, idempotencyKey));
  }

  getPost(id: string): Promise<Post> {
    return guard(() => getPost(this.kv, id));
  }

  deletePost(id: string, actor: string): Promise<void> {
    return guard(() => deletePost(this.kv, id, actor));
  }

  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return guard(() => listPosts(this.kv, author, limit, cursor));
  }

  homeFeed(username: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return guard(async () => {
      const name = lookupUsername(username);
      const page = parsePageRequest(limit, cursor, isPostId);
      await requireAccount(this.kv, name);
      return this.feed.homeFeed(name, page);
    });
  }
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toDomainError(error);
  }
}
