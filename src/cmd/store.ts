import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { EmbeddedKV } from '../kv/embedded-kv.js';
import { EtcdKV } from '../kv/etcd-kv.js';
import type { KV } from '../kv/kv.js';

/** The store a service role runs on, as configured. */
export async function openStore(config: Config): Promise<KV> {
  if (config.store === 'etcd') {
    return EtcdKV.connect({ endpoints: config.etcdEndpoints, timeoutMs: config.etcdTimeoutMs });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return EmbeddedKV.open({ path: path.join(config.dataDir, 'chorus.sqlite') });
}
