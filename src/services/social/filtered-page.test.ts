import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor } from '../../domain/page.js';
import { FILTER_ROUNDS, filteredPage, MIN_ROUND, type RawPage } from './filtered-page.js';

/** A listing of keys 000…n-1 in order, read like the store reads one: a page after a key, `next` when more follow. */
function listing(n: number) {
  const keys = Array.from({ length: n }, (_, i) => String(i).padStart(3, '0'));
  let reads = 0;
  const read = async (after: string | undefined, limit: number): Promise<RawPage<string>> => {
    reads++;
    const start = after === undefined ? 0 : keys.findIndex((key) => key > after);
    const items = start < 0 ? [] : keys.slice(start, start + limit);
    const more = start >= 0 && start + limit < keys.length;
    return { items, next: more ? items.at(-1) : undefined };
  };
  return { keys, read, reads: () => reads };
}

/** Follows every page to the end, checking each stays within its read budget. */
async function walk(n: number, kept: (key: string) => boolean, limit: number) {
  const source = listing(n);
  const pages: string[][] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const before = source.reads();
    const page = await filteredPage({ read: source.read, keyOf: (key) => key, keep: async () => kept, limit, after });
    assert.ok(source.reads() - before <= FILTER_ROUNDS, 'a page makes at most FILTER_ROUNDS reads');
    assert.ok(page.items.length <= limit);
    pages.push(page.items);
    if (page.next === null) return { pages, all: source.keys };
    after = decodeCursor(page.next, () => true);
  }
  throw new Error('pagination does not end');
}

describe('filteredPage', () => {
  it('returns every kept item exactly once, in order, whatever the page size and filter', async () => {
    const filters: Record<string, (key: string) => boolean> = {
      all: () => true,
      none: () => false,
      odd: (key) => Number(key) % 2 === 1,
      'a long gap': (key) => Number(key) < 5 || Number(key) > 5 + MIN_ROUND * FILTER_ROUNDS * 2,
      sparse: (key) => Number(key) % 37 === 0,
    };
    for (const [name, kept] of Object.entries(filters)) {
      for (const n of [0, 1, 19, 20, 21, 250]) {
        for (const limit of [1, 2, 7, 20, 100]) {
          const { pages, all } = await walk(n, kept, limit);
          assert.deepEqual(pages.flat(), all.filter(kept), `${name}, ${n} items, limit ${limit}`);
          // Only the last page, or one that ran out of reads, is short.
          for (const page of pages.slice(0, -1))
            assert.ok(page.length === limit || name !== 'all', `${name}: ${pages.map((p) => p.length)}`);
        }
      }
    }
  });

  it('ends with a null cursor when the page fills on the listing’s last item', async () => {
    const source = listing(3);
    const page = await filteredPage({ read: source.read, keyOf: (key) => key, keep: async () => () => true, limit: 3, after: undefined });
    assert.deepEqual(page, { items: ['000', '001', '002'], next: null });
  });

  it('keeps state across a page and asks for a predicate once per read', async () => {
    const source = listing(100);
    let batches = 0;
    const seen = new Set<number>();
    const page = await filteredPage({
      read: source.read,
      keyOf: (key) => key,
      keep: async (items) => {
        batches++;
        assert.ok(items.length > 0);
        // Keep one key per tens digit: state shared by every round of the page.
        return (key) => !seen.has(Math.floor(Number(key) / 10)) && seen.add(Math.floor(Number(key) / 10)) !== undefined;
      },
      limit: 4,
      after: undefined,
    });
    assert.deepEqual(page.items, ['000', '010', '020', '030']);
    assert.equal(batches, 2);
  });
});
