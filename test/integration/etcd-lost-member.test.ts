import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { type ClusterCertificates, ensureCertificates } from '../../src/local-etcd/certificates.js';
import { restrictToPrefix } from '../../src/local-etcd/etcd-access.js';
import { type EtcdCluster, startEtcdCluster } from '../../src/local-etcd/etcd-cluster.js';

/**
 * docs/operations/recovery.md, "A lost member": a member's data directory
 * is gone; starting the cluster again (as `chorus cluster` does) replaces
 * it through the surviving majority, and the new member holds the data.
 * TLS and etcd authentication as in `chorus cluster`, since the cluster
 * API then needs the root identity.
 */
describe('a cluster started with one member’s data directory gone', () => {
  let dir: string;
  let certificates: ClusterCertificates;
  let etcd: EtcdCluster | undefined;
  /** The membership as root sees it (the JSON gateway ignores client certificates, so gRPC). */
  const members = async (endpoints: string[]) => {
    const client = new Etcd3({
      hosts: endpoints,
      credentials: {
        rootCertificate: await readFile(certificates.ca),
        certChain: await readFile(certificates.root.cert),
        privateKey: await readFile(certificates.root.key),
      },
    });
    try {
      return (await client.cluster.memberList({})).members;
    } finally {
      client.close();
    }
  };
  const connect = async (endpoints: string[]) =>
    EtcdKV.connect({
      endpoints,
      tls: {
        ca: await readFile(certificates.ca),
        cert: await readFile(certificates.chorus.cert),
        key: await readFile(certificates.chorus.key),
      },
      revisionProbeKey: DEFAULT_ROOT,
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-lost-member-'));
    certificates = await ensureCertificates(join(dir, 'tls'));
  });

  after(async () => {
    await etcd?.stop({ signal: 'SIGKILL' });
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the member, which then serves every key written before', async () => {
    etcd = await startEtcdCluster({ dataDir: join(dir, 'etcd'), tls: certificates });
    await restrictToPrefix(etcd.endpoints, certificates, DEFAULT_ROOT);
    let kv = await connect(etcd.endpoints);
    for (let i = 0; i < 50; i++) await kv.put(`${DEFAULT_ROOT}lost-member/${i}`, `value ${i}`);
    await kv.close();
    const lostId = (await members(etcd.endpoints)).find((m) => m.name === 'etcd-2')?.ID;
    assert.ok(lostId);
    await etcd.stop({ signal: 'SIGKILL' });
    await rm(join(dir, 'etcd', 'etcd-2'), { recursive: true, force: true });

    etcd = await startEtcdCluster({ dataDir: join(dir, 'etcd'), tls: certificates });
    const after = await members(etcd.endpoints);
    assert.deepEqual(after.map((m) => m.name).sort(), ['etcd-1', 'etcd-2', 'etcd-3']);
    const replaced = after.find((m) => m.name === 'etcd-2');
    assert.notEqual(replaced?.ID, lostId, 'etcd-2 is a new member, not the lost one');
    assert.deepEqual(replaced?.peerURLs, [etcd.members[1]!.peerUrl]);

    // Through the new member alone: it answers a read only once it has applied the leader's log.
    kv = await connect([etcd.members[1]!.clientUrl]);
    try {
      const { items } = await kv.range({ prefix: `${DEFAULT_ROOT}lost-member/` });
      assert.equal(items.length, 50);
      await kv.put(`${DEFAULT_ROOT}lost-member/after`, 'written through the new member');
    } finally {
      await kv.close();
    }
    // The chorus user's role came over with the data: still confined to its prefix.
    kv = await connect([etcd.members[1]!.clientUrl]);
    try {
      await assert.rejects(kv.put('/elsewhere/key', 'x'));
    } finally {
      await kv.close();
    }
  });

  it('refuses to start when a majority has no data, pointing to a restore', async () => {
    await etcd?.stop({ signal: 'SIGKILL' });
    etcd = undefined;
    await rm(join(dir, 'etcd', 'etcd-1'), { recursive: true, force: true });
    await rm(join(dir, 'etcd', 'etcd-3'), { recursive: true, force: true });
    await assert.rejects(startEtcdCluster({ dataDir: join(dir, 'etcd'), tls: certificates }), /majority is lost, so restore from a backup/);
  });
});
