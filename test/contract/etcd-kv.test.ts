import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { DomainError } from '../../src/domain/errors.js';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import type { WatchBatch } from '../../src/kv/kv.js';
import { findFreePort } from '../../src/supervisor/ports.js';
import { startTestEtcd, type TestEtcd } from '../helpers/etcd.js';
import { eventually } from '../helpers/eventually.js';
import { kvContract } from './kv-contract.js';

/** The engine takes any key; the contract suite has no application root. */
const PROBE_KEY = '/contract/';

let cluster: TestEtcd;
let admin: Etcd3;

before(async () => {
  cluster = await startTestEtcd();
  admin = new Etcd3({ hosts: cluster.endpoints });
});

after(async () => {
  admin?.close();
  await cluster?.cleanup();
});

kvContract('EtcdKV', async () => {
  const kv = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: PROBE_KEY });
  const prefix = `/contract/${randomUUID()}/`;
  return {
    kv,
    prefix,
    cleanup: async () => {
      await kv.deletePrefix(prefix);
      await kv.close();
    },
    // Compaction is cluster-wide, so it is done by the test through its own client, not the engine.
    compact: async (revision) => {
      await admin.kv.compact({ revision, physical: true });
    },
    elapse: (ms) => sleep(ms),
  };
});

describe('EtcdKV faults', () => {
  it('fails fast with unavailable when no member answers', async () => {
    const port = await findFreePort();
    const started = Date.now();
    await assert.rejects(
      EtcdKV.connect({ endpoints: [`http://127.0.0.1:${port}`], timeoutMs: 500, revisionProbeKey: PROBE_KEY }),
      (e: unknown) => e instanceof DomainError && e.code === 'unavailable',
    );
    assert.ok(Date.now() - started < 3000);
  });

  it('recovers within seconds when the leader is killed, and keeps every acknowledged put', async (t) => {
    const kv = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: PROBE_KEY });
    const prefix = `/failover/${randomUUID()}/`;
    // The watch starts on the leader, so the kill breaks its stream and it must resume without a gap.
    const leader = await cluster.leader();
    const watchKV = await EtcdKV.connect({
      endpoints: [leader.clientUrl, ...cluster.endpoints.filter((e) => e !== leader.clientUrl)],
      preferFirstEndpoint: true,
      revisionProbeKey: PROBE_KEY,
    });
    const watched: WatchBatch[] = [];
    const watch = await watchKV.watch({
      prefix,
      fromRevision: (await kv.revision()) + 1,
      onBatch: (b) => watched.push(b),
      onError: (e) => assert.fail(e),
    });
    const acknowledged: string[] = [];
    const failures: number[] = [];
    let killedAt = 0;
    let firstAfterKill = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const key = `${prefix}${String(i).padStart(6, '0')}`;
        const startedAt = Date.now();
        try {
          await kv.put(key, String(i));
          acknowledged.push(key);
          // Only a put sent after the leader died proves recovery.
          if (killedAt && startedAt >= killedAt && !firstAfterKill) firstAfterKill = Date.now();
        } catch (error) {
          assert.ok(error instanceof DomainError && error.code === 'unavailable', `unexpected ${error}`);
          failures.push(Date.now());
        }
      }
    })();
    try {
      await sleep(300);
      const before = acknowledged.length;
      await leader.kill('SIGKILL');
      killedAt = Date.now();
      while (!firstAfterKill && Date.now() - killedAt < 10_000) await sleep(20);
      assert.ok(before > 0, 'puts ran before the kill');
      assert.ok(firstAfterKill > 0, 'puts resumed after the kill');
      const recovery = firstAfterKill - killedAt;
      t.diagnostic(`puts resumed ${recovery} ms after the kill; ${failures.length} failed as unavailable`);
      assert.ok(recovery < 4000, `puts resumed after ${recovery} ms`);
      await sleep(300);
      stop = true;
      await writer;
      const stored = new Set<string>();
      let afterKey: string | undefined;
      for (;;) {
        const page = await kv.range({ prefix, after: afterKey, limit: 1000 });
        for (const item of page.items) stored.add(item.key);
        if (!page.more) break;
        afterKey = page.items.at(-1)!.key;
      }
      const lost = acknowledged.filter((k) => !stored.has(k));
      assert.deepEqual(lost, [], 'every acknowledged put is stored');
      await eventually(() => watched.length === stored.size, { timeoutMs: 5000 });
      const revisions = watched.map((b) => b.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((a, b) => a - b),
        'batches arrive in revision order',
      );
      assert.deepEqual(
        watched.flatMap((b) => b.events.map((e) => e.kv.key)),
        [...stored].sort(),
        'the watch saw every stored put exactly once',
      );
      await leader.start();
      await cluster.waitHealthy(10_000);
    } finally {
      stop = true;
      await writer;
      await watch.close();
      await watchKV.close();
      await kv.close();
    }
  });
});
