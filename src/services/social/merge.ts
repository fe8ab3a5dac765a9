import type { Post } from '../../domain/post.js';

/**
 * K-way merge of lists already sorted by ascending post id (newest first),
 * taking at most `take`, list i from index starts[i] on (0 when absent):
 * a binary heap of list heads, built in O(k), then O(take · log k). With
 * `keys` (keys[i][j] the sortKey of lists[i][j]'s id, post-list.ts), ids
 * are compared as numbers first, the strings only on a tie.
 */
export function mergeNewestFirst(
  lists: readonly (readonly Post[])[],
  take: number,
  starts?: readonly number[],
  keys?: readonly (readonly number[])[],
): Post[] {
  // Heap entries: [list index, position in that list].
  const heap: [number, number][] = [];
  const idAt = ([list, pos]: [number, number]) => lists[list]![pos]!.id;
  // The ids are read only on a tie of keys (or a NaN key): that is what the keys save.
  const less = keys
    ? (a: [number, number], b: [number, number]) => {
        const ka = keys[a[0]]![a[1]]!;
        const kb = keys[b[0]]![b[1]]!;
        return ka < kb || (!(ka > kb) && idAt(a) < idAt(b));
      }
    : (a: [number, number], b: [number, number]) => idAt(a) < idAt(b);
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
