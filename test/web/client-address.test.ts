import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

/**
 * Per-address attempt limits count the client's address, which behind a
 * proxy arrives in X-Forwarded-For: believed only from a configured
 * trusted proxy, or anyone could pick a fresh address per attempt.
 */
describe('the client address behind a proxy', () => {
  async function app(trustProxy: string | false) {
    const kv = await EmbeddedKV.open({ path: ':memory:' });
    const auth = new AuthService({ kv, passwordHashing: FAST_HASHING, limits: { signUpPerIp: { max: 1, windowSeconds: 1800 } } });
    const web = await buildApp({ auth, social: new SocialService({ kv }), trustProxy });
    // Registration through an app, as a Mastodon client signs people up (its app token needs no address).
    const registered = await web.inject({
      method: 'POST',
      url: '/api/v1/apps',
      payload: { client_name: 'proxy test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow' },
    });
    const { client_id, client_secret } = registered.json();
    const appToken = (
      await web.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: { grant_type: 'client_credentials', client_id, client_secret, scope: 'read write follow' },
      })
    ).json().access_token;
    const signUp = (username: string, forwardedFor: string) =>
      web.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        // inject's requests come from 127.0.0.1.
        headers: { 'x-forwarded-for': forwardedFor, authorization: `Bearer ${appToken}` },
        payload: { username, password: 'correct horse battery', agreement: true },
      });
    const close = async () => {
      await web.close();
      await kv.close();
    };
    return { signUp, close };
  }

  it('ignores X-Forwarded-For unless the request comes from a trusted proxy', async () => {
    const direct = await app(false);
    try {
      assert.equal((await direct.signUp('first', '203.0.113.1')).statusCode, 200);
      const second = await direct.signUp('second', '203.0.113.2');
      assert.equal(second.statusCode, 429, 'a forged header must not buy a fresh address');
      assert.ok(Number(second.headers['retry-after']) > 0);
    } finally {
      await direct.close();
    }
  });

  it('counts the forwarded address when the proxy is trusted', async () => {
    const proxied = await app('127.0.0.1');
    try {
      assert.equal((await proxied.signUp('first', '203.0.113.1')).statusCode, 200);
      assert.equal((await proxied.signUp('second', '203.0.113.2')).statusCode, 200, 'another client behind the proxy');
      assert.equal((await proxied.signUp('third', '203.0.113.1')).statusCode, 429, 'the same client again');
    } finally {
      await proxied.close();
    }
  });
});
