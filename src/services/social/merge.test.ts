import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Post } from '../../domain/post.js';
import { mergeNewestFirst } from './merge.js';
import { sortKey } from './post-list.js';

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

  it('equals sorting everything when it compares keys, ties and ids without keys included', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const digits = (n: number) =>
      Array.from({ length: n }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)]).join('');
    for (let round = 0; round < 100; round++) {
      // Few distinct time parts, so keys tie often; some ids without nine base-36 digits, whose key is NaN.
      const times = Array.from({ length: 1 + Math.floor(random() * 4) }, () => digits(9));
      const all = Array.from({ length: Math.floor(random() * 80) }, (_, i) =>
        random() < 0.1 ? `X${i}${digits(3)}` : `${times[Math.floor(random() * times.length)]}${digits(8)}`,
      );
      const lists: string[][] = Array.from({ length: 1 + Math.floor(random() * 9) }, () => []);
      for (const id of new Set(all)) lists[Math.floor(random() * lists.length)]!.push(id);
      for (const list of lists) list.sort();
      const take = Math.floor(random() * 90);
      const merged = mergeNewestFirst(
        lists.map((l) => l.map(post)),
        take,
        undefined,
        lists.map((l) => l.map(sortKey)),
      );
      assert.deepEqual(ids(merged), [...new Set(all)].sort().slice(0, take), `round ${round}`);
    }
  });
});
