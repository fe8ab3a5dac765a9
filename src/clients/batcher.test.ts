import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Batcher } from './batcher.js';

/** A `send` that records each batch and answers every request with its double. */
function doubling(batches: number[][]) {
  return async (requests: number[]) => {
    batches.push(requests);
    return requests.map((n) => n * 2);
  };
}

describe('Batcher', () => {
  it('sends the calls of one turn as one batch, in order, and answers each caller with its own response', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher(doubling(batches));
    const answers = await Promise.all([1, 2, 3, 4].map((n) => batcher.call(n)));
    assert.deepEqual(batches, [[1, 2, 3, 4]]);
    assert.deepEqual(answers, [2, 4, 6, 8]);
  });

  it('sends a lone call at the end of the turn, and calls of a later turn in a batch of their own', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher(doubling(batches));
    const first = batcher.call(1);
    assert.deepEqual(batches, [], 'nothing leaves before the turn ends');
    await nextTurn();
    assert.deepEqual(batches, [[1]]);
    const later = [batcher.call(2), batcher.call(3)];
    assert.deepEqual(await first, 2);
    assert.deepEqual(await Promise.all(later), [4, 6]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  it('splits a turn larger than maxBatch into batches of at most maxBatch', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher(doubling(batches), 2);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.call(n)));
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(answers, [2, 4, 6, 8, 10]);
  });

  it('rejects every caller of a failed batch with its error, and only those', async () => {
    const failure = new Error('unavailable');
    const batcher = new Batcher<number, number>(async (requests) => {
      if (requests.includes(3)) throw failure;
      return requests;
    }, 2);
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.call(n)));
    assert.deepEqual(results, [
      { status: 'fulfilled', value: 1 },
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
  });

  it('starts a new batch for calls made while the previous one is in flight', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(async (requests) => {
      batches.push(requests);
      await gate;
      return requests;
    });
    const first = batcher.call(1);
    await nextTurn();
    const second = batcher.call(2);
    await nextTurn();
    assert.deepEqual(batches, [[1], [2]], 'the second call did not wait for the first batch');
    release();
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  });
});
