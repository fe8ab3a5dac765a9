import type { Post } from '../../domain/post.js';
import { mergeNewestFirst } from './merge.js';
import { type PostList, sortKey } from './post-list.js';

/**
 * Every post but reblogs, in DEScending id order (oldest first), with each
 * id's sortKey beside it: the public timeline, and the view's index of
 * posts by id (a binary search on the keys, about as fast as a Map lookup;
 * a Map of a million posts took a third of a snapshot load's CPU and
 * 20–40 MB of RSS). Of the orders over all posts considered, this one is cheap for
 * what the view does:
 * - a new post has (nearly always) the smallest id yet, so it lands at
 *   the end: an amortized O(1) push, or a binary search and a splice for
 *   one of the past (bulk-loaded, or replayed after a snapshot);
 * - a page is a binary search for the cursor then `limit` steps
 *   backwards: O(log n + limit);
 * - a delete is a binary search and a splice, O(n) moved pointers
 *   (a memmove of 8 bytes each: about 1 ms per million posts), and
 *   deletes are rare.
 * Kept newest first, like the author lists, every insert would move
 * every pointer; a k-way merge over all authors (as the feed does for
 * followees) costs O(authors) per page, which the public timeline, read
 * by anyone, cannot afford.
 */
export class PublicTimeline {
  readonly posts: Post[] = [];
  readonly keys: number[] = [];
  /** In what order a listing appended (endListing puts them in order): a snapshot's ascending ids are one reverse away. */
  #listed: 'in-order' | 'reversed' | 'unordered' = 'in-order';

  get length(): number {
    return this.posts.length;
  }

  /** Appends a listed post, in any order: endListing before reading. */
  append(post: Post): void {
    const last = this.posts[this.posts.length - 1];
    if (last !== undefined && this.#listed !== 'unordered') {
      const order = last.id > post.id ? 'in-order' : 'reversed';
      if (this.posts.length === 1) this.#listed = order;
      else if (order !== this.#listed) this.#listed = 'unordered';
    }
    this.posts.push(post);
    this.keys.push(sortKey(post.id));
  }

  /**
   * Puts what append left out of order in order: reversed, or merged from
   * the authors' lists (sorted by now, with their keys), which took a
   * third of the CPU of sorting a million posts by their string ids.
   */
  endListing(lists: Iterable<PostList>): void {
    if (this.#listed === 'reversed') {
      this.posts.reverse();
      this.keys.reverse();
    } else if (this.#listed === 'unordered') {
      const all = [...lists];
      const merged = mergeNewestFirst(
        all.map((list) => list.posts),
        Number.POSITIVE_INFINITY,
        undefined,
        all.map((list) => list.keys),
      );
      this.posts.length = 0;
      this.keys.length = 0;
      for (let i = merged.length - 1; i >= 0; i--) {
        const post = merged[i]!;
        if (post.reblogOf !== undefined) continue;
        this.posts.push(post);
        this.keys.push(sortKey(post.id));
      }
    }
    this.#listed = 'in-order';
  }

  /** Adds a post at its place (a new one at the end). */
  insert(post: Post): void {
    const last = this.posts[this.posts.length - 1];
    if (last === undefined || last.id > post.id) {
      this.posts.push(post);
      this.keys.push(sortKey(post.id));
      return;
    }
    const at = this.countGreater(post.id);
    this.posts.splice(at, 0, post);
    this.keys.splice(at, 0, sortKey(post.id));
  }

  /** Removes the post with this id; false when there is none. */
  remove(id: string): boolean {
    const at = this.countGreater(id);
    if (this.posts[at]?.id !== id) return false;
    this.posts.splice(at, 1);
    this.keys.splice(at, 1);
    return true;
  }

  find(id: string): Post | undefined {
    const post = this.posts[this.countGreater(id)];
    return post?.id === id ? post : undefined;
  }

  /** How many posts have an id greater than `id`: the index `id` has if present, and where a page after it ends. */
  countGreater(id: string): number {
    const key = sortKey(id);
    let low = 0;
    let high = this.posts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const midKey = this.keys[mid]!;
      // The strings are compared only on a tie of keys (or a NaN key).
      if (midKey > key || (!(midKey < key) && this.posts[mid]!.id > id)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
