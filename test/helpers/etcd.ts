import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EtcdCluster, startEtcdCluster } from '../../src/local-etcd/etcd-cluster.js';

export interface TestEtcd extends EtcdCluster {
  /** The temp dir holding every member's data. */
  readonly dataDir: string;
  /** Kills every member with SIGKILL (the data is throwaway) and removes the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * A fresh 3-member cluster on loopback with free ports in a new temp dir.
 * Set CHORUS_ETCD_LOG=1 to see the members' logs.
 */
export async function startTestEtcd(options: { quotaBackendBytes?: number } = {}): Promise<TestEtcd> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chorus-etcd-'));
  let cluster: EtcdCluster;
  try {
    cluster = await startEtcdCluster({
      dataDir,
      quotaBackendBytes: options.quotaBackendBytes,
      log: process.env.CHORUS_ETCD_LOG ? (line) => console.error(line) : undefined,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return Object.assign(cluster, {
    dataDir,
    async cleanup() {
      await cluster.stop({ signal: 'SIGKILL' });
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
