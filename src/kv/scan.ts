/**
 * Reading many keys through the KV interface without writing the paging
 * loop again: whole-prefix scans in pages, and the one-page cursor reads
 * that listings shown to clients are made of.
 */
import type { KeyValue, KV, RangeResult } from './kv.js';

export const DEFAULT_SCAN_PAGE = 256;

export interface ScanOptions {
  prefix: string;
  /** Start strictly after this key (a full key under `prefix`); absent to start at the prefix. */
  after?: string;
  /** Keys per range request; DEFAULT_SCAN_PAGE when absent. Bounds the size of every response. */
  pageSize?: number;
  /** Passed to each range call (see RangeOptions.timeoutMs). */
  timeoutMs?: number;
  /**
   * Ask for the next page as soon as a page arrives, before the caller
   * handles it, so the store and this process work at once. A caller that
   * stops early leaves at most one read behind, whose result is dropped.
   */
  prefetch?: boolean;
}

/**
 * Every key under the prefix, in ascending key order, one non-empty page
 * (one range call) at a time. Not a snapshot: each page is read at its
 * own revision (given on the page), so a key that exists for the whole
 * scan is seen exactly once, while one written or deleted during it may
 * or may not be. Errors of the range calls propagate unchanged
 * (DomainError from the engines). Takes any `range` function, so a caller
 * can wrap it (say, to retry a timed-out read) without losing the paging.
 */
export async function* scanPages(kv: Pick<KV, 'range'>, options: ScanOptions): AsyncGenerator<RangeResult, void, undefined> {
  const { prefix, timeoutMs } = options;
  const limit = options.pageSize ?? DEFAULT_SCAN_PAGE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('pageSize must be a positive integer');
  const read = (after: string | undefined) => kv.range({ prefix, after, limit, timeoutMs });
  let pending: Promise<RangeResult> | undefined = read(options.after);
  try {
    while (pending) {
      const page: RangeResult = await pending;
      pending = undefined;
      const last = page.items.at(-1)?.key;
      const next = page.more && last !== undefined ? last : undefined;
      if (next !== undefined && options.prefetch) pending = read(next);
      if (page.items.length > 0) yield page;
      if (next !== undefined && !pending) pending = read(next);
    }
  } finally {
    // A caller that broke out early never awaits the prefetched page.
    pending?.catch(() => undefined);
  }
}

/** The keys of scanPages one by one, with the same guarantees. */
export async function* scan(kv: Pick<KV, 'range'>, options: ScanOptions): AsyncGenerator<KeyValue, void, undefined> {
  for await (const page of scanPages(kv, options)) yield* page.items;
}

export interface CursorRange {
  prefix: string;
  /**
   * Where the previous page ended: the last key it showed, without the
   * prefix (for the layouts of keys.ts, a username or a post id). Absent
   * for the first page.
   */
  cursor?: string;
  /** At most this many keys; a positive integer. */
  limit: number;
  timeoutMs?: number;
}

export interface CursorPage extends RangeResult {
  /** The cursor of the page after this one (its last key without the prefix); absent when no keys follow. */
  next?: string;
}

/**
 * One page of a listing that clients walk with a cursor: the keys under
 * `prefix` strictly after `prefix + cursor`, ascending, at most `limit`.
 * Keys written before the cursor never shift later pages, so a listing
 * whose new keys sort first (post ids, newest first) has no duplicates
 * or gaps. Linearizable, like KV.range.
 */
export async function rangeAfterCursor(kv: Pick<KV, 'range'>, range: CursorRange): Promise<CursorPage> {
  const { prefix, cursor, limit, timeoutMs } = range;
  const page = await kv.range({ prefix, after: cursor === undefined ? undefined : prefix + cursor, limit, timeoutMs });
  const last = page.items.at(-1)?.key;
  return page.more && last !== undefined ? { ...page, next: last.slice(prefix.length) } : page;
}
