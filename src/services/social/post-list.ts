import type { Post } from '../../domain/post.js';

const TIME_DIGITS = 9;

/**
 * A post id's leading time digits (base 36) as a number: ascending with
 * the id, so when two keys differ they order the ids as the strings do,
 * and only equal keys (posts of the same millisecond) need the strings
 * compared. NaN for a string that does not start with nine base-36
 * digits: NaN is neither less nor greater than any key, so such an id is
 * always compared as a string, and the order stays the strings' order.
 */
export function sortKey(id: string): number {
  if (id.length < TIME_DIGITS) return Number.NaN;
  let key = 0;
  for (let i = 0; i < TIME_DIGITS; i++) {
    const c = id.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (digit < 0) return Number.NaN;
    key = key * 36 + digit;
  }
  return key;
}

/**
 * One author's posts in ascending id order (newest first), with each
 * id's sortKey beside it: comparing ids is the hot step of the feed's
 * k-way merge and of finding where a cursor starts in each followee's
 * list, and a number compares several times faster than a 17-character
 * string (bench/feed-merge.ts).
 */
export class PostList {
  readonly posts: Post[] = [];
  readonly keys: number[] = [];
  /** Whether append kept the order (a snapshot's posts come in order, a listing's in runs). */
  #sorted = true;

  get length(): number {
    return this.posts.length;
  }

  /** Appends, in order or not: sort() before reading. */
  append(post: Post): void {
    const last = this.posts[this.posts.length - 1];
    if (last !== undefined && !(last.id < post.id)) this.#sorted = false;
    this.posts.push(post);
    this.keys.push(sortKey(post.id));
  }

  /** Puts what append left out of order in order (the runs a listing appends make this close to linear). */
  sort(): void {
    if (this.#sorted) return;
    this.posts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const [i, post] of this.posts.entries()) this.keys[i] = sortKey(post.id);
    this.#sorted = true;
  }

  insert(post: Post): void {
    const at = this.firstAfter(post.id, true);
    this.posts.splice(at, 0, post);
    this.keys.splice(at, 0, sortKey(post.id));
  }

  /** Removes the post with this id; false when there is none. */
  remove(id: string): boolean {
    const at = this.firstAfter(id, true);
    if (this.posts[at]?.id !== id) return false;
    this.posts.splice(at, 1);
    this.keys.splice(at, 1);
    return true;
  }

  /** Index of the first post whose id is greater than `id` (or, with `inclusive`, not less than it). */
  firstAfter(id: string, inclusive: boolean): number {
    const key = sortKey(id);
    let low = 0;
    let high = this.posts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const midKey = this.keys[mid]!;
      // The strings are compared only on a tie of keys (or a NaN key).
      const before = midKey < key || (!(midKey > key) && (this.posts[mid]!.id < id || (!inclusive && this.posts[mid]!.id === id)));
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
