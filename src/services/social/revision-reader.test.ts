import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EmbeddedKV } from '../../kv/embedded-kv.js';
import { RevisionReader } from './revision-reader.js';

/**
 * RevisionReader over a real ':memory:' store. Its reads are counted, and
 * can be held after they have read the store, to stand for a quorum read
 * whose answer is still on the wire.
 */
describe('RevisionReader', () => {
  let kv: EmbeddedKV;
  let reads: number;
  let holds: (() => void)[];
  let holding: boolean;

  beforeEach(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    reads = 0;
    holds = [];
    holding = false;
    const read = kv.revision.bind(kv);
    kv.revision = async () => {
      reads++;
      const revision = await read();
      if (holding) await new Promise<void>((resolve) => holds.push(resolve));
      return revision;
    };
  });

  afterEach(async () => {
    await kv.close();
  });

  const releaseAll = () => {
    for (const release of holds.splice(0)) release();
  };

  it('answers a revision at least as new as every write completed before the call', async () => {
    const reader = new RevisionReader(kv);
    for (let i = 0; i < 3; i++) {
      const written = await kv.put(`/r/${i}`, 'x');
      assert.ok((await reader.current()) >= written);
    }
  });

  it('serves the callers of one turn with one read', async () => {
    const reader = new RevisionReader(kv);
    const written = await kv.put('/r/a', 'x');
    const revisions = await Promise.all(Array.from({ length: 50 }, () => reader.current()));
    assert.equal(reads, 1);
    assert.deepEqual(new Set(revisions), new Set([written]));
  });

  it('never lets a caller join a read already in flight, which may predate its request', async () => {
    const reader = new RevisionReader(kv);
    holding = true;
    const before = await kv.put('/r/a', 'x');
    const early = reader.current();
    await nextTurn();
    assert.equal(reads, 1, 'the first read has started');
    const written = await kv.put('/r/b', 'y');
    const late = reader.current();
    await nextTurn();
    assert.equal(reads, 2, 'the later caller got a read of its own');
    releaseAll();
    assert.equal(await early, before);
    assert.ok((await late) >= written, 'the later caller sees the write that completed before its call');
  });

  it('keeps at most maxInFlight reads outstanding; callers waiting meanwhile share the next read', async () => {
    const reader = new RevisionReader(kv, { maxInFlight: 1 });
    holding = true;
    const first = reader.current();
    await nextTurn();
    const waiting = [reader.current()];
    await nextTurn();
    waiting.push(reader.current());
    await nextTurn();
    assert.equal(reads, 1, 'no second read while one is outstanding');
    holding = false;
    releaseAll();
    await first;
    const revisions = await Promise.all(waiting);
    assert.equal(reads, 2, 'the waiting callers shared one read');
    assert.equal(revisions[0], revisions[1]);
  });

  describe('recent: a read that started less than maxAgeMs before the call', () => {
    let now: number;
    let floor: number;
    const clock = () => now;
    const aged = (maxAgeMs: number) => new RevisionReader(kv, { maxAgeMs, clock, floor: () => floor });
    beforeEach(() => {
      now = 1000;
      floor = Number.NEGATIVE_INFINITY;
    });

    it('serves a finished read younger than the age without a new one, and starts one once it is that old', async () => {
      const reader = aged(10);
      const first = await reader.recent();
      assert.equal(reads, 1);
      // Confirmed 1 ms after the read started: with a commit-wait of 10 ms it is acknowledged at 1011.
      now = 1001;
      const written = await kv.put('/r/a', 'x');
      now = 1004;
      assert.equal(await reader.recent(), first, 'a write not yet acknowledged may be missed');
      assert.equal(reads, 1);
      now = 1010;
      assert.ok((await reader.recent()) >= written, 'at the age, the read that started at 1000 no longer serves');
      assert.equal(reads, 2);
    });

    it('joins a read in flight that started within the age, which current never does', async () => {
      const reader = aged(10);
      holding = true;
      const early = reader.recent();
      await nextTurn();
      assert.equal(reads, 1);
      now = 1003;
      const joined = reader.recent();
      await nextTurn();
      assert.equal(reads, 1, 'joined the read in flight');
      const linearizable = reader.current();
      await nextTurn();
      assert.equal(reads, 2, 'current waits for a read that starts after it');
      releaseAll();
      assert.equal(await joined, await early);
      await linearizable;
    });

    it('prefers a finished read to a newer one in flight', async () => {
      const reader = aged(10);
      const first = await reader.recent();
      holding = true;
      now = 1002;
      const written = await kv.put('/r/a', 'x');
      const fresh = reader.current();
      await nextTurn();
      assert.equal(reads, 2);
      now = 1004;
      assert.equal(await reader.recent(), first, 'answered without waiting for the read in flight');
      releaseAll();
      assert.ok((await fresh) >= written);
    });

    it('starts the next read once the newest is half the age old, serving callers meanwhile from the finished one', async () => {
      const reader = aged(10);
      const first = await reader.recent();
      now = 1006;
      const written = await kv.put('/r/a', 'x');
      assert.equal(await reader.recent(), first);
      await nextTurn();
      assert.equal(reads, 2, 'refreshed ahead of need');
      await nextTurn();
      now = 1010;
      assert.ok((await reader.recent()) >= written, 'the read started at 1006 serves once the first has aged');
      assert.equal(reads, 2);
    });

    it('uses no read that started at or before the floor (a read the instance answered from the store)', async () => {
      const reader = aged(10);
      await reader.recent();
      now = 1002;
      floor = 1001;
      const written = await kv.put('/r/a', 'x');
      assert.ok((await reader.recent()) >= written);
      assert.equal(reads, 2);
    });

    it('is current when the age is 0: every call waits for a read that starts after it', async () => {
      const reader = aged(0);
      holding = true;
      const early = reader.recent();
      await nextTurn();
      const written = await kv.put('/r/b', 'y');
      const late = reader.recent();
      await nextTurn();
      assert.equal(reads, 2);
      releaseAll();
      await early;
      assert.ok((await late) >= written);
      holding = false;
      await reader.recent();
      assert.equal(reads, 3, 'a finished read serves no later call either');
    });
  });

  it('rejects the callers of a failed read and serves the next ones', async () => {
    const reader = new RevisionReader(kv);
    const read = kv.revision;
    const failure = new Error('no quorum');
    kv.revision = async () => {
      kv.revision = read;
      throw failure;
    };
    const failed = await Promise.allSettled([reader.current(), reader.current()]);
    assert.deepEqual(failed, [
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    const written = await kv.put('/r/a', 'x');
    assert.ok((await reader.current()) >= written);
  });
});
