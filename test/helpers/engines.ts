/**
 * Runs a service test suite on both KV engines: the embedded engine (a
 * fresh ':memory:' store per test) and a real 3-member etcd cluster
 * (started once per test file). Every opened store comes with a keyspace
 * under a root of its own, so no test sees another's keys, whichever
 * store they share.
 *
 * CHORUS_TEST_ENGINES=embedded (or etcd) limits the run to one engine.
 */
import { after, before, describe } from 'node:test';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { type Keyspace, keyspace } from '../../src/kv/keys.js';
import type { KV } from '../../src/kv/kv.js';
import { startTestEtcd, type TestEtcd } from './etcd.js';

export type EngineName = 'embedded' | 'etcd';

export interface OpenedStore {
  kv: KV;
  /** The layout to give every service and read model of the test: under a root no other test uses. */
  keys: Keyspace;
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
  /** A store holding no keys under its keyspace's root. Call once per test; close it in the test. */
  open(options?: OpenOptions): Promise<OpenedStore>;
}

let opened = 0;
/** A root of its own for each opened store, unique across the test files running at once. */
const freshKeyspace = () => keyspace(`/test-${process.pid}-${++opened}/chorus/v1/`);

/** Whether CHORUS_TEST_ENGINES (unset: both) asks for this engine. */
export const wanted = (name: EngineName) => {
  const list = process.env.CHORUS_TEST_ENGINES;
  return (
    !list ||
    list
      .split(',')
      .map((s) => s.trim())
      .includes(name)
  );
};

export function forEachEngine(register: (engine: Engine) => void): void {
  if (wanted('embedded')) {
    describe('embedded engine', () => {
      register({
        name: 'embedded',
        controlsTime: true,
        async open(options = {}) {
          const kv = await EmbeddedKV.open({ path: ':memory:', now: options.now });
          return { kv, keys: freshKeyspace(), close: () => kv.close(), compact: (revision) => kv.compact(revision) };
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
          const keys = freshKeyspace();
          const kv = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: keys.root });
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
          return { kv, keys, close: () => kv.close(), compact };
        },
      });
    });
  }
}

/** Every key under the store's root, for "nothing was written" and "no secret stored" checks. */
export async function dumpStore({ kv, keys }: { kv: KV; keys: Keyspace }): Promise<{ key: string; value: string }[]> {
  const range = await kv.range({ prefix: keys.root });
  return range.items.map(({ key, value }) => ({ key, value }));
}
