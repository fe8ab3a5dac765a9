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
 * that can change it. Bounded like the web tier's caches: a young and an
 * old generation, a hit in the young one (the common case) is one Map
 * lookup with no reordering, and when the young one fills the old one is
 * dropped. Nothing depends on an entry being there.
 */
export class FeedCache {
  #young = new Map<string, FeedHead>();
  #old = new Map<string, FeedHead>();
  readonly #generation: number;

  constructor(capacity = FEED_CACHE_READERS) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer of at least 2, got ${capacity}`);
    this.#generation = capacity >> 1;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(reader: string): FeedHead | undefined {
    const head = this.#young.get(reader);
    if (head !== undefined) return head;
    const old = this.#old.get(reader);
    if (old !== undefined) {
      this.#old.delete(reader);
      this.set(reader, old);
    }
    return old;
  }

  set(reader: string, head: FeedHead): void {
    if (!this.#young.has(reader) && this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#old.delete(reader);
    this.#young.set(reader, head);
  }

  forget(reader: string): void {
    this.#young.delete(reader);
    this.#old.delete(reader);
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
      for (const reader of candidates) this.forget(reader);
      return;
    }
    for (const generation of [this.#young, this.#old]) {
      for (const reader of generation.keys()) if (follows(reader)) generation.delete(reader);
    }
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
