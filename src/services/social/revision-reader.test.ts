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
    const reader = new RevisionReader(kv, 1);
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
