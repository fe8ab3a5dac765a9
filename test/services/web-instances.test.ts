/**
 * The web instances' reports in the store (services/status/web-instances.ts)
 * on the embedded engine with a clock the test moves: a report lives on
 * its lease and is gone once the lease runs out unless renewed; a stopping
 * instance removes itself; bad reports are refused before anything is
 * written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import type { WebInstanceReport } from '../../src/domain/status.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { keyspace } from '../../src/kv/keys.js';
import { WebInstances } from '../../src/services/status/web-instances.js';
import { eventually } from '../helpers/eventually.js';

const keys = keyspace('/test-web-instances/v1/');

async function open() {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const kv = await EmbeddedKV.open({ path: ':memory:', now: clock.now, sweepIntervalMs: 10 });
  return { kv, clock, instances: new WebInstances(kv, keys, clock.now) };
}

const report = (id: string, extra: Partial<WebInstanceReport> = {}): WebInstanceReport => ({
  id,
  address: `http://10.0.0.1:80${id.slice(-2)}`,
  host: 'web-a',
  version: '0.1.0',
  uptimeSeconds: 12.5,
  ready: true,
  requestsLastMinute: 42,
  errorsLastMinute: 1,
  ...extra,
});

describe('web instances in the store', () => {
  it('lists each reported instance with the age of its report, renews it, and forgets it when its lease runs out', async () => {
    const { kv, clock, instances } = await open();
    try {
      await instances.report(report('aaaaaaaaaaaaaa01'), 3);
      await instances.report(report('aaaaaaaaaaaaaa02'), 3);
      clock.advance(1500);
      const listed = await instances.list();
      assert.deepEqual(
        listed.map((i) => [i.id, i.secondsSinceReport, i.ttlSeconds, i.requestsLastMinute]),
        [
          ['aaaaaaaaaaaaaa01', 1.5, 3, 42],
          ['aaaaaaaaaaaaaa02', 1.5, 3, 42],
        ],
      );
      // 01 reports again; 02 does not, and its lease runs out 3 s after its report.
      await instances.report(report('aaaaaaaaaaaaaa01', { requestsLastMinute: 7 }), 3);
      clock.advance(1600);
      await eventually(async () => (await instances.list()).length === 1, { what: 'the unrenewed record gone' });
      const [left] = await instances.list();
      assert.equal(left?.id, 'aaaaaaaaaaaaaa01');
      assert.equal(left?.requestsLastMinute, 7);
      assert.equal(left?.secondsSinceReport, 1.6);
      clock.advance(3000);
      await eventually(async () => (await instances.list()).length === 0, { what: 'the last record gone' });
    } finally {
      await kv.close();
    }
  });

  it('removes an instance that says it is gone, and refuses bad reports without writing', async () => {
    const { kv, instances } = await open();
    try {
      await instances.report(report('bbbbbbbbbbbbbb01'), 10);
      await instances.remove('bbbbbbbbbbbbbb01');
      await instances.remove('bbbbbbbbbbbbbb01');
      assert.deepEqual(await instances.list(), []);
      const before = await kv.revision();
      const bad: [WebInstanceReport, number, RegExp][] = [
        [report('not-hex-at-all!!'), 10, /instance id/],
        [report('ABCDEFABCDEFABCD'), 10, /instance id/],
        [report('cccccccccccccc01', { address: '' }), 10, /address must be 1 to 200/],
        [report('cccccccccccccc01', { host: 'x'.repeat(256) }), 10, /host must be 1 to 255/],
        [report('cccccccccccccc01', { requestsLastMinute: -1 }), 10, /requestsLastMinute/],
        [report('cccccccccccccc01', { uptimeSeconds: Number.NaN }), 10, /uptimeSeconds/],
        [report('cccccccccccccc01'), 1, /ttlSeconds must be a whole number from 2 to 300/],
        [report('cccccccccccccc01'), 301, /ttlSeconds/],
      ];
      for (const [r, ttl, message] of bad) {
        await assert.rejects(instances.report(r, ttl), (error: Error) => {
          assert.ok(error instanceof DomainError && error.code === 'invalid', String(error));
          assert.match(error.message, message);
          return true;
        });
      }
      await assert.rejects(instances.remove('../accounts/alice'), /instance id/);
      assert.equal(await kv.revision(), before, 'nothing written');
    } finally {
      await kv.close();
    }
  });
});
