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
const OOB = 'urn:ietf:wg:oauth:2.0:oob';

describe('Mastodon client libraries: discovery, apps and tokens', () => {
  let kv: EmbeddedKV;
  let readModel: ReadModel;
  let web: FastifyInstance;
  let url: string;
  let auth: AuthService;

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    readModel = await ReadModel.start({ kv });
    auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
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

  it('megalodon: credentials, lookup, follow and relationships, post, read and delete statuses, the home timeline', async () => {
    await auth.signUp('meg_writer', 'correct horse battery');
    await auth.signUp('meg_reader', 'correct horse battery');
    const oauth = createOAuthAPIClient({ url });
    const app = await createRestAPIClient({ url }).v1.apps.create({
      clientName: 'megalodon everyday',
      redirectUris: OOB,
      scopes: 'read write follow',
    });
    const tokenOf = async (username: string) =>
      (
        await oauth.token.create({
          grantType: 'password',
          clientId: app.clientId!,
          clientSecret: app.clientSecret!,
          redirectUri: OOB,
          username,
          password: 'correct horse battery',
          scope: 'read write follow',
        })
      ).accessToken;
    const writer = generator('mastodon', url, await tokenOf('meg_writer'));
    const reader = generator('mastodon', url, await tokenOf('meg_reader'));

    const me = (await writer.verifyAccountCredentials()).data;
    assert.equal(me.username, 'meg_writer');
    const found = (await reader.lookupAccount('meg_writer')).data;
    assert.equal(found.id, me.id);

    const followed = (await reader.followAccount(me.id)).data;
    assert.equal(followed.following, true);
    const [relationship] = (await reader.getRelationships([me.id])).data;
    assert.deepEqual([relationship?.id, relationship?.following, relationship?.followed_by], [me.id, true, false]);

    const first = (await writer.postStatus('first from megalodon', {})).data;
    const second = (await writer.postStatus('second from megalodon', { visibility: 'public' })).data;
    assert.ok('content' in first && 'content' in second);
    assert.equal((await reader.getStatus(first.id)).data.content, '<p>first from megalodon</p>');
    const own = (await reader.getAccountStatuses(me.id, { limit: 10 })).data;
    assert.deepEqual(
      own.map((status) => status.id),
      [second.id, first.id],
    );
    const home = (await reader.getHomeTimeline({ limit: 10 })).data;
    assert.deepEqual(
      home.map((status) => status.id),
      [second.id, first.id],
    );

    // megalodon types the answer as {}; Mastodon (and Chorus) answer the deleted status.
    const deleted = (await writer.deleteStatus(first.id)).data as { id?: string };
    assert.equal(deleted.id, first.id);
    await assert.rejects(reader.getStatus(first.id), (error: { response?: { status?: number } }) => error.response?.status === 404);
    assert.deepEqual(
      (await reader.getHomeTimeline({ limit: 10 })).data.map((status) => status.id),
      [second.id],
    );

    assert.equal((await reader.unfollowAccount(me.id)).data.following, false);
    assert.deepEqual((await reader.getHomeTimeline({ limit: 10 })).data, []);
  });
});
