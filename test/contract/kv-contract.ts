/**
 * The one KV contract suite (kv.ts), registered once per engine so the
 * embedded engine cannot drift from etcd. Every test opens its own fixture
 * with a fresh key prefix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../../src/domain/errors.js';
import { type KV, type WatchBatch, WatchCompactedError } from '../../src/kv/kv.js';
import { eventually } from '../helpers/eventually.js';

export interface KVFixture {
  kv: KV;
  /** A prefix no other test writes under. */
  prefix: string;
  cleanup?: () => Promise<void>;
  /** Drops the store's watch history before `revision` (etcd's compaction). */
  compact: (revision: number) => Promise<void>;
  /** Lets `ms` of lease time pass: a fake clock for the embedded engine, real waiting for etcd. */
  elapse: (ms: number) => Promise<void>;
}

export function kvContract(name: string, open: () => Promise<KVFixture>): void {
  /** Runs `body` with a fresh fixture and always cleans up. */
  const withKV = (body: (f: KVFixture) => Promise<void>) => async () => {
    const fixture = await open();
    try {
      await body(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  };

  describe(`KV contract: ${name}`, () => {
    it(
      'names the store the same way on every call, whatever is written',
      withKV(async ({ kv, prefix }) => {
        const identity = await kv.identity();
        assert.match(identity, /^[a-z]+:[0-9a-z]+$/);
        await kv.put(`${prefix}identity`, 'x');
        assert.equal(await kv.identity(), identity);
      }),
    );

    it(
      'keeps createRevision, modRevision and version per key',
      withKV(async ({ kv, prefix }) => {
        const key = `${prefix}k`;
        assert.equal(await kv.get(key), undefined);
        const r0 = await kv.revision();
        const r1 = await kv.put(key, 'one');
        assert.equal(r1, r0 + 1);
        assert.deepEqual(await kv.get(key), {
          key,
          value: 'one',
          createRevision: r1,
          modRevision: r1,
          version: 1,
          lease: '0',
        });
        const r2 = await kv.put(key, 'two');
        assert.equal(r2, r1 + 1);
        assert.deepEqual(await kv.get(key), {
          key,
          value: 'two',
          createRevision: r1,
          modRevision: r2,
          version: 2,
          lease: '0',
        });
        const r3 = await kv.delete(key);
        assert.equal(r3, r2 + 1);
        assert.equal(await kv.get(key), undefined);
        assert.equal(await kv.delete(key), r3, 'deleting a missing key writes nothing');
        const r4 = await kv.put(key, 'again');
        const again = await kv.get(key);
        assert.equal(again?.createRevision, r4);
        assert.equal(again?.version, 1);
        assert.equal(await kv.revision(), r4);
      }),
    );

    it(
      'increments the revision once per write txn, never for reads or failed compares',
      withKV(async ({ kv, prefix }) => {
        const r0 = await kv.revision();
        const t1 = await kv.txn({
          compare: [],
          success: [
            { type: 'put', key: `${prefix}a`, value: '1' },
            { type: 'put', key: `${prefix}b`, value: '2' },
            { type: 'put', key: `${prefix}c`, value: '3' },
          ],
        });
        assert.equal(t1.succeeded, true);
        assert.equal(t1.revision, r0 + 1);
        for (const k of ['a', 'b', 'c']) assert.equal((await kv.get(`${prefix}${k}`))?.modRevision, r0 + 1);

        const read = await kv.txn({ compare: [], success: [{ type: 'get', key: `${prefix}a` }] });
        assert.equal(read.revision, r0 + 1);
        const failed = await kv.txn({
          compare: [{ key: `${prefix}a`, target: 'version', op: '==', value: 7 }],
          success: [{ type: 'put', key: `${prefix}a`, value: 'x' }],
        });
        assert.equal(failed.succeeded, false);
        assert.deepEqual(failed.results, []);
        assert.equal(failed.revision, r0 + 1);
        const noop = await kv.txn({ compare: [], success: [{ type: 'delete', key: `${prefix}missing` }] });
        assert.equal(noop.revision, r0 + 1);
        assert.equal(await kv.revision(), r0 + 1);

        const failureBranch = await kv.txn({
          compare: [{ key: `${prefix}a`, target: 'value', op: '==', value: 'nope' }],
          success: [{ type: 'put', key: `${prefix}a`, value: 'x' }],
          failure: [{ type: 'put', key: `${prefix}d`, value: '4' }],
        });
        assert.equal(failureBranch.succeeded, false);
        assert.equal(failureBranch.revision, r0 + 2);
        assert.equal((await kv.get(`${prefix}a`))?.value, '1');
        assert.equal((await kv.get(`${prefix}d`))?.value, '4');
      }),
    );

    it(
      'evaluates compares on every target, including missing keys',
      withKV(async ({ kv, prefix }) => {
        const key = `${prefix}k`;
        const missing = `${prefix}missing`;
        const c = await kv.put(key, 'x');
        const m = await kv.put(key, 'x');
        const cases: [Parameters<KV['txn']>[0]['compare'][number], boolean][] = [
          [{ key, target: 'version', op: '==', value: 2 }, true],
          [{ key, target: 'version', op: '!=', value: 2 }, false],
          [{ key, target: 'version', op: '<', value: 3 }, true],
          [{ key, target: 'version', op: '<', value: 2 }, false],
          [{ key, target: 'version', op: '>', value: 1 }, true],
          [{ key, target: 'version', op: '>', value: 2 }, false],
          [{ key, target: 'createRevision', op: '==', value: c }, true],
          [{ key, target: 'createRevision', op: '!=', value: c }, false],
          [{ key, target: 'createRevision', op: '<', value: m }, true],
          [{ key, target: 'createRevision', op: '>', value: c }, false],
          [{ key, target: 'modRevision', op: '==', value: m }, true],
          [{ key, target: 'modRevision', op: '==', value: c }, false],
          [{ key, target: 'modRevision', op: '>', value: c }, true],
          [{ key, target: 'modRevision', op: '<', value: m }, false],
          [{ key, target: 'value', op: '==', value: 'x' }, true],
          [{ key, target: 'value', op: '==', value: 'y' }, false],
          [{ key, target: 'value', op: '!=', value: 'y' }, true],
          [{ key, target: 'value', op: '!=', value: 'x' }, false],
          [{ key: missing, target: 'version', op: '==', value: 0 }, true],
          [{ key: missing, target: 'version', op: '>', value: 0 }, false],
          [{ key: missing, target: 'createRevision', op: '==', value: 0 }, true],
          [{ key: missing, target: 'modRevision', op: '==', value: 0 }, true],
          [{ key: missing, target: 'modRevision', op: '<', value: m }, true],
          // etcd: a value compare on a missing key fails whatever the operator.
          [{ key: missing, target: 'value', op: '==', value: '' }, false],
          [{ key: missing, target: 'value', op: '!=', value: 'x' }, false],
        ];
        for (const [compare, expected] of cases) {
          const result = await kv.txn({ compare: [compare], success: [{ type: 'get', key }] });
          assert.equal(result.succeeded, expected, `${JSON.stringify(compare)} should be ${expected}`);
        }
        const both = await kv.txn({
          compare: [
            { key, target: 'version', op: '==', value: 2 },
            { key: missing, target: 'version', op: '==', value: 1 },
          ],
          success: [],
        });
        assert.equal(both.succeeded, false, 'every compare must hold');
      }),
    );

    it(
      'runs the right branch and returns get and delete results in order',
      withKV(async ({ kv, prefix }) => {
        const key = `${prefix}k`;
        const other = `${prefix}other`;
        await kv.put(other, 'before');
        const created = await kv.txn({
          compare: [{ key, target: 'version', op: '==', value: 0 }],
          success: [
            { type: 'get', key },
            { type: 'put', key, value: 'v1' },
            { type: 'get', key },
            { type: 'delete', key: other },
            { type: 'get', key: other },
          ],
          failure: [{ type: 'get', key }],
        });
        assert.equal(created.succeeded, true);
        assert.equal(created.results.length, 5);
        assert.equal(created.results[0], undefined);
        assert.equal(created.results[1], undefined);
        assert.equal(created.results[2]?.value, 'v1', 'a get sees the earlier put of its txn');
        assert.equal(created.results[2]?.modRevision, created.revision);
        assert.equal(created.results[3]?.value, 'before', 'a delete returns the previous value');
        assert.equal(created.results[4], undefined);

        const again = await kv.txn({
          compare: [{ key, target: 'version', op: '==', value: 0 }],
          success: [{ type: 'put', key, value: 'v2' }],
          failure: [
            { type: 'get', key },
            { type: 'delete', key: `${prefix}nothing` },
          ],
        });
        assert.equal(again.succeeded, false);
        assert.equal(again.results.length, 2);
        assert.equal(again.results[0]?.value, 'v1');
        assert.equal(again.results[0]?.version, 1);
        assert.equal(again.results[1], undefined);
        assert.equal((await kv.get(key))?.value, 'v1');
      }),
    );

    it(
      'applies a txn atomically: a failing op writes nothing',
      withKV(async ({ kv, prefix }) => {
        const r0 = await kv.revision();
        const lease = await kv.grantLease(60);
        await kv.revokeLease(lease);
        const r1 = await kv.revision();
        await assert.rejects(
          kv.txn({
            compare: [],
            success: [
              { type: 'put', key: `${prefix}a`, value: '1' },
              { type: 'put', key: `${prefix}b`, value: '2', lease },
            ],
          }),
          (error: unknown) => error instanceof DomainError && error.code === 'not_found',
        );
        await assert.rejects(
          kv.txn({
            compare: [],
            success: [
              { type: 'put', key: `${prefix}a`, value: '1' },
              { type: 'delete', key: `${prefix}a` },
            ],
          }),
          (error: unknown) => error instanceof DomainError && error.code === 'invalid',
        );
        assert.equal(await kv.get(`${prefix}a`), undefined);
        assert.equal(await kv.get(`${prefix}b`), undefined);
        assert.equal(await kv.revision(), r1);
        assert.ok(r1 >= r0);
      }),
    );

    it(
      'allows 128 ops in a txn and refuses 129 or a value over 1.5 MiB as invalid',
      withKV(async ({ kv, prefix }) => {
        const ops = (n: number) =>
          Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `${prefix}${String(i).padStart(3, '0')}`, value: 'v' }));
        const ok = await kv.txn({ compare: [], success: ops(128) });
        assert.equal(ok.succeeded, true);
        assert.equal(await kv.count(prefix), 128);
        const isInvalid = (error: unknown) => error instanceof DomainError && error.code === 'invalid';
        await assert.rejects(kv.txn({ compare: [], success: ops(129) }), isInvalid);
        await assert.rejects(kv.txn({ compare: [], success: [], failure: ops(129) }), isInvalid);
        await assert.rejects(kv.put(`${prefix}big`, 'x'.repeat(1.5 * 1024 * 1024 + 1)), isInvalid);
        assert.equal(await kv.get(`${prefix}big`), undefined);
        const large = 'y'.repeat(1024 * 1024);
        await kv.put(`${prefix}large`, large);
        assert.equal((await kv.get(`${prefix}large`))?.value.length, large.length);
      }),
    );

    it(
      'ranges a prefix in UTF-8 byte order with after, limit and more',
      withKV(async ({ kv, prefix }) => {
        // '\uff21' sorts after the emoji in UTF-16 but before it in UTF-8.
        const names = ['b', 'a', 'Z', 'é', '日本', '\uff21', '\u{1f600}', 'a/b', 'a0'];
        for (const n of names) await kv.put(`${prefix}${n}`, n);
        const expected = names.map((n) => `${prefix}${n}`).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        const all = await kv.range({ prefix });
        assert.deepEqual(
          all.items.map((i) => i.key),
          expected,
        );
        assert.equal(all.more, false);
        assert.equal(all.revision, await kv.revision());
        assert.deepEqual(
          all.items.map((i) => i.value),
          expected.map((k) => k.slice(prefix.length)),
        );

        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = await kv.range({ prefix, after, limit: 4, timeoutMs: 10_000 });
          pages.push(page.items.map((i) => i.key));
          const left = expected.length - pages.flat().length + page.items.length;
          if (page.total !== undefined) assert.equal(page.total, left, 'total counts the range from after on, past the limit');
          if (!page.more) break;
          assert.equal(page.items.length, 4);
          after = page.items.at(-1)!.key;
        }
        assert.deepEqual(pages.flat(), expected);
        assert.deepEqual(
          pages.map((p) => p.length),
          [4, 4, 1],
        );

        const exact = await kv.range({ prefix, limit: names.length });
        assert.equal(exact.more, false, 'more is false when the limit is exactly the size');
        const last = await kv.range({ prefix, after: expected.at(-1) });
        assert.deepEqual(last.items, []);
        assert.equal(last.more, false);
        const zero = await kv.range({ prefix, limit: 0 });
        assert.equal(zero.items.length, names.length, 'limit 0 means no limit');
      }),
    );

    it(
      'never matches a sibling prefix, and counts',
      withKV(async ({ kv, prefix }) => {
        for (const k of ['user/ab', 'user/abc', 'user/ab/x', 'user/ab/y', 'users', 'user0', 'usep']) {
          await kv.put(`${prefix}${k}`, k);
        }
        const ab = await kv.range({ prefix: `${prefix}user/ab/` });
        assert.deepEqual(
          ab.items.map((i) => i.value),
          ['user/ab/x', 'user/ab/y'],
        );
        const user = await kv.range({ prefix: `${prefix}user/` });
        assert.deepEqual(
          user.items.map((i) => i.value),
          ['user/ab', 'user/ab/x', 'user/ab/y', 'user/abc'],
        );
        assert.equal(await kv.count(`${prefix}user/`), 4);
        assert.equal(await kv.count(`${prefix}user/ab/`), 2);
        assert.equal(await kv.count(`${prefix}nothing/`), 0);
        assert.equal(await kv.count(prefix), 7);
      }),
    );

    it(
      'deletes a prefix in one revision',
      withKV(async ({ kv, prefix }) => {
        for (const k of ['p/a', 'p/b', 'p/c', 'q/a']) await kv.put(`${prefix}${k}`, k);
        const r0 = await kv.revision();
        const batches: WatchBatch[] = [];
        const watch = await kv.watch({ prefix, fromRevision: r0 + 1, onBatch: (b) => batches.push(b), onError: assert.fail });
        assert.equal(await kv.deletePrefix(`${prefix}p/`), 3);
        assert.equal(await kv.revision(), r0 + 1);
        assert.equal(await kv.deletePrefix(`${prefix}p/`), 0);
        assert.equal(await kv.revision(), r0 + 1, 'deleting nothing writes nothing');
        assert.equal(await kv.count(prefix), 1);
        await eventually(() => batches.length === 1);
        assert.equal(batches[0]!.revision, r0 + 1);
        assert.deepEqual(batches[0]!.events.map((e) => [e.type, e.kv.key]).sort(), [
          ['delete', `${prefix}p/a`],
          ['delete', `${prefix}p/b`],
          ['delete', `${prefix}p/c`],
        ]);
        await watch.close();
      }),
    );

    it(
      'watches from a past revision: history, then live events, one batch per revision',
      withKV(async ({ kv, prefix }) => {
        const p = `${prefix}w/`;
        const r1 = await kv.put(`${p}a`, 'a1');
        await kv.put(`${prefix}sibling`, 'not watched');
        const r2 = (
          await kv.txn({
            compare: [],
            success: [
              { type: 'put', key: `${p}b`, value: 'b1' },
              { type: 'put', key: `${p}c`, value: 'c1' },
            ],
          })
        ).revision;
        const r3 = await kv.delete(`${p}a`);
        const batches: WatchBatch[] = [];
        let inCall = false;
        const watch = await kv.watch({
          prefix: p,
          fromRevision: r1,
          onBatch: (batch) => {
            assert.equal(inCall, false, 'onBatch must not run inside a call');
            batches.push(batch);
          },
          onError: assert.fail,
        });
        await eventually(() => batches.length === 3);
        inCall = true;
        const pending = kv.txn({
          compare: [],
          success: [
            { type: 'put', key: `${p}b`, value: 'b2' },
            { type: 'delete', key: `${p}c` },
            { type: 'put', key: `${prefix}sibling2`, value: 'x' },
          ],
        });
        inCall = false;
        const r4 = (await pending).revision;
        const r5 = await kv.put(`${p}d`, 'd1');
        await eventually(() => batches.length === 5);
        await sleep(50);
        assert.equal(batches.length, 5);
        assert.deepEqual(
          batches.map((b) => b.revision),
          [r1, r2, r3, r4, r5],
        );
        const [b1, b2, b3, b4, b5] = batches as [WatchBatch, WatchBatch, WatchBatch, WatchBatch, WatchBatch];
        assert.deepEqual(
          b1.events.map((e) => [e.type, e.kv.key, e.kv.value]),
          [['put', `${p}a`, 'a1']],
        );
        assert.deepEqual(
          b2.events.map((e) => [e.type, e.kv.key, e.kv.value]),
          [
            ['put', `${p}b`, 'b1'],
            ['put', `${p}c`, 'c1'],
          ],
        );
        assert.equal(b3.events.length, 1);
        assert.equal(b3.events[0]!.type, 'delete');
        assert.equal(b3.events[0]!.kv.key, `${p}a`);
        assert.equal(b3.events[0]!.kv.value, '');
        assert.equal(b3.events[0]!.kv.modRevision, r3);
        assert.deepEqual(
          b4.events.map((e) => [e.type, e.kv.key]),
          [
            ['put', `${p}b`],
            ['delete', `${p}c`],
          ],
        );
        assert.equal(b4.events[0]!.kv.version, 2);
        assert.equal(b4.events[0]!.kv.createRevision, r2);
        assert.equal(b4.events[0]!.kv.modRevision, r4);
        assert.deepEqual(
          b5.events.map((e) => [e.type, e.kv.key, e.kv.value, e.kv.version]),
          [['put', `${p}d`, 'd1', 1]],
        );
        await watch.close();
      }),
    );

    it(
      'stops delivering once a watch is closed',
      withKV(async ({ kv, prefix }) => {
        const batches: WatchBatch[] = [];
        const watch = await kv.watch({
          prefix,
          fromRevision: (await kv.revision()) + 1,
          onBatch: (b) => batches.push(b),
          onError: assert.fail,
        });
        await kv.put(`${prefix}a`, '1');
        await eventually(() => batches.length === 1);
        await watch.close();
        await kv.put(`${prefix}a`, '2');
        await kv.put(`${prefix}b`, '1');
        await sleep(150);
        assert.equal(batches.length, 1);
      }),
    );

    it(
      'reports WatchCompactedError for a watch from compacted history',
      withKV(async ({ kv, prefix, compact }) => {
        const r1 = await kv.put(`${prefix}a`, '1');
        await kv.put(`${prefix}a`, '2');
        const r3 = await kv.put(`${prefix}a`, '3');
        await compact(r3);
        const errors: Error[] = [];
        const batches: WatchBatch[] = [];
        const watch = await kv.watch({ prefix, fromRevision: r1, onBatch: (b) => batches.push(b), onError: (e) => errors.push(e) });
        await eventually(() => errors.length === 1);
        assert.ok(errors[0] instanceof WatchCompactedError, `got ${errors[0]}`);
        assert.ok(errors[0].compactRevision >= r3);
        assert.deepEqual(batches, []);
        await watch.close();

        const live: WatchBatch[] = [];
        const after = await kv.watch({ prefix, fromRevision: r3 + 1, onBatch: (b) => live.push(b), onError: assert.fail });
        const r4 = await kv.put(`${prefix}a`, '4');
        await eventually(() => live.length === 1);
        assert.equal(live[0]!.revision, r4);
        await after.close();
      }),
    );

    it(
      'expires a lease and deletes its keys in one revision',
      withKV(async ({ kv, prefix, elapse }) => {
        const lease = await kv.grantLease(2);
        assert.notEqual(lease, '0');
        await kv.put(`${prefix}a`, '1', lease);
        await kv.txn({ compare: [], success: [{ type: 'put', key: `${prefix}b`, value: '2', lease }] });
        await kv.put(`${prefix}c`, 'no lease');
        assert.equal((await kv.get(`${prefix}a`))?.lease, lease);
        const r0 = await kv.revision();
        const batches: WatchBatch[] = [];
        const watch = await kv.watch({ prefix, fromRevision: r0 + 1, onBatch: (b) => batches.push(b), onError: assert.fail });
        await elapse(2100);
        await eventually(async () => (await kv.count(prefix)) === 1, { timeoutMs: 8000 });
        assert.equal((await kv.get(`${prefix}c`))?.value, 'no lease');
        await eventually(() => batches.length === 1);
        assert.equal(batches[0]!.revision, r0 + 1);
        assert.deepEqual(batches[0]!.events.map((e) => [e.type, e.kv.key]).sort(), [
          ['delete', `${prefix}a`],
          ['delete', `${prefix}b`],
        ]);
        await assert.rejects(kv.keepAlive(lease), (e: unknown) => e instanceof DomainError && e.code === 'not_found');
        await kv.revokeLease(lease);
        await assert.rejects(kv.put(`${prefix}d`, 'x', lease), (e: unknown) => e instanceof DomainError && e.code === 'not_found');
        await watch.close();
      }),
    );

    it(
      'keeps a lease alive and revokes it',
      withKV(async ({ kv, prefix, elapse }) => {
        const lease = await kv.grantLease(3);
        await kv.put(`${prefix}a`, '1', lease);
        await kv.put(`${prefix}b`, '2', lease);
        await elapse(1500);
        await kv.keepAlive(lease);
        await elapse(2000);
        assert.equal((await kv.get(`${prefix}a`))?.value, '1', 'the keep-alive renewed the TTL');
        const r0 = await kv.revision();
        await kv.revokeLease(lease);
        assert.equal(await kv.revision(), r0 + 1, 'one revision for all the lease keys');
        assert.equal(await kv.count(prefix), 0);
        await kv.revokeLease(lease);
        await kv.revokeLease('123456789');
        assert.equal(await kv.revision(), r0 + 1);
        await assert.rejects(kv.keepAlive(lease), (e: unknown) => e instanceof DomainError && e.code === 'not_found');
        await assert.rejects(kv.grantLease(0), (e: unknown) => e instanceof DomainError && e.code === 'invalid');
      }),
    );

    it(
      'serializes concurrent compare-and-set increments',
      withKV(async ({ kv, prefix }) => {
        const key = `${prefix}counter`;
        const increment = async () => {
          let current = await kv.get(key);
          for (;;) {
            const next = String(Number(current?.value ?? '0') + 1);
            const result = await kv.txn({
              compare: [{ key, target: 'modRevision', op: '==', value: current?.modRevision ?? 0 }],
              success: [{ type: 'put', key, value: next }],
              failure: [{ type: 'get', key }],
            });
            if (result.succeeded) return;
            current = result.results[0];
          }
        };
        await Promise.all(Array.from({ length: 50 }, increment));
        const final = await kv.get(key);
        assert.equal(final?.value, '50');
        assert.equal(final?.version, 50);
      }),
    );
  });
}

/** Polls `condition` until it holds; fails after `timeoutMs`. */
