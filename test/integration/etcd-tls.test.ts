import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { type ClusterCertificates, ensureCertificates } from '../../src/local-etcd/certificates.js';
import { restrictToPrefix } from '../../src/local-etcd/etcd-access.js';
import { type EtcdCluster, startEtcdCluster } from '../../src/local-etcd/etcd-cluster.js';
import { requestJson } from '../../src/local-etcd/request-json.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

/** `chorus cluster`'s etcd: TLS both ways, and a `chorus` user whose role covers Chorus's prefix only. */
describe('etcd with TLS and a role limited to the Chorus prefix', () => {
  let dir: string;
  let certificates: ClusterCertificates;
  let etcd: EtcdCluster;
  const identity = async (files: { cert: string; key: string }) => ({
    ca: await readFile(certificates.ca),
    cert: await readFile(files.cert),
    key: await readFile(files.key),
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chorus-etcd-tls-'));
    certificates = await ensureCertificates(join(dir, 'tls'));
    etcd = await startEtcdCluster({ dataDir: join(dir, 'etcd'), tls: certificates });
    await restrictToPrefix(etcd.endpoints, certificates, DEFAULT_ROOT);
  });

  after(async () => {
    await etcd?.stop({ signal: 'SIGKILL' });
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the services as the chorus user: sessions on leases, transactions, the watch-fed read model', async () => {
    assert.ok(etcd.endpoints.every((e) => e.startsWith('https://')));
    const kv = await EtcdKV.connect({
      endpoints: etcd.endpoints,
      tls: await identity(certificates.chorus),
      revisionProbeKey: DEFAULT_ROOT,
    });
    const model = await ReadModel.start({ kv });
    try {
      const auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
      const social = new SocialService({ kv, readModel: model });
      await auth.signUp('writer', 'correct horse');
      const reader = await auth.signUp('reader', 'correct horse');
      await social.trustedActor('reader').follow('writer');
      const post = await social.trustedActor('writer').post('sent over TLS');
      const feed = await social.as(reader.token).homeFeed(10);
      assert.deepEqual(
        feed.page.items.map((p) => p.id),
        [post.id],
      );
      await auth.logOut(reader.token);
      await assert.rejects(auth.authenticate(reader.token), rejectsWith('unauthenticated'));
    } finally {
      await model.close();
      await kv.close();
    }
  });

  it('refuses the chorus user everything outside its prefix, and restricting again changes nothing', async () => {
    await restrictToPrefix(etcd.endpoints, certificates, DEFAULT_ROOT);
    const kv = await EtcdKV.connect({
      endpoints: etcd.endpoints,
      tls: await identity(certificates.chorus),
      revisionProbeKey: DEFAULT_ROOT,
    });
    try {
      await assert.rejects(kv.put('/elsewhere/key', 'x'), rejectsWith('internal'));
      await assert.rejects(kv.range({ prefix: '/chorus/v2/' }), rejectsWith('internal'));
      await kv.put(`${DEFAULT_ROOT}tls-test`, 'inside');
      assert.equal((await kv.get(`${DEFAULT_ROOT}tls-test`))?.value, 'inside');
    } finally {
      await kv.close();
    }
  });

  it('refuses clients without a certificate from the cluster CA, and plain http', async () => {
    const stranger = await ensureCertificates(join(dir, 'stranger'));
    await assert.rejects(
      EtcdKV.connect({
        endpoints: etcd.endpoints,
        timeoutMs: 1000,
        tls: { ...(await identity(stranger.chorus)), ca: await readFile(certificates.ca) },
        revisionProbeKey: DEFAULT_ROOT,
      }),
      rejectsWith('unavailable'),
    );
    await assert.rejects(requestJson(`${etcd.endpoints[0]!.replace('https:', 'http:')}/health`, { timeoutMs: 1000 }));
  });
});
