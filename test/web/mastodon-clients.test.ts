import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createOAuthAPIClient, createRestAPIClient } from 'masto';
import generator, { detector } from 'megalodon';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

/**
 * The real client libraries against a listening Chorus: what masto.js and
 * megalodon do when an app starts (discovery, app registration, tokens,
 * the start-up calls) must work as they expect, not only as our own
 * tests read the docs. Mastodon's docs and a client disagree → the client
 * wins, and this file is where that shows.
 */
describe('Mastodon client libraries: discovery, apps and tokens', () => {
  let kv: EmbeddedKV;
  let readModel: ReadModel;
  let web: FastifyInstance;
  let url: string;

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    readModel = await ReadModel.start({ kv });
    const auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    web = await buildApp({ auth, social: new SocialService({ kv, readModel }) });
    url = await web.listen({ host: '127.0.0.1', port: 0 });
    // An account to sign in as, made the way the pages make one.
    await auth.signUp('lib_user', 'correct horse battery');
  });
  after(async () => {
    await web.close();
    await readModel.close();
    await kv.close();
  });

  it('masto.js: instance, app, password grant, start-up calls, revoke', async () => {
    const anonymous = createRestAPIClient({ url });
    const instance = await anonymous.v2.instance.fetch();
    assert.match(instance.version, /^4\.2\.0 \(compatible; Chorus /);
    assert.equal(instance.configuration.statuses.maxCharacters, 280);
    const v1 = await anonymous.v1.instance.fetch();
    assert.equal(v1.uri, new URL(url).host);

    const app = await anonymous.v1.apps.create({
      clientName: 'masto test',
      redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read write follow',
    });
    assert.ok(app.clientId && app.clientSecret);

    const oauth = createOAuthAPIClient({ url });
    const token = await oauth.token.create({
      grantType: 'password',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
      username: 'lib_user',
      password: 'correct horse battery',
      scope: 'read write follow',
    });
    assert.equal(token.tokenType, 'Bearer');
    assert.equal(token.scope, 'read write follow');

    const me = createRestAPIClient({ url, accessToken: token.accessToken });
    assert.equal((await me.v1.apps.verifyCredentials()).name, 'masto test');
    assert.equal((await me.v1.preferences.fetch())['posting:default:visibility'], 'public');
    assert.deepEqual(await me.v2.filters.list(), []);
    assert.deepEqual(await me.v1.lists.list(), []);
    assert.deepEqual(await me.v1.markers.fetch({ timeline: ['home'] }), {});
    assert.deepEqual(await anonymous.v1.customEmojis.list(), []);

    const appToken = await oauth.token.create({
      grantType: 'client_credentials',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
      scope: 'read',
    });
    const asApp = createRestAPIClient({ url, accessToken: appToken.accessToken });
    assert.equal((await asApp.v1.apps.verifyCredentials()).name, 'masto test');
    await assert.rejects(asApp.v1.preferences.fetch(), (error: { statusCode?: number }) => error.statusCode === 401);

    await oauth.revoke({ clientId: app.clientId, clientSecret: app.clientSecret, token: token.accessToken });
    await assert.rejects(me.v1.preferences.fetch(), (error: { statusCode?: number }) => error.statusCode === 401);
  });

  it('megalodon: detects a Mastodon server, registers an app, reads the instance', async () => {
    assert.equal(await detector(url), 'mastodon');
    const client = generator('mastodon', url);
    const app = await client.registerApp('megalodon test', {
      scopes: ['read', 'write', 'follow'],
      redirect_uris: 'urn:ietf:wg:oauth:2.0:oob',
    });
    assert.ok(app.client_id && app.client_secret);
    assert.ok(app.url?.startsWith(`${url}/oauth/authorize?`), app.url ?? 'no authorize URL');
    const instance = await client.getInstance();
    assert.match(instance.data.version, /compatible; Chorus/);
    const token = await client.fetchAccessToken(app.client_id, app.client_secret, 'not-a-code', 'urn:ietf:wg:oauth:2.0:oob').then(
      () => 'accepted',
      (error: { response?: { status?: number; data?: { error?: string } } }) => error.response?.data?.error,
    );
    assert.equal(token, 'invalid_grant', 'a made-up code is refused in OAuth terms');
  });
});
