import type { Page, PageRequest } from '../../domain/page.js';
import { encodeCursor } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { keys } from '../../kv/keys.js';
import type { KV } from '../../kv/kv.js';
import { mapLimit } from './concurrency.js';
import { listAllFollowing } from './follows.js';
import { parsePost } from '../../kv/records.js';

/**
 * Where home feeds come from: the seam between the service (validation,
 * errors) and a way of reading posts. KvFeedReader reads the store on each
 * request; a watch-fed in-memory view can implement the same interface.
 */
export interface FeedReader {
  /**
   * Posts by the accounts `username` follows (an existing, canonical
   * username), newest first, strictly after post id `page.after`. `next`
   * is the cursor of the last item when more posts remain.
   */
  homeFeed(username: string, page: PageRequest): Promise<Page<Post>>;
}

/** Store round trips in flight at once while reading followees' posts. */
const FEED_PARALLELISM = 16;

/**
 * Reads each followee's newest `limit` posts after the cursor and merges
 * them: cost grows with the page size and the number of followees, never
 * with the total number of posts.
 */
export class KvFeedReader implements FeedReader {
  constructor(private readonly kv: KV) {}

  async homeFeed(username: string, page: PageRequest): Promise<Page<Post>> {
    const followees = await listAllFollowing(this.kv, username);
    const ranges = await mapLimit(followees, FEED_PARALLELISM, (followee) => {
      const prefix = keys.authorPostsPrefix(followee);
      return this.kv.range({ prefix, after: page.after === undefined ? undefined : prefix + page.after, limit: page.limit });
    });
    const merged = mergeNewestFirst(
      ranges.map((range) => range.items.map((item) => parsePost(item.value))),
      page.limit + 1,
    );
    const items = merged.slice(0, page.limit);
    const last = items[items.length - 1];
    const more = merged.length > page.limit || ranges.some((range) => range.more);
    return { items, next: more && last ? encodeCursor(last.id) : null };
  }
}

/**
 * K-way merge of lists already sorted by ascending post id (newest first),
 * taking at most `take`, list i from index starts[i] on (0 when absent):
 * a binary heap of list heads, built in O(k), then O(take · log k).
 */
export function mergeNewestFirst(lists: readonly (readonly Post[])[], take: number, starts?: readonly number[]): Post[] {
  // Heap entries: [list index, position in that list].
  const heap: [number, number][] = [];
  const idAt = ([list, pos]: [number, number]) => lists[list]![pos]!.id;
  const less = (a: [number, number], b: [number, number]) => idAt(a) < idAt(b);
  const swap = (i: number, j: number) => {
    [heap[i], heap[j]] = [heap[j]!, heap[i]!];
  };
  const push = (entry: [number, number]) => {
    heap.push(entry);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      swap(i, parent);
      i = parent;
    }
  };
  const siftDown = (from: number) => {
    for (let i = from; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      swap(i, smallest);
      i = smallest;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0]!;
    const tail = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = tail;
      siftDown(0);
    }
    return top;
  };

  lists.forEach((list, index) => {
    const start = starts?.[index] ?? 0;
    if (start < list.length) heap.push([index, start]);
  });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
  const out: Post[] = [];
  while (out.length < take && heap.length > 0) {
    const [list, pos] = pop();
    out.push(lists[list]![pos]!);
    if (pos + 1 < lists[list]!.length) push([list, pos + 1]);
  }
  return out;
}
