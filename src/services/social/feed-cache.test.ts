import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedCache } from './feed-cache.js';

const head = { posts: [], complete: true };

describe('FeedCache', () => {
  it('keeps at most its capacity, dropping the least recently read generation', () => {
    const cache = new FeedCache(4);
    for (const reader of ['a', 'b', 'c', 'd']) cache.set(reader, head);
    assert.equal(cache.size, 4);
    // Generations of two: {a, b} old, {c, d} young. Reading a moves it to a new young generation; {a, b} minus a goes.
    assert.equal(cache.get('a'), head);
    assert.equal(cache.size, 3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((reader) => cache.get(reader) !== undefined),
      [true, false, true, true],
    );
    cache.delete('c');
    assert.equal(cache.get('c'), undefined);
  });

  it('forgets the followers among its readers, walking whichever set is smaller', () => {
    for (const followers of [new Set(['a', 'x']), new Set(['a', 'x', 'y', 'z', 'w', 'v'])]) {
      const cache = new FeedCache(10);
      for (const reader of ['a', 'b', 'c']) cache.set(reader, head);
      cache.forgetAmong(followers, (reader) => followers.has(reader));
      assert.deepEqual(
        ['a', 'b', 'c'].map((reader) => cache.get(reader) !== undefined),
        [false, true, true],
        `${followers.size} followers`,
      );
    }
  });
});
