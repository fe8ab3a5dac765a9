/**
 * Backups of an etcd cluster as `chorus cluster` runs it (TLS, client
 * certificates, the `chorus` role): a snapshot taken while a writer posts,
 * restored into a new data directory whose cluster starts with new
 * certificates, keeps its users and role, holds every post acknowledged
 * before the backup began, and accepts writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { backupDeployment, restoreDeployment } from '../../src/backup/deployment-backup.js';
import type { Post } from '../../src/domain/post.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import { keyspace } from '../../src/kv/keys.js';
import { type ClusterCertificates, ensureCertificates } from '../../src/local-etcd/certificates.js';
import { restrictToPrefix } from '../../src/local-etcd/etcd-access.js';
import { type EtcdCluster, startEtcdCluster } from '../../src/local-etcd/etcd-cluster.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'chorus-etcd-backup-'));
const keys = keyspace();
const openEmbedded = (file: string) => EmbeddedKV.open({ path: file });
const clusters: EtcdCluster[] = [];
after(async () => {
  await Promise.all(clusters.map((c) => c.stop({ signal: 'SIGKILL' })));
  rmSync(root, { recursive: true, force: true });
});

/** Starts (or restarts) the cluster of `dataDir` as cmd/cluster.ts does, and connects as the `chorus` user. */
async function startCluster(dataDir: string) {
  const tls: ClusterCertificates = await ensureCertificates(path.join(dataDir, 'etcd', 'tls'));
  const cluster = await startEtcdCluster({ dataDir: path.join(dataDir, 'etcd'), tls });
  clusters.push(cluster);
  await restrictToPrefix(cluster.endpoints, tls, keys.root);
  const kv = await EtcdKV.connect({
    endpoints: cluster.endpoints,
    tls: { ca: readFileSync(tls.ca), cert: readFileSync(tls.chorus.cert), key: readFileSync(tls.chorus.key) },
    revisionProbeKey: keys.root,
  });
  const social = new SocialService({ kv, keys });
  const auth = new AuthService({ kv, keys, passwordHashing: FAST_HASHING });
  return { cluster, kv, social, auth, tls };
}

test('an etcd backup taken while a writer posts restores into a new cluster that serves and writes', { timeout: 120_000 }, async () => {
  const source = path.join(root, 'live');
  const live = await startCluster(source);
  await live.auth.signUp('alice', 'correct horse');
  const alice = live.social.trustedActor('alice');
  const acknowledged: Post[] = [];
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing && i < 5000; i++) acknowledged.push(await alice.post(`status ${i}`));
  })();
  while (acknowledged.length < 30) await new Promise((resolve) => setTimeout(resolve, 10));
  const beforeBackup = acknowledged.length;
  const file = path.join(root, 'cluster.backup');
  const manifest = await backupDeployment({ dataDir: source, openEmbedded }, file);
  const duringBackup = acknowledged.length - beforeBackup;
  writing = false;
  await writer;
  await live.kv.close();
  await live.cluster.stop({ signal: 'SIGKILL' });
  assert.equal(manifest.format, 'etcd-snapshot');
  assert.equal(manifest.members, 3);
  assert.ok(duringBackup >= 0);

  const target = path.join(root, 'restored');
  assert.deepEqual(await restoreDeployment(file, { dataDir: target, etcdClientPorts: [0, 0, 0], etcdPeerPorts: [0, 0, 0] }), manifest);
  const again = await startCluster(target);
  try {
    assert.notEqual(
      readFileSync(again.tls.ca, 'utf8'),
      readFileSync(live.tls.ca, 'utf8'),
      'the restored cluster has certificates of its own',
    );
    assert.ok((await again.kv.range({ prefix: keys.root, limit: 1 })).revision >= manifest.revision);
    for (const post of acknowledged.slice(0, beforeBackup)) {
      assert.equal((await again.social.getPost(post.id)).text, post.text);
    }
    const later = await again.social.trustedActor('alice').post('after the restore');
    assert.equal((await again.social.getPost(later.id)).text, 'after the restore');
    assert.ok((await again.auth.logIn('alice', 'correct horse')).token);
    // The chorus role still confines the chorus user to Chorus's prefix.
    await assert.rejects(again.kv.put('outside/the/prefix', 'x'), (error: Error) =>
      /permission denied/.test(String((error as { cause?: Error }).cause?.message)),
    );
  } finally {
    await again.kv.close();
  }
});
