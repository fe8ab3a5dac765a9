import type { Profile } from '../../domain/account.js';
import type { Notification } from '../../domain/notification.js';
import { encodeCursor, type Page, type PageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { NotificationMarker, Relationship } from '../../domain/social.js';
import type { Keyspace } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { parsePost, parseSession } from '../../kv/records.js';
import { type CursorPage, rangeAfterCursor, scan } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { getAccount } from './accounts.js';
import { mapLimit } from './concurrency.js';
import { listAllFollowing } from './follows.js';
import { mergeNewestFirst } from './merge.js';
import type { NotificationPageRequest } from './notification-pages.js';
import { type FavouriteListEntry, type Reactions, type SessionOwner, type SocialReads, sessionOwner } from './reads.js';
import { StoreRelations } from './relation-reads.js';

/** Store round trips in flight at once while reading followees' posts. */
const FEED_PARALLELISM = 16;

/**
 * SocialReads straight from the store: linearizable, since every read is a
 * quorum read, and slower than the view by a round trip or more per call.
 * The service uses it when it runs without a view or the view lags.
 */
export class StoreReads implements SocialReads {
  readonly #store: Store;
  readonly #kv: KV;
  readonly #keys: Keyspace;
  readonly #relations: StoreRelations;

  constructor(store: Store) {
    this.#store = store;
    this.#relations = new StoreRelations(store);
    this.#kv = store.kv;
    this.#keys = store.keys;
  }

  async profile(username: string): Promise<Profile | undefined> {
    const [account, followers, following, posts] = await Promise.all([
      getAccount(this.#store, username),
      this.#kv.count(this.#keys.followersPrefix(username)),
      this.#kv.count(this.#keys.followingPrefix(username)),
      this.#kv.count(this.#keys.authorPostsPrefix(username)),
    ]);
    return account && { account, followers, following, posts };
  }

  async isFollowing(follower: string, followee: string): Promise<boolean> {
    return (await this.#kv.get(this.#keys.following(follower, followee))) !== undefined;
  }

  async post(id: string): Promise<Post | undefined> {
    const index = await this.#kv.get(this.#keys.post(id));
    const entry = index && (await this.#kv.get(this.#keys.authorPost(index.value, id)));
    return entry && parsePost(entry.value);
  }

  /** Newest first, because post ids sort that way; later posts have smaller ids, so pages never shift. */
  async posts(author: string, page: PageRequest): Promise<Page<Post> | undefined> {
    const [account, range] = await Promise.all([getAccount(this.#store, author), this.#authorPosts(author, page)]);
    if (!account) return undefined;
    return { items: range.items.map((item) => parsePost(item.value)), next: range.next === undefined ? null : encodeCursor(range.next) };
  }

  /**
   * Reads each followee's newest `limit` posts after the cursor and merges
   * them: cost grows with the page size and the number of followees, never
   * with the total number of posts.
   */
  async feed(username: string, page: PageRequest): Promise<Page<Post> | undefined> {
    if (!(await getAccount(this.#store, username))) return undefined;
    const followees = await listAllFollowing(this.#store, username);
    // A followee without an account was deleted and is being swept: its posts are gone already for readers.
    const ranges = await mapLimit(followees, FEED_PARALLELISM, async (followee) => {
      const [account, range] = await Promise.all([this.#kv.get(this.#keys.account(followee)), this.#authorPosts(followee, page)]);
      return account ? range : { ...range, items: [], next: undefined };
    });
    const merged = mergeNewestFirst(
      ranges.map((range) => range.items.map((item) => parsePost(item.value))),
      page.limit + 1,
    );
    const items = merged.slice(0, page.limit);
    const last = items.at(-1);
    const more = merged.length > page.limit || ranges.some((range) => range.next !== undefined);
    return { items, next: more && last ? encodeCursor(last.id) : null };
  }

  /**
   * Ranges over the id index (`posts/<id>` → author), whose keys ascend
   * newest first like every post list, then reads each post under its
   * author: one range plus `limit` point reads in parallel, whatever the
   * total number of posts. A post deleted between the two reads is left
   * out of the page (the cursor still moves past it).
   */
  async timeline(page: PageRequest): Promise<Page<Post>> {
    const range = await rangeAfterCursor(this.#kv, { prefix: this.#keys.family('posts'), cursor: page.after, limit: page.limit });
    const entries = await mapLimit(range.items, FEED_PARALLELISM, (item) =>
      this.#kv.get(this.#keys.authorPost(item.value, item.key.slice(this.#keys.family('posts').length))),
    );
    // The public timeline lists no reblogs (the view never holds them there).
    const items = entries.flatMap((entry) => (entry ? [parsePost(entry.value)] : [])).filter((post) => post.reblogOf === undefined);
    return { items, next: range.next === undefined ? null : encodeCursor(range.next) };
  }

  async session(tokenHash: string): Promise<SessionOwner | undefined> {
    const entry = await this.#kv.get(this.#keys.session(tokenHash));
    return entry && sessionOwner(parseSession(entry.value));
  }

  async replies(parentId: string): Promise<string[]> {
    const prefix = this.#keys.repliesPrefix(parentId);
    const ids: string[] = [];
    for await (const item of scan(this.#kv, { prefix })) ids.push(item.key.slice(prefix.length));
    return ids.reverse();
  }

  /** A range over the tag's rows (value: the author), then each post under its author; one deleted meanwhile is left out. */
  async tagged(tag: string, page: PageRequest): Promise<Page<Post>> {
    const prefix = this.#keys.tagPrefix(tag);
    const range = await rangeAfterCursor(this.#kv, { prefix, cursor: page.after, limit: page.limit });
    const entries = await mapLimit(range.items, FEED_PARALLELISM, (item) =>
      this.#kv.get(this.#keys.authorPost(item.value, item.key.slice(prefix.length))),
    );
    const items = entries.flatMap((entry) => (entry ? [parsePost(entry.value)] : []));
    return { items, next: range.next === undefined ? null : encodeCursor(range.next) };
  }

  /** Counts are count-only ranges over the rows, so no counter key exists to become hot. */
  async reactions(postId: string, viewer?: string): Promise<Reactions> {
    const keys = this.#keys;
    const has = async (key: string) => viewer !== undefined && (await this.#kv.get(key)) !== undefined;
    const [replies, reblogs, favourites, favourited, reblogged] = await Promise.all([
      this.#kv.count(keys.repliesPrefix(postId)),
      this.#kv.count(keys.reblogsPrefix(postId)),
      this.#kv.count(keys.favouritesPrefix(postId)),
      has(keys.favourite(postId, viewer ?? '')),
      has(keys.reblog(postId, viewer ?? '')),
    ]);
    return { replies, reblogs, favourites, favourited, reblogged };
  }
  postsById(ids: readonly string[]): Promise<(Post | undefined)[]> {
    return Promise.all(ids.map((id) => this.post(id)));
  }

  reactionsOf(postIds: readonly string[], viewer?: string): Promise<Reactions[]> {
    return Promise.all(postIds.map((id) => this.reactions(id, viewer)));
  }

  profilesOf(usernames: readonly string[]): Promise<(Profile | undefined)[]> {
    return Promise.all(usernames.map((name) => this.profile(name)));
  }

  async favourites(actor: string, page: PageRequest): Promise<{ items: FavouriteListEntry[]; next: string | undefined }> {
    const prefix = this.#keys.actorFavouritesPrefix(actor);
    const range = await rangeAfterCursor(this.#kv, { prefix, cursor: page.after, limit: page.limit });
    const items = await mapLimit(range.items, FEED_PARALLELISM, async (item) => ({
      id: item.key.slice(prefix.length),
      post: await this.post(item.value),
    }));
    return { items, next: range.next };
  }

  #authorPosts(author: string, page: PageRequest): Promise<CursorPage> {
    return rangeAfterCursor(this.#kv, { prefix: this.#keys.authorPostsPrefix(author), cursor: page.after, limit: page.limit });
  }

  // Blocks, mutes and notifications: see relation-reads.ts.
  hiddenFor(viewer: string): Promise<(author: string) => boolean> {
    return this.#relations.hiddenFor(viewer);
  }

  relationships(actor: string, targets: readonly string[]): Promise<Relationship[]> {
    return this.#relations.relationships(actor, targets);
  }

  notifications(recipient: string, request: NotificationPageRequest): Promise<Page<Notification>> {
    return this.#relations.notifications(recipient, request);
  }

  notification(recipient: string, id: string): Promise<Notification | undefined> {
    return this.#relations.notification(recipient, id);
  }

  notificationMarker(recipient: string): Promise<NotificationMarker> {
    return this.#relations.notificationMarker(recipient);
  }
}
