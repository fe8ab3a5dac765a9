import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Post } from '../../domain/post.js';
import { mergeNewestFirst } from './merge.js';

const post = (id: string): Post => ({ id, author: 'a', text: id, createdAtMs: 0 });
const ids = (posts: Post[]) => posts.map((p) => p.id);

describe('mergeNewestFirst', () => {
  it('merges sorted lists by ascending id and stops at take', () => {
    const lists = [['b', 'e', 'f'], [], ['a', 'c', 'g', 'h'], ['d']].map((l) => l.map(post));
    assert.deepEqual(ids(mergeNewestFirst(lists, 100)), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    assert.deepEqual(ids(mergeNewestFirst(lists, 3)), ['a', 'b', 'c']);
    assert.deepEqual(mergeNewestFirst([], 3), []);
    assert.deepEqual(mergeNewestFirst(lists, 0), []);
  });

  it('starts each list at its own position', () => {
    const lists = [
      ['a', 'c', 'e'],
      ['b', 'd', 'f'],
    ].map((l) => l.map(post));
    assert.deepEqual(ids(mergeNewestFirst(lists, 10, [2, 1])), ['d', 'e', 'f']);
    assert.deepEqual(ids(mergeNewestFirst(lists, 10, [3, 3])), [], 'starts past the end take nothing');
  });

  it('equals sorting everything, for many random lists', () => {
    // A fixed-seed generator (mulberry32), so a failure repeats.
    let seed = 20261201;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let round = 0; round < 200; round++) {
      const all = Array.from(
        { length: Math.floor(random() * 60) },
        (_, i) => `${String(Math.floor(random() * 1e6)).padStart(7, '0')}-${i}`,
      );
      const lists: string[][] = Array.from({ length: 1 + Math.floor(random() * 8) }, () => []);
      for (const id of all) lists[Math.floor(random() * lists.length)]!.push(id);
      for (const list of lists) list.sort();
      const take = Math.floor(random() * 70);
      const expected = [...all].sort().slice(0, take);
      assert.deepEqual(
        ids(
          mergeNewestFirst(
            lists.map((l) => l.map(post)),
            take,
          ),
        ),
        expected,
        `round ${round}`,
      );
    }
  });
});
