import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CommitWaitKV } from './commit-wait-kv.js';
import { EmbeddedKV } from './embedded-kv.js';

/** CommitWaitKV over a real ':memory:' store: how long each call takes to come back. */
describe('CommitWaitKV', () => {
  const WAIT_MS = 200;
  let inner: EmbeddedKV;
  let kv: CommitWaitKV;

  beforeEach(async () => {
    inner = await EmbeddedKV.open({ path: ':memory:' });
    kv = new CommitWaitKV(inner, WAIT_MS);
  });

  afterEach(async () => {
    await kv.close();
  });

  const timed = async <T>(call: () => Promise<T>): Promise<{ ms: number; value: T }> => {
    const started = performance.now();
    const value = await call();
    return { ms: performance.now() - started, value };
  };

  it('acknowledges every kind of write the wait after the store confirmed it, with the store answer', async () => {
    const lease = await kv.grantLease(60);
    const writes = await Promise.all([
      timed(() => kv.put('/w/a', 'x')),
      timed(() => kv.put('/w/leased', 'x', lease)),
      timed(() => kv.delete('/w/none')),
      timed(() => kv.deletePrefix('/w/none/')),
      timed(() => kv.txn({ compare: [], success: [{ type: 'put', key: '/w/b', value: 'y' }] })),
    ]);
    for (const { ms } of writes) assert.ok(ms >= WAIT_MS, `took ${ms} ms`);
    assert.equal(writes[0]!.value, (await inner.get('/w/a'))!.modRevision);
    assert.equal((await timed(() => kv.revokeLease(lease))).ms >= WAIT_MS, true);
    assert.equal(await inner.get('/w/leased'), undefined);
  });

  it('waits after a txn whose compare failed when it could have written: it may acknowledge an earlier attempt', async () => {
    await inner.put('/w/key', 'first');
    const { ms, value } = await timed(() =>
      kv.txn({
        compare: [{ key: '/w/key', target: 'version', op: '==', value: 0 }],
        success: [{ type: 'put', key: '/w/key', value: 'second' }],
        failure: [{ type: 'get', key: '/w/key' }],
      }),
    );
    assert.equal(value.succeeded, false);
    assert.equal(value.results[0]?.value, 'first');
    assert.ok(ms >= WAIT_MS, `took ${ms} ms`);
  });

  it('lets reads, read-only txns, lease grants and failed writes through at once', async () => {
    await inner.put('/r/a', 'x');
    const quick = await Promise.all([
      timed(() => kv.get('/r/a')),
      timed(() => kv.range({ prefix: '/r/' })),
      timed(() => kv.count('/r/')),
      timed(() => kv.revision()),
      timed(() => kv.txn({ compare: [], success: [{ type: 'get', key: '/r/a' }] })),
      timed(() => kv.grantLease(60)),
    ]);
    for (const { ms } of quick) assert.ok(ms < WAIT_MS, `took ${ms} ms`);
    const started = performance.now();
    const tooMany = Array.from({ length: 129 }, (_, i) => ({ type: 'put' as const, key: `/r/${i}`, value: 'x' }));
    await assert.rejects(kv.txn({ compare: [], success: tooMany }), { code: 'invalid' });
    assert.ok(performance.now() - started < WAIT_MS);
  });

  it('measures the wait on its clock, not on timers: a slower clock makes it longer', async () => {
    const halfSpeed = new CommitWaitKV(inner, 100, () => performance.now() / 2);
    const { ms } = await timed(() => halfSpeed.put('/w/slow', 'x'));
    assert.ok(ms >= 200, `took ${ms} ms`);
  });
});
