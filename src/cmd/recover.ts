import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { localClusterAccess } from '../backup/deployment-backup.js';
import { applyPostRecovery, planPostRecovery } from '../backup/post-recovery.js';
import { loadConfig } from '../config.js';
import { lookupUsername } from '../domain/account.js';
import { EmbeddedKV } from '../kv/embedded-kv.js';
import { EtcdKV } from '../kv/etcd-kv.js';
import { keyspace } from '../kv/keys.js';
import type { KV } from '../kv/kv.js';
import { ensureCertificates } from '../local-etcd/certificates.js';
import { startEtcdCluster } from '../local-etcd/etcd-cluster.js';

export const recoverUsage = [
  'usage: chorus recover-posts --from RESTORED_DATA_DIR [--author NAME]... [--apply]',
  '  compares the posts of a restored backup (chorus restore into RESTORED_DATA_DIR) with the deployment of',
  '  DATA_DIR/PORT and, with --apply, puts back the posts the live store lacks (docs/operations/recovery.md)',
].join('\n');

interface OpenStore {
  kv: KV;
  close(): Promise<void>;
}

/** A deployment's store as its root identity (cluster) or its file (embedded; only while `chorus all` is stopped). */
async function openDeployment(dataDir: string, startEtcd: boolean): Promise<OpenStore> {
  const cluster = localClusterAccess(dataDir);
  if (!cluster) {
    const file = path.join(dataDir, 'chorus.sqlite');
    if (!existsSync(file)) throw new Error(`${dataDir} holds neither a cluster nor an embedded store`);
    const kv = await EmbeddedKV.open({ path: file }).catch((error: Error) => {
      throw new Error(`cannot open ${file} (${error.message}): stop the \`chorus all\` that serves it first`);
    });
    return { kv, close: () => kv.close() };
  }
  // A restored copy is not served: its members are started here, on the ports the restore recorded, and stopped after.
  const etcd = startEtcd
    ? await startEtcdCluster({ dataDir: path.join(dataDir, 'etcd'), tls: await ensureCertificates(path.join(dataDir, 'etcd', 'tls')) })
    : undefined;
  const tls = cluster.tls && { ca: readFileSync(cluster.tls.ca), cert: readFileSync(cluster.tls.cert), key: readFileSync(cluster.tls.key) };
  const kv = await EtcdKV.connect({
    endpoints: cluster.endpoints,
    timeoutMs: 60_000,
    tls,
    revisionProbeKey: keyspace().root,
  });
  return {
    kv,
    close: async () => {
      await kv.close();
      await etcd?.stop();
    },
  };
}

/** `chorus recover-posts`: a dry run that prints what it would put back, unless --apply. */
export async function runRecoverPosts(argv: string[]): Promise<void> {
  let options: { from: string; authors: string[]; apply: boolean };
  let dataDir: string;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, author: { type: 'string', multiple: true }, apply: { type: 'boolean' } },
    });
    if (!values.from) throw new Error('--from RESTORED_DATA_DIR is required');
    options = { from: path.resolve(values.from), authors: (values.author ?? []).map(lookupUsername), apply: values.apply ?? false };
    dataDir = loadConfig(['all']).dataDir;
    if (options.from === dataDir) throw new Error('--from must be another data directory than the live one');
  } catch (error) {
    console.error(`chorus recover-posts: ${(error as Error).message}\n\n${recoverUsage}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  let live: OpenStore | undefined;
  let restored: OpenStore | undefined;
  try {
    live = await openDeployment(dataDir, false);
    restored = await openDeployment(options.from, true);
    const keys = keyspace();
    const plan = await planPostRecovery(live.kv, restored.kv, keys, options.authors);
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${plan.missing.length} posts of the copy are missing here; ${plan.skipped.length} cannot be put back (${seconds()} s)`);
    for (const { post, why } of plan.skipped.slice(0, 20)) console.log(`  skipped ${post.id} by ${post.author}: ${why}`);
    if (!options.apply) {
      for (const post of plan.missing.slice(0, 20)) console.log(`  missing ${post.id} by ${post.author}`);
      console.log('Nothing written: run again with --apply to put them back.');
      return;
    }
    const { written, refused } = await applyPostRecovery(live.kv, keys, plan);
    console.log(`put back ${written} posts; ${refused.length} had changed meanwhile and were left alone (${seconds()} s)`);
  } catch (error) {
    console.error(`chorus recover-posts failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await restored?.close();
    await live?.close();
  }
}
