import { BoundedCache } from '../../domain/bounded-cache.js';
import type { Post } from '../../domain/post.js';

/**
 * Readers whose feed head is kept at most; the generations (half of it
 * each) drop in bulk, so the 10,000 who read last are always kept. About
 * 0.6 KB per reader (64 pointers and a Map entry): ~12 MB in all.
 */
export const FEED_CACHE_READERS = 20_000;
/**
 * Posts kept per reader: a home page's raw reads ask for max(limit, 20)
 * posts plus one (to tell whether more follow), and where its rules
 * filter posts out it reads another round after the first; 64 serves
 * the first page and the common second round of a 20-post page, or the
 * first of a 40-post page, from the head.
 */
export const FEED_CACHE_POSTS = 64;

/** The head of a reader's merged feed: its newest posts, and whether the merge ran out before `posts` filled. */
export interface FeedHead {
  readonly posts: readonly Post[];
  readonly complete: boolean;
}

/**
 * The first merged page of each reader who read their feed lately, for
 * the view (View.feed), which forgets a reader's entry on every event
 * that can change it. A BoundedCache (domain/bounded-cache.ts): a young and an
 * old generation, a hit in the young one (the common case) is one Map
 * lookup with no reordering, and when the young one fills the old one is
 * dropped. Nothing depends on an entry being there.
 */
export class FeedCache extends BoundedCache<string, FeedHead> {
  constructor(capacity = FEED_CACHE_READERS) {
    super(capacity);
  }

  /**
   * Forgets every cached reader `follows(reader)` says yes to, among
   * `candidates` (the author's followers): walks whichever of the two is
   * smaller, so a post by an account with many followers costs at most
   * one lookup per cached reader.
   */
  forgetAmong(candidates: ReadonlySet<string>, follows: (reader: string) => boolean): void {
    if (this.size === 0 || candidates.size === 0) return;
    if (candidates.size <= this.size) {
      for (const reader of candidates) this.delete(reader);
      return;
    }
    for (const reader of this.keys()) if (follows(reader)) this.delete(reader);
  }
}
