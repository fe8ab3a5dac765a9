import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WorkQueue } from './work-queue.js';

class Busy extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('busy');
  }
}

/** A task that finishes when told to, and says when it started. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started = false;
  const task = async () => {
    started = true;
    await done;
    return 'ran';
  };
  return {
    task,
    open,
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('runs up to `concurrency` tasks at once and the rest in arrival order', async () => {
  const queue = new WorkQueue({ concurrency: 2, maxWaitMs: 60_000 }, (s) => new Busy(s), 10);
  const gates = Array.from({ length: 5 }, gate);
  const order: number[] = [];
  const runs = gates.map((g, i) => queue.run(g.task).then(() => order.push(i)));
  await tick();
  assert.deepEqual(
    gates.map((g) => g.started),
    [true, true, false, false, false],
  );
  assert.deepEqual(queue.load, { running: 2, waiting: 3 });
  gates[1]!.open();
  await tick();
  assert.deepEqual(
    gates.map((g) => g.started),
    [true, true, true, false, false],
    'a finished task hands its slot to the first in line',
  );
  for (const g of gates) g.open();
  await Promise.all(runs);
  assert.deepEqual(order, [1, 0, 2, 3, 4]);
  assert.deepEqual(queue.load, { running: 0, waiting: 0 });
});

it('refuses, without running it, a task that would wait longer than maxWaitMs, with a Retry-After', async () => {
  // 100 ms a task, one at a time: the 2nd in line would wait 200 ms, past the 150 ms allowed.
  const queue = new WorkQueue({ concurrency: 1, maxWaitMs: 150 }, (s) => new Busy(s), 100);
  const first = gate();
  const second = gate();
  const running = [queue.run(first.task), queue.run(second.task)];
  const third = gate();
  await assert.rejects(queue.run(third.task), (error: unknown) => {
    assert.ok(error instanceof Busy);
    assert.equal(error.retryAfterSeconds, 1);
    return true;
  });
  assert.equal(third.started, false);
  assert.deepEqual(queue.load, { running: 1, waiting: 1 });
  first.open();
  second.open();
  assert.deepEqual(await Promise.all(running), ['ran', 'ran']);
  // Measured tasks were near-instant, so the line is short again in the average's eyes.
  assert.equal(await queue.run(async () => 'again'), 'again');
});

it('frees its slot when a task throws', async () => {
  const queue = new WorkQueue({ concurrency: 1, maxWaitMs: 0 }, (s) => new Busy(s), 10);
  await assert.rejects(
    queue.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await queue.run(async () => 'next'), 'next');
  assert.deepEqual(queue.load, { running: 0, waiting: 0 });
});
