import type { Account, Profile } from '../../domain/account.js';
import { encodeCursor, type Page, type PageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { type Keyspace, keyspace } from '../../kv/keys.js';
import { NO_LEASE, type WatchEvent } from '../../kv/kv.js';
import type { StoredSession } from '../../kv/records.js';
import { parsePost, parsePublicAccount, parseSession } from '../../kv/records.js';
import { FEED_CACHE_POSTS, FeedCache } from './feed-cache.js';
import { mergeNewestFirst } from './merge.js';
import { PostList } from './post-list.js';
import { PublicTimeline } from './public-timeline.js';
import { type SessionOwner, sessionOwner } from './reads.js';
import type { ViewEntry } from './view-entry.js';
import { PostIndexes } from './view-posts.js';
import { isRelationKey, ViewRelations } from './view-relations.js';

/**
 * The social service's in-memory copy of what its hot reads need: accounts,
 * follow edges, posts per author and sessions. It is derived state only,
 * built from key-value events (a listing, then a watch), so any instance
 * can throw it away and rebuild it from the store.
 *
 * Applying events is idempotent and order-tolerant in the one way the
 * feeder needs: a listing read page by page overlaps the watch that
 * follows it, so an event may arrive for a key the listing already
 * showed. Posts, sessions and accounts are written once and deleted once
 * (ids are never reused, and a deleted account's name stays taken by its
 * tombstone), so repeats are harmless; follow edges come and go, so each keeps the revision it was
 * last written at and older events for it are ignored. Once every event up
 * to the last page's revision has been applied, the view equals the store
 * at that revision (see ReadModel).
 */
export class View {
  readonly #keys: Keyspace;
  readonly #accounts = new Map<string, Account>();
  /** follower → followee → modRevision of the edge. */
  readonly #following = new Map<string, Map<string, number>>();
  /** followee → followers: whose cached feed a post by the followee changes (#feeds). */
  readonly #followers = new Map<string, Set<string>>();
  /** author → posts in ascending id order, which is newest first, with their sort keys. */
  readonly #posts = new Map<string, PostList>();
  /**
   * Every post but reblogs, oldest first: the public timeline, and where
   * post(id) finds a post (public-timeline.ts). The posts themselves are
   * shared with #posts.
   */
  readonly #timeline = new PublicTimeline();
  /** Reblogs by id: the public timeline lists none. */
  readonly #reblogPosts = new Map<string, Post>();
  /** sharedName's last answer. */
  #lastName = '';
  #lastShared = '';
  /** token hash → owner. */
  readonly #sessions = new Map<string, SessionOwner>();
  /** Blocks, mutes and notifications (view-relations.ts), applied and read alike. */
  readonly relations: ViewRelations;
  /** Replies, tags, favourites and reblogs (view-posts.ts). */
  readonly indexes = new PostIndexes();
  /**
   * Each recent reader's feed head (its first merged posts), forgotten on every event
   * that can change it (#forgetFeedsOf): a post or delete by a followee, a
   * followee's account appearing or going, the reader's follow edges.
   * Events are applied before any read that waits for them, so an entry
   * is always the merge of the view as it stands.
   */
  readonly #feeds = new FeedCache();

  /** A view of the keys laid out by `keys`; keys of any other layout are ignored. */
  constructor(keys: Keyspace = keyspace()) {
    this.#keys = keys;
    this.relations = new ViewRelations(this);
  }

  /**
   * Applies a key as listed (a put at its modRevision). A listing reads
   * slices in parallel, so an author's posts arrive in interleaved runs:
   * they are appended as they come and sorted once by endListing, which
   * must be called before the view is read or fed events. A listing shows
   * each key once, and each key may be applied so only once: posts are
   * not looked up first (see listPost).
   */
  applyListed(kv: ViewEntry): void {
    this.#put(kv, true);
  }

  /**
   * What applyListed does with an account's key, its value parsed
   * already: a snapshot (view-snapshot.ts) holds records, not key-values,
   * and comes in through these three. Accounts first, so that edges and
   * posts can share their usernames' strings.
   */
  listAccount(account: Account): void {
    this.#accounts.set(account.username, account);
  }

  /**
   * A follow edge as listed, at the revision it was last written. Both
   * names as sharedName gives them (so is post.author in listPost): one
   * string per account, not one per key that names it.
   */
  listEdge(follower: string, followee: string, revision: number): void {
    let edges = this.#following.get(follower);
    if (edges === undefined) {
      edges = new Map<string, number>();
      this.#following.set(follower, edges);
    }
    const seen = edges.get(followee);
    if (seen !== undefined) {
      if (seen < revision) edges.set(followee, revision);
      return;
    }
    edges.set(followee, revision);
    let followers = this.#followers.get(followee);
    if (followers === undefined) {
      followers = new Set<string>();
      this.#followers.set(followee, followers);
    }
    followers.add(follower);
  }

  /**
   * A post as listed, `post.author` its author's username (see listEdge).
   * A listing shows each key once, and so does a snapshot: a post is not
   * looked up first (that index, a Map of every post, cost a third of a
   * snapshot load; see public-timeline.ts).
   */
  listPost(post: Post): void {
    const author = post.author;
    let list = this.#posts.get(author);
    if (list === undefined) {
      list = new PostList();
      this.#posts.set(author, list);
    }
    list.append(post);
    // The public timeline lists no reblogs.
    if (post.reblogOf === undefined) this.#timeline.append(post);
    else this.#reblogPosts.set(post.id, post);
  }

  /** The string the view keeps for a username: the account's own where there is one (listed first, so edges and posts can share it). */
  sharedName(name: string): string {
    // A listing comes in key order, so one follower's edges and one author's posts in a row: one comparison, not a lookup.
    if (name === this.#lastName) return this.#lastShared;
    const shared = this.#accounts.get(name)?.username ?? name;
    this.#lastName = name;
    this.#lastShared = shared;
    return shared;
  }

  /**
   * The keys the view holds, written back as a listing would show them, so
   * that applyListed of each (then endListing) rebuilds an equal view.
   * Values are re-encoded from what the view kept, which is all its reads
   * use (a session's lease and client id are not kept: its value says only
   * whether it was an OAuth grant), and revisions are the ones the view
   * compares (0 where it compares none). Made of the four parts a snapshot
   * saves (eachAccount, eachEdgeList, eachPost, otherEntries), which
   * listAccount, listEdge, listPost and applyListed take back.
   *
   * Safe to consume across turns of the event loop while events are applied
   * (so are the parts, between the items they yield): like a listing read
   * in slices, it then shows every key that existed throughout and maybe
   * some written meanwhile, and the view it rebuilds is equal to the store
   * once the events since the first key was read have been applied again
   * (ReadModel does).
   */
  *entries(): Generator<ViewEntry> {
    const keys = this.#keys;
    for (const account of this.eachAccount()) yield { key: keys.account(account.username), value: JSON.stringify(account), modRevision: 0 };
    for (const [follower, edges] of this.eachEdgeList()) {
      for (const [followee, revision] of edges) yield { key: keys.following(follower, followee), value: '', modRevision: revision };
    }
    for (const post of this.eachPost()) yield { key: keys.authorPost(post.author, post.id), value: JSON.stringify(post), modRevision: 0 };
    yield* this.otherEntries();
  }

  eachAccount(): IterableIterator<Account> {
    return this.#accounts.values();
  }

  /** Each follower's edges: followee → the revision the edge was last written at. */
  eachEdgeList(): IterableIterator<[string, ReadonlyMap<string, number>]> {
    return this.#following.entries();
  }

  /**
   * Every post, in ascending id order (newest first), `author` set: so
   * listPost of each builds every list and the timeline already in order,
   * and endListing has nothing to sort.
   */
  *eachPost(): Generator<Post> {
    // Copies, taken in one turn: a delete while the caller waits would shift the arrays under the loop.
    const timeline = [...this.#timeline.posts];
    const reblogs = [...this.#reblogPosts.values()].sort(byId);
    let r = 0;
    for (let i = timeline.length - 1; i >= 0; i--) {
      const post = timeline[i]!;
      while (r < reblogs.length && reblogs[r]!.id < post.id) yield reblogs[r++]!;
      yield post;
    }
    while (r < reblogs.length) yield reblogs[r++]!;
  }

  /** What the view holds besides accounts, edges and posts, as key-values for applyListed: sessions, post indexes, relations. */
  *otherEntries(): Generator<ViewEntry> {
    const keys = this.#keys;
    for (const [tokenHash, owner] of this.#sessions) {
      const { scopes, ...rest } = owner;
      const stored: StoredSession = { ...rest, leaseId: NO_LEASE, ...(scopes === undefined ? {} : { clientId: '', scopes }) };
      yield { key: keys.session(tokenHash), value: JSON.stringify(stored), modRevision: 0 };
    }
    yield* this.indexes.entries(keys);
    yield* this.relations.entries(keys);
  }

  /** Puts what the listing appended in order. */
  endListing(): void {
    for (const list of this.#posts.values()) list.sort();
    this.#timeline.endListing(this.#posts.values());
    this.indexes.endListing();
    this.#feeds.clear();
  }

  applyEvent(event: WatchEvent): void {
    if (event.type === 'put') this.#put(event.kv);
    else this.#delete(event.kv.key, event.kv.modRevision);
  }

  #put(kv: ViewEntry, listing = false): void {
    const key = this.#keys.parse(kv.key);
    if (isRelationKey(key)) {
      this.relations.put(key, kv);
      return;
    }
    if (key && this.indexes.put(key, kv.value, listing)) return;
    switch (key?.family) {
      case 'accounts': {
        // A profile edit leaves feeds as they were; an account appearing adds its posts to its followers'.
        if (!listing && !this.#accounts.has(key.username)) this.#forgetFeedsOf(key.username);
        this.#accounts.set(key.username, parsePublicAccount(kv.value));
        return;
      }
      case 'following': {
        const { follower, followee } = key;
        if (listing) {
          this.listEdge(this.sharedName(follower), this.sharedName(followee), kv.modRevision);
          return;
        }
        const edges = this.#following.get(follower) ?? new Map<string, number>();
        const seen = edges.get(followee);
        if (seen !== undefined && seen >= kv.modRevision) return;
        this.#following.set(follower, edges);
        if (seen === undefined) {
          const followers = this.#followers.get(followee) ?? new Set<string>();
          if (followers.size === 0) this.#followers.set(followee, followers);
          // One string per account, not one per edge.
          followers.add(this.sharedName(follower));
          this.#feeds.delete(follower);
        }
        edges.set(followee, kv.modRevision);
        return;
      }
      case 'posts-by': {
        const { author, postId } = key;
        // A repeated event is skipped before its value is parsed (a listing has no repeats).
        if (!listing && this.post(postId) !== undefined) return;
        const post = parsePost(kv.value);
        // Share one string per author instead of one per post.
        post.author = this.sharedName(author);
        if (listing) {
          this.listPost(post);
          return;
        }
        const list = this.#posts.get(author) ?? new PostList();
        if (list.length === 0) this.#posts.set(author, list);
        list.insert(post);
        this.#forgetFeedsOf(author);
        // The public timeline lists no reblogs.
        if (post.reblogOf === undefined) this.#timeline.insert(post);
        else this.#reblogPosts.set(post.id, post);
        return;
      }
      case 'sessions': {
        this.#sessions.set(key.tokenHash, sessionOwner(parseSession(kv.value)));
        return;
      }
    }
  }

  #delete(storeKey: string, revision: number): void {
    const key = this.#keys.parse(storeKey);
    if (isRelationKey(key)) {
      this.relations.delete(key, revision);
      return;
    }
    if (key && this.indexes.delete(key)) return;
    switch (key?.family) {
      case 'accounts':
        // The home feed hides a deleted followee's posts at once, before the sweeper removes them.
        if (this.#accounts.delete(key.username)) this.#forgetFeedsOf(key.username);
        this.#feeds.delete(key.username);
        return;
      case 'following': {
        const { follower, followee } = key;
        const edges = this.#following.get(follower);
        const seen = edges?.get(followee);
        if (edges === undefined || seen === undefined || seen > revision) return;
        edges.delete(followee);
        if (edges.size === 0) this.#following.delete(follower);
        const followers = this.#followers.get(followee);
        followers?.delete(follower);
        if (followers?.size === 0) this.#followers.delete(followee);
        this.#feeds.delete(follower);
        return;
      }
      case 'posts-by': {
        const { author, postId } = key;
        if (!this.#timeline.remove(postId) && !this.#reblogPosts.delete(postId)) return;
        this.#forgetFeedsOf(author);
        const list = this.#posts.get(author);
        if (!list) return;
        list.remove(postId);
        if (list.length === 0) this.#posts.delete(author);
        return;
      }
      case 'sessions':
        this.#sessions.delete(key.tokenHash);
        return;
    }
  }

  account(username: string): Account | undefined {
    return this.#accounts.get(username);
  }

  profile(username: string): Profile | undefined {
    const account = this.#accounts.get(username);
    if (!account) return undefined;
    return {
      account,
      followers: this.#followers.get(username)?.size ?? 0,
      following: this.#following.get(username)?.size ?? 0,
      posts: this.#posts.get(username)?.length ?? 0,
    };
  }

  isFollowing(follower: string, followee: string): boolean {
    return this.#following.get(follower)?.has(followee) ?? false;
  }

  post(id: string): Post | undefined {
    return this.#timeline.find(id) ?? this.#reblogPosts.get(id);
  }

  session(tokenHash: string): SessionOwner | undefined {
    return this.#sessions.get(tokenHash);
  }

  /** The author's posts, newest first, strictly after post id `page.after`. */
  posts(author: string, page: PageRequest): Page<Post> {
    const list = this.#posts.get(author);
    if (!list) return { items: [], next: null };
    const start = page.after === undefined ? 0 : list.firstAfter(page.after, false);
    const items = list.posts.slice(start, start + page.limit);
    const more = start + page.limit < list.length;
    return { items, next: more ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  /**
   * Posts by the accounts `username` follows, newest first, strictly after
   * `page.after`: a k-way merge over each followee's list from the cursor
   * on, so the cost is O(k log n) to find the starting points plus
   * O(limit log k) to merge, whatever the total number of posts. A page
   * comes from the reader's cached head (#feeds) when the head holds it
   * whole: the first page, and the next rounds a home page reads when
   * its rules filtered out part of the first (timelines.ts homeFeed).
   * A first page that finds no head fills it; other pages are merged.
   */
  feed(username: string, page: PageRequest): Page<Post> {
    let head = this.#feeds.get(username);
    let start = head === undefined || page.after === undefined ? 0 : countThrough(head.posts, page.after);
    // The head is a prefix of the merged feed: the posts in it after the cursor are the first of those after the cursor.
    const covers = head !== undefined && (head.complete || head.posts.length - start > page.limit);
    if (!covers) {
      // Only a first page fills the cache: deep pages are read once per reader, not again and again.
      if (page.after !== undefined) return this.mergedFeed(username, page);
      const take = Math.max(page.limit + 1, FEED_CACHE_POSTS);
      const posts = this.mergedFeed(username, { after: undefined, limit: take - 1 }, take);
      head = { posts, complete: posts.length < take };
      this.#feeds.set(username, head);
      start = 0;
    }
    const posts = head!.posts;
    const items = posts.slice(start, start + page.limit);
    const more = posts.length - start > page.limit;
    return { items, next: more ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  /**
   * The feed as `feed` gives it, merged anew and left out of the cache
   * (tests compare the two). With `take`, the first `take` posts merged,
   * unpaged.
   */
  mergedFeed(username: string, page: PageRequest): Page<Post>;
  mergedFeed(username: string, page: PageRequest, take: number): Post[];
  mergedFeed(username: string, page: PageRequest, take?: number): Page<Post> | Post[] {
    const lists: Post[][] = [];
    const keys: number[][] = [];
    const starts: number[] = [];
    for (const followee of this.#following.get(username)?.keys() ?? []) {
      const list = this.#posts.get(followee);
      // A followee without an account was deleted and is being swept: its posts are gone already for readers.
      if (!list || !this.#accounts.has(followee)) continue;
      const start = page.after === undefined ? 0 : list.firstAfter(page.after, false);
      if (start < list.length) {
        lists.push(list.posts);
        keys.push(list.keys);
        starts.push(start);
      }
    }
    const merged = mergeNewestFirst(lists, take ?? page.limit + 1, starts, keys);
    if (take !== undefined) return merged;
    const items = merged.slice(0, page.limit);
    return { items, next: merged.length > page.limit ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  /** Everyone's posts, newest first, strictly after post id `page.after` (see #timeline). */
  timeline(page: PageRequest): Page<Post> {
    const list = this.#timeline.posts;
    // Newest first is walking the array backwards from the end, or from just before the cursor.
    const end = page.after === undefined ? list.length : this.#timeline.countGreater(page.after);
    const items: Post[] = [];
    for (let i = end - 1; i >= 0 && items.length < page.limit; i--) items.push(list[i]!);
    const more = end - items.length > 0;
    return { items, next: more ? encodeCursor(items[items.length - 1]!.id) : null };
  }

  /** Forgets the cached feeds of the author's followers (a post of theirs, or their account, came or went). */
  #forgetFeedsOf(author: string): void {
    const followers = this.#followers.get(author);
    if (followers) this.#feeds.forgetAmong(followers, (reader) => this.isFollowing(reader, author));
  }

  /** Sizes, for logs and benchmarks. */
  stats(): { accounts: number; edges: number; posts: number; sessions: number } {
    let edges = 0;
    for (const followees of this.#following.values()) edges += followees.size;
    return { accounts: this.#accounts.size, edges, posts: this.#timeline.length + this.#reblogPosts.size, sessions: this.#sessions.size };
  }
}

function byId(a: Post, b: Post): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** In a list sorted by ascending id: how many posts have an id not greater than `id`, the index of the first after it. */
function countThrough(list: readonly Post[], id: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]!.id <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}
