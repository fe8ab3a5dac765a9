import { encodeCursor, type Page } from '../../domain/page.js';

/** One read of an unfiltered listing, in its order, after a key. */
export interface RawPage<T> {
  items: readonly T[];
  /** Where the next read starts (the key of the last item examined, or beyond it) when more follow; undefined at the end. */
  next: string | undefined;
}

/** Raw reads a page may make before it returns what it has: bounds the work a page of mostly hidden posts costs. */
export const FILTER_ROUNDS = 4;
/** Items a raw read asks for at least, so small pages of a filtered listing still get somewhere. */
export const MIN_ROUND = 20;

export interface FilteredPageOptions<T> {
  /** A raw read of at most `limit` items strictly after `after`. */
  read(after: string | undefined, limit: number): Promise<RawPage<T>>;
  /** An item's key in the listing's order, which cursors name. */
  keyOf(item: T): string;
  /**
   * Given a raw read's items, the predicate that says which to show. It
   * may look things up for the whole batch first (once per round, not
   * per item) and keep state across the page (what was shown already).
   */
  keep(items: readonly T[]): Promise<(item: T) => boolean>;
  limit: number;
  after: string | undefined;
}

/**
 * A page of a listing some of whose items are filtered out, read in
 * rounds of raw reads until `limit` items are kept, the listing ends, or
 * FILTER_ROUNDS reads were made (the page is then short, possibly empty,
 * with a cursor to go on). The cursor is the key of the last item
 * returned when the page filled, else of the last item examined: every
 * item before it was either returned or filtered out, every item after
 * it is still to come, so no item is skipped or shown twice, and newer
 * items (which sort first) never shift it.
 */
export async function filteredPage<T>(options: FilteredPageOptions<T>): Promise<Page<T>> {
  const { limit, keyOf } = options;
  const size = Math.max(limit, MIN_ROUND);
  const items: T[] = [];
  let after = options.after;
  for (let round = 0; round < FILTER_ROUNDS; round++) {
    const raw = await options.read(after, size);
    const keep = await options.keep(raw.items);
    for (const [i, item] of raw.items.entries()) {
      if (!keep(item)) continue;
      items.push(item);
      if (items.length === limit) {
        const more = i < raw.items.length - 1 || raw.next !== undefined;
        return { items, next: more ? encodeCursor(keyOf(item)) : null };
      }
    }
    if (raw.next === undefined) return { items, next: null };
    after = raw.next;
  }
  return { items, next: after === undefined ? null : encodeCursor(after) };
}
