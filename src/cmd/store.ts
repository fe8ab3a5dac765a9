import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { CommitWaitKV } from '../kv/commit-wait-kv.js';
import { EmbeddedKV } from '../kv/embedded-kv.js';
import { EtcdKV } from '../kv/etcd-kv.js';
import { keyspace } from '../kv/keys.js';
import type { KV } from '../kv/kv.js';

/** The layout of Chorus's keys in the store: the default root, which every process of a deployment shares. */
export const keys = keyspace();

/** How long a service waits for etcd at start-up before giving up. */
const CONNECT_PATIENCE_MS = 60_000;

/**
 * The store a service role runs on, as configured. A cluster that is
 * starting, electing or busy (say, just after a bulk load) is waited for,
 * so services and etcd can start in any order, unless `signal` (shutdown)
 * aborts the wait. On etcd every write is acknowledged only
 * `readIndexAgeMs` after its commit (CommitWaitKV): the reads of every
 * social instance count on it, so every process that writes waits.
 */
export async function openStore(config: Config, log: Logger, signal?: AbortSignal): Promise<KV> {
  if (config.store === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    return EmbeddedKV.open({ path: path.join(config.dataDir, 'chorus.sqlite') });
  }
  const kv = await connectEtcd(config, log, signal);
  return config.readIndexAgeMs > 0 ? new CommitWaitKV(kv, config.readIndexAgeMs) : kv;
}

async function connectEtcd(config: Config, log: Logger, signal?: AbortSignal): Promise<KV> {
  const files = config.etcdTls;
  const tls = files && { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
  const deadline = Date.now() + CONNECT_PATIENCE_MS;
  for (let delayMs = 200; ; delayMs = Math.min(delayMs * 2, 5000)) {
    try {
      return await EtcdKV.connect({
        endpoints: config.etcdEndpoints,
        timeoutMs: config.etcdTimeoutMs,
        tls,
        quotaBytes: config.etcdQuotaBytes,
        // Inside the prefix an etcd role grants Chorus, so the probe works with authentication on.
        revisionProbeKey: keys.root,
      });
    } catch (error) {
      if (Date.now() + delayMs > deadline || signal?.aborted) throw error;
      log.warn({ err: error, endpoints: config.etcdEndpoints }, 'etcd not answering yet: retrying');
      await sleep(delayMs, undefined, { signal });
    }
  }
}
