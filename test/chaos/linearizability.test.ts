import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type EdgeInput, followEdgeModel, type HistoryOp, isLinearizable } from '../../chaos/linearizability.js';

type H = HistoryOp<EdgeInput, boolean | undefined>;
const follow = (start: number, end: number): H => ({ input: { kind: 'follow' }, output: undefined, start, end });
const unfollow = (start: number, end: number): H => ({ input: { kind: 'unfollow' }, output: undefined, start, end });
const read = (value: boolean, start: number, end: number): H => ({ input: { kind: 'read' }, output: value, start, end });
const check = (ops: H[]) => isLinearizable(followEdgeModel, ops);

describe('linearizability checker (Wing–Gong with Lowe’s cache)', () => {
  it('accepts sequential histories that follow the model and rejects those that do not', () => {
    assert.equal(check([follow(0, 1), read(true, 2, 3), unfollow(4, 5), read(false, 6, 7)]), true);
    assert.equal(check([follow(0, 1), read(false, 2, 3)]), false);
    assert.equal(check([read(true, 0, 1)]), false);
    assert.equal(check([]), true);
  });

  it('lets concurrent operations take effect in either order', () => {
    assert.equal(check([follow(0, 10), read(false, 1, 2), read(true, 3, 4)]), true);
    assert.equal(check([follow(0, 10), unfollow(0, 10), read(true, 11, 12)]), true);
    assert.equal(check([follow(0, 10), unfollow(0, 10), read(false, 11, 12)]), true);
  });

  it('rejects reads that go back in time', () => {
    // Once a read saw the follow, a later read cannot miss it while no unfollow runs.
    assert.equal(check([follow(0, 10), read(true, 1, 2), read(false, 3, 4)]), false);
  });

  it('backtracks over an early choice that fails later', () => {
    // The unfollow must go before the follow for the last read; the search first tries the other order.
    const ops = [follow(0, 10), unfollow(0, 10), read(false, 1, 9), read(true, 11, 12), read(true, 13, 14)];
    assert.equal(check(ops), true);
    assert.equal(check([...ops, read(false, 15, 16)]), false);
  });

  it('lets an operation with an unknown outcome take effect late or never', () => {
    assert.equal(check([follow(0, Infinity), read(false, 5, 6), read(true, 7, 8)]), true);
    assert.equal(check([follow(0, Infinity), read(false, 5, 6), read(false, 7, 8)]), true);
    assert.equal(check([follow(0, Infinity), read(true, 5, 6), read(false, 7, 8)]), false);
  });

  it('stays fast on long histories with much concurrency', () => {
    const ops: H[] = [];
    let state = false;
    for (let i = 0; i < 60; i++) {
      const t = i * 10;
      if (i % 3 === 0) {
        ops.push(follow(t, t + 25));
        state = true;
      } else if (i % 3 === 1) {
        ops.push(unfollow(t, t + 25));
        state = false;
      } else ops.push(read(state, t + 26, t + 27));
    }
    // A bound on work, not on time: the search stays linear here rather than backtracking through orders.
    let steps = 0;
    const counting: typeof followEdgeModel = {
      ...followEdgeModel,
      step: (state, input, output) => {
        steps++;
        return followEdgeModel.step(state, input, output);
      },
    };
    assert.equal(isLinearizable(counting, ops), true);
    assert.ok(steps <= 4 * ops.length, `${steps} model steps for ${ops.length} operations`);
  });
});
