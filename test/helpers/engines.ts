/**
 * Runs a service test suite on both KV engines: the embedded engine (a
 * fresh ':memory:' store per test) and a real 3-member etcd cluster
 * (started once per test file, wiped under ROOT before each test).
 *
 * Why wipe rather than namespace: keys.ts has a fixed ROOT, so tests cannot
 * be given their own prefix without changing the key layout. Tests inside
 * one file run one after another and every file starts its own cluster, so
 * clearing ROOT at open() is enough to keep tests independent.
 *
 * CHORUS_TEST_ENGINES=embedded (or etcd) limits the run to one engine.
 */
import { after, before, describe } from 'node:test';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { ROOT } from '../../src/kv/keys.js';
import type { KV } from '../../src/kv/kv.js';
import { startTestEtcd, type TestEtcd } from './etcd.js';

export type EngineName = 'embedded' | 'etcd';

export interface OpenedStore {
  kv: KV;
  close(): Promise<void>;
  /** Drops the store's history before `revision`, as etcd's compaction does. */
  compact(revision: number): Promise<void>;
}

export interface OpenOptions {
  /** Clock for lease expiry; honoured only where `controlsTime` is true. */
  now?: () => number;
}

export interface Engine {
  name: EngineName;
  /** Whether `open({ now })` makes leases expire by that clock (embedded) or only by real time (etcd). */
  controlsTime: boolean;
  /** A store holding no Chorus keys. Call once per test; close it in the test. */
  open(options?: OpenOptions): Promise<OpenedStore>;
}

const wanted = (name: EngineName) => {
  const list = process.env.CHORUS_TEST_ENGINES;
  return !list || list.split(',').map((s) => s.trim()).includes(name);
};

export function forEachEngine(register: (engine: Engine) => void): void {
  if (wanted('embedded')) {
    describe('embedded engine', () => {
      register({
        name: 'embedded',
        controlsTime: true,
        async open(options = {}) {
          const kv = await EmbeddedKV.open({ path: ':memory:', now: options.now });
          return { kv, close: () => kv.close(), compact: (revision) => kv.compact(revision) };
        },
      });
    });
  }
  if (wanted('etcd')) {
    describe('etcd engine (3 members)', () => {
      let cluster: TestEtcd | undefined;
      before(async () => {
        cluster = await startTestEtcd();
      });
      after(async () => {
        await cluster?.cleanup();
      });
      register({
        name: 'etcd',
        controlsTime: false,
        async open() {
          if (!cluster) throw new Error('etcd cluster not started');
          // Loaded lazily so an embedded-only run does not load the etcd client.
          const { EtcdKV } = await import('../../src/kv/etcd-kv.js');
          const kv = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: ROOT });
          await kv.deletePrefix(ROOT);
          const endpoints = cluster.endpoints;
          const compact = async (revision: number) => {
            // The engine has no compaction call (etcd compacts itself); tests ask etcd directly.
            const { Etcd3 } = await import('etcd3');
            const admin = new Etcd3({ hosts: endpoints });
            try {
              await admin.kv.compact({ revision, physical: true });
            } finally {
              admin.close();
            }
          };
          return { kv, close: () => kv.close(), compact };
        },
      });
    });
  }
}

/** Every Chorus key in the store, for "nothing was written" and "no secret stored" checks. */
export async function dumpStore(kv: KV): Promise<{ key: string; value: string }[]> {
  const range = await kv.range({ prefix: ROOT });
  return range.items.map(({ key, value }) => ({ key, value }));
}
