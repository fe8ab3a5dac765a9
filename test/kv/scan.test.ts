import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { KV, RangeOptions } from '../../src/kv/kv.js';
import { rangeAfterCursor, scan, scanPages } from '../../src/kv/scan.js';
import { forEachEngine } from '../helpers/engines.js';

/** Where a test's keys go: under its store's own root. */
const layout = (root: string) => {
  const prefix = `${root}scan-test/`;
  return { prefix, keyOf: (i: number) => `${prefix}${String(i).padStart(2, '0')}` };
};

async function fill(kv: KV, root: string, n: number): Promise<string[]> {
  const { keyOf } = layout(root);
  const keys = Array.from({ length: n }, (_, i) => keyOf(i));
  for (const key of keys) await kv.put(key, key);
  // Neighbours that share the prefix as a string but not as a folder, or sort just before/after it.
  await kv.put(`${root}scan-test`, 'parent');
  await kv.put(`${root}scan-test0`, 'sibling');
  return keys;
}

/** The KV's range, recording the `after` of every call. */
function counting(kv: KV): { range: KV['range']; calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const range = (options: RangeOptions) => {
    calls.push(options.after);
    return kv.range(options);
  };
  return { calls, range };
}

forEachEngine((engine) => {
  it('scans every key under the prefix once, in order, in pages of the size asked', async () => {
    const store = await engine.open();
    const { prefix } = layout(store.keys.root);
    try {
      const keys = await fill(store.kv, store.keys.root, 10);
      const reader = counting(store.kv);
      const pages: string[][] = [];
      for await (const page of scanPages(reader, { prefix, pageSize: 3 })) pages.push(page.items.map((i) => i.key));
      assert.deepEqual(
        pages.map((p) => p.length),
        [3, 3, 3, 1],
      );
      assert.deepEqual(pages.flat(), keys);
      assert.deepEqual(reader.calls, [undefined, keys[2], keys[5], keys[8]]);

      const after: string[] = [];
      for await (const item of scan(store.kv, { prefix, after: keys[6], pageSize: 2 })) after.push(item.key);
      assert.deepEqual(after, keys.slice(7));

      const none: unknown[] = [];
      for await (const page of scanPages(store.kv, { prefix: `${prefix}nothing/` })) none.push(page);
      assert.deepEqual(none, []);
    } finally {
      await store.close();
    }
  });

  it('with prefetch, reads the same keys, and a caller that stops early leaves at most one read behind', async () => {
    const store = await engine.open();
    const { prefix } = layout(store.keys.root);
    try {
      const keys = await fill(store.kv, store.keys.root, 7);
      const seen: string[] = [];
      for await (const item of scan(store.kv, { prefix, pageSize: 2, prefetch: true })) seen.push(item.key);
      assert.deepEqual(seen, keys);

      const reader = counting(store.kv);
      for await (const page of scanPages(reader, { prefix, pageSize: 2, prefetch: true })) {
        assert.equal(page.items.length, 2);
        break;
      }
      assert.deepEqual(reader.calls, [undefined, keys[1]]);
    } finally {
      await store.close();
    }
  });

  it('pages a listing by cursor: the next cursor is the last key without the prefix, absent on the last page', async () => {
    const store = await engine.open();
    const { prefix } = layout(store.keys.root);
    try {
      const keys = await fill(store.kv, store.keys.root, 5);
      const first = await rangeAfterCursor(store.kv, { prefix, limit: 2 });
      assert.deepEqual(
        first.items.map((i) => i.key),
        keys.slice(0, 2),
      );
      assert.equal(first.next, '01');
      const second = await rangeAfterCursor(store.kv, { prefix, cursor: first.next, limit: 2 });
      assert.deepEqual(
        second.items.map((i) => i.key),
        keys.slice(2, 4),
      );
      const last = await rangeAfterCursor(store.kv, { prefix, cursor: second.next, limit: 2 });
      assert.deepEqual(
        last.items.map((i) => i.key),
        keys.slice(4),
      );
      assert.equal(last.more, false);
      assert.equal(last.next, undefined);
      const exact = await rangeAfterCursor(store.kv, { prefix, limit: 5 });
      assert.equal(exact.next, undefined, 'no cursor when the page ends exactly at the last key');
    } finally {
      await store.close();
    }
  });

  it('refuses a page size that is not a positive integer', async () => {
    const store = await engine.open();
    const { prefix } = layout(store.keys.root);
    try {
      await assert.rejects(scanPages(store.kv, { prefix, pageSize: 0 }).next(), RangeError);
    } finally {
      await store.close();
    }
  });
});
