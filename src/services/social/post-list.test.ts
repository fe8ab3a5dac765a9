import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPostId, type Post } from '../../domain/post.js';
import { mergeNewestFirst } from './merge.js';
import { PostList, sortKey } from './post-list.js';

/** A fixed-seed generator (mulberry32), so a failure repeats. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const post = (id: string): Post => ({ id, author: 'a', text: id, createdAtMs: 0 });
const random = seeded(20261202);
/** Distinct post ids, many of the same millisecond, and a few strings not shaped like one (the view holds each id once). */
const someIds = (count: number) => [
  ...new Set(
    Array.from({ length: count }, () => {
      const roll = random();
      if (roll < 0.05) return `odd-${Math.floor(random() * 1000)}`;
      if (roll < 0.1) return `${newPostId(1_700_000_000_000).slice(0, 4)}`;
      return newPostId(1_700_000_000_000 + Math.floor(random() * 50), random);
    }),
  ),
];
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('sortKey', () => {
  it('orders post ids as their strings do whenever two keys differ', () => {
    const ids = someIds(400);
    for (const a of ids) {
      for (const b of ids.slice(0, 50)) {
        const [ka, kb] = [sortKey(a), sortKey(b)];
        if (ka < kb) assert.ok(a < b, `${a} before ${b}`);
        if (ka > kb) assert.ok(a > b, `${a} after ${b}`);
      }
    }
    assert.ok(Number.isNaN(sortKey('odd-1')) && Number.isNaN(sortKey('abc')));
  });
});

describe('PostList', () => {
  it('keeps posts in id order through appends, inserts and removes, and finds cursors as the strings would', () => {
    for (let round = 0; round < 50; round++) {
      const list = new PostList();
      const ids = someIds(Math.floor(random() * 40));
      const half = ids.length >> 1;
      for (const id of ids.slice(0, half)) list.append(post(id));
      list.sort();
      for (const id of ids.slice(half)) list.insert(post(id));
      const gone = ids.filter(() => random() < 0.3);
      for (const id of gone) list.remove(id);
      assert.equal(list.remove('never-there'), false);
      const left = ids.filter((id) => !gone.includes(id)).sort(byString);
      assert.deepEqual(
        list.posts.map((p) => p.id),
        left,
      );
      assert.deepEqual(
        list.keys,
        left.map((id) => sortKey(id)),
      );
      for (const probe of [...someIds(10), ...left.slice(0, 5)]) {
        assert.equal(list.firstAfter(probe, false), left.filter((id) => id <= probe).length, `after ${probe}`);
        assert.equal(list.firstAfter(probe, true), left.filter((id) => id < probe).length, `from ${probe}`);
      }
    }
  });

  it('merges by keys exactly as by strings', () => {
    for (let round = 0; round < 100; round++) {
      const lists = Array.from({ length: 1 + Math.floor(random() * 8) }, () => {
        const list = new PostList();
        for (const id of someIds(Math.floor(random() * 15))) list.insert(post(id));
        return list;
      });
      const starts = lists.map((list) => Math.floor(random() * (list.length + 1)));
      const take = Math.floor(random() * 60);
      const posts = lists.map((list) => list.posts);
      assert.deepEqual(
        mergeNewestFirst(
          posts,
          take,
          starts,
          lists.map((list) => list.keys),
        ).map((p) => p.id),
        mergeNewestFirst(posts, take, starts).map((p) => p.id),
      );
    }
  });
});
