import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedCache } from './bounded-cache.js';

describe('a bounded cache', () => {
  it('never holds more than its capacity, keeps what is used and drops what is not', () => {
    const cache = new BoundedCache<number, string>(10);
    for (let i = 0; i < 1000; i++) {
      cache.set(i, `v${i}`);
      // Key 0 is read after every write: it must survive all the others.
      assert.equal(cache.get(0), 'v0');
      assert.ok(cache.size <= 10, `size ${cache.size} after ${i + 1} writes`);
    }
    assert.equal(cache.get(1), undefined, 'an entry never read again is dropped');
    assert.equal(cache.get(999), 'v999', 'the newest entry is there');
  });

  it('answers the latest value set for a key', () => {
    const cache = new BoundedCache<string, number>(4);
    for (let i = 0; i < 20; i++) cache.set(`k${i % 3}`, i);
    assert.deepEqual([cache.get('k0'), cache.get('k1'), cache.get('k2')], [18, 19, 17]);
  });

  it('refuses a capacity below 2', () => {
    assert.throws(() => new BoundedCache(1), RangeError);
  });
});
