import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { EtcdKV } from '../../src/kv/etcd-kv.js';
import { startTestEtcd, type TestEtcd } from '../helpers/etcd.js';

/**
 * EtcdKV's reads go through its own Range codec (src/kv/etcd-range.ts) on
 * the etcd3 client's channel, with the client's auth token. etcd drops
 * every token of a user whose password changes (its token provider's
 * invalidateUser), as it does when a token's TTL runs out; the next read
 * meets "invalid auth token" and must renew the token, as the client's
 * own calls do, rather than fail.
 */
describe('EtcdKV with password authentication', () => {
  const password = 'correct horse battery staple';
  let etcd: TestEtcd;

  before(async () => {
    etcd = await startTestEtcd();
    const admin = new Etcd3({ hosts: etcd.endpoints });
    try {
      await admin.user('root').create(password);
      await admin.user('root').addRole('root');
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
  });

  after(async () => {
    await etcd?.cleanup();
  });

  it('reads with a token, and renews the token when etcd has dropped it', async () => {
    const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, auth: { username: 'root', password }, revisionProbeKey: '/auth-test/' });
    try {
      await kv.put('/auth-test/a', 'one');
      assert.deepEqual(
        (await kv.range({ prefix: '/auth-test/' })).items.map((kv) => kv.value),
        ['one'],
      );
      for (let round = 0; round < 2; round++) {
        const admin = new Etcd3({ hosts: etcd.endpoints, auth: { username: 'root', password } });
        try {
          // The same password: the credentials stay good, the tokens issued so far do not.
          await admin.user('root').setPassword(password);
        } finally {
          admin.close();
        }
        const listed = await kv.range({ prefix: '/auth-test/' });
        assert.deepEqual(
          listed.items.map((kv) => [kv.key, kv.value]),
          [['/auth-test/a', 'one']],
        );
        assert.equal(await kv.count('/auth-test/'), 1);
        assert.equal((await kv.get('/auth-test/a'))?.value, 'one');
      }
    } finally {
      await kv.close();
    }
  });

  it('refuses reads with a wrong password', async () => {
    await assert.rejects(
      EtcdKV.connect({ endpoints: etcd.endpoints, auth: { username: 'root', password: 'wrong' }, revisionProbeKey: '/auth-test/' }),
      (error: Error) => error.name === 'DomainError',
    );
  });
});
