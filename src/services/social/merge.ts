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
  // The heap in three arrays (list, position in it, the key there; NaN
  // without keys, which compares as a tie), not a pair per entry: the
  // read model merges a million posts this way (View.endListing), and
  // the pairs were most of that merge's allocations.
  const heapList: number[] = [];
  const heapPos: number[] = [];
  const heapKey: number[] = [];
  const keyAt = (list: number, pos: number) => (keys ? keys[list]![pos]! : Number.NaN);
  lists.forEach((list, index) => {
    const start = starts?.[index] ?? 0;
    if (start < list.length) {
      heapList.push(index);
      heapPos.push(start);
      heapKey.push(keyAt(index, start));
    }
  });
  let size = heapList.length;
  /** Whether heap entry i comes before list l's post at p (key k). The ids are read only on a tie of keys (or a NaN key). */
  const before = (i: number, l: number, p: number, k: number) => {
    const ki = heapKey[i]!;
    return ki < k || (!(ki > k) && lists[heapList[i]!]![heapPos[i]!]!.id < lists[l]![p]!.id);
  };
  /** Puts the entry (l, p, k) into the hole at `hole`, moving earlier children up. */
  const siftDown = (hole: number, l: number, p: number, k: number) => {
    for (;;) {
      let child = 2 * hole + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && before(right, heapList[child]!, heapPos[child]!, heapKey[child]!)) child = right;
      if (!before(child, l, p, k)) break;
      heapList[hole] = heapList[child]!;
      heapPos[hole] = heapPos[child]!;
      heapKey[hole] = heapKey[child]!;
      hole = child;
    }
    heapList[hole] = l;
    heapPos[hole] = p;
    heapKey[hole] = k;
  };
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i, heapList[i]!, heapPos[i]!, heapKey[i]!);
  const out: Post[] = [];
  while (out.length < take && size > 0) {
    const list = heapList[0]!;
    const pos = heapPos[0]!;
    out.push(lists[list]![pos]!);
    if (pos + 1 < lists[list]!.length) {
      siftDown(0, list, pos + 1, keyAt(list, pos + 1));
    } else {
      size--;
      if (size > 0) siftDown(0, heapList[size]!, heapPos[size]!, heapKey[size]!);
    }
  }
  return out;
}
