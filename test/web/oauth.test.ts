import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api, Browser, type Harness, openHarness, signedUpBrowser } from './web-harness.js';

const CALLBACK = 'com.example.app:/cb';
const VERIFIER = 'v'.repeat(50);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

describe('OAuth 2 over HTTP', () => {
  let h: Harness;
  let app: { client_id: string; client_secret: string };
  before(async () => {
    h = await openHarness();
    await signedUpBrowser(h.app, 'alice');
    const reply = await api(h.app, 'POST', '/api/v1/apps', {
      json: { client_name: 'Tusky', redirect_uris: [CALLBACK, 'urn:ietf:wg:oauth:2.0:oob'], scopes: 'read write' },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.name, 'Tusky');
    assert.deepEqual(reply.body.redirect_uris, [CALLBACK, 'urn:ietf:wg:oauth:2.0:oob']);
    assert.equal(reply.body.vapid_key, '');
    app = reply.body;
  });
  after(() => h.close());

  const token = (form: Record<string, string>) =>
    api(h.app, 'POST', '/oauth/token', {
      payload: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, ...form }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

  it('registers an app from a form body with one URI per line', async () => {
    const reply = await api(h.app, 'POST', '/api/v1/apps', {
      payload: new URLSearchParams({ client_name: 'Bot', redirect_uris: `${CALLBACK}\nhttps://bot.example/cb` }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body.scopes, ['read']);
    assert.equal(reply.body.redirect_uris.length, 2);
  });

  it('grants a token for a password, as multipart, and verifies app credentials', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      grant_type: 'password',
      username: 'alice',
      password: 'correct horse',
      scope: 'read',
      client_id: app.client_id,
      client_secret: app.client_secret,
    })) {
      form.append(k, v);
    }
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const payload = Buffer.from(await request.arrayBuffer());
    const reply = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload,
      headers: { 'content-type': request.headers.get('content-type')! },
    });
    assert.equal(reply.statusCode, 200, reply.body);
    const body = reply.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, 'read');
    assert.ok(Number.isInteger(body.created_at));
    const verified = await api(h.app, 'GET', '/api/v1/apps/verify_credentials', { token: body.access_token });
    assert.equal(verified.body.name, 'Tusky');
    assert.equal(verified.body.client_secret, undefined);
  });

  it('gives client-credentials tokens that are refused on user endpoints', async () => {
    const reply = await token({ grant_type: 'client_credentials' });
    assert.equal(reply.status, 200, reply.text);
    assert.equal((await api(h.app, 'GET', '/api/v1/apps/verify_credentials', { token: reply.body.access_token })).status, 200);
    assert.equal((await api(h.app, 'GET', '/api/v1/chorus/sessions', { token: reply.body.access_token })).status, 401);
    const revoked = await token({ token: reply.body.access_token }).then(() =>
      api(h.app, 'POST', '/oauth/revoke', {
        json: { client_id: app.client_id, client_secret: app.client_secret, token: reply.body.access_token },
      }),
    );
    assert.deepEqual(revoked.body, {});
    assert.equal((await api(h.app, 'GET', '/api/v1/apps/verify_credentials', { token: reply.body.access_token })).status, 401);
  });

  it('runs the authorization-code flow with PKCE through the pages, listing the app in Settings', async () => {
    const browser = new Browser(h.app);
    const url = `/oauth/authorize?response_type=code&client_id=${app.client_id}&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=read+write&state=xyz&code_challenge=${CHALLENGE}&code_challenge_method=S256`;
    const login = await browser.get(url);
    assert.equal(login.status, 200);
    assert.match(login.body, /Username/);
    assert.match(login.body, />Log in</);
    const page = await browser.post(url, { step: 'login', username: 'alice', password: 'correct horse' });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /Tusky/);
    assert.match(page.body, />Authorize</);
    assert.match(page.body, />Deny</);
    // Browsers hold the form's redirect to form-action: the app's own scheme must be allowed on this page, and only here.
    assert.match(String(page.headers['content-security-policy']), /form-action 'self' com\.example\.app:;/);
    assert.match(String((await browser.get('/settings')).headers['content-security-policy']), /form-action 'self';/);
    const granted = await browser.post(url, { decision: 'authorize' });
    assert.equal(granted.status, 302);
    const location = new URL(granted.location!);
    assert.equal(location.searchParams.get('state'), 'xyz');
    const code = location.searchParams.get('code')!;
    const wrongVerifier = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: 'w'.repeat(50) });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');
    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.equal(exchanged.body.scope, 'read write');
    const reused = await token({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: VERIFIER });
    assert.equal(reused.body.error, 'invalid_grant');
    const settings = await browser.get('/settings');
    assert.match(settings.body, /<strong><bdi>Tusky<\/bdi><\/strong>/);
  });

  it('denies, and shows an out-of-band code on the page', async () => {
    const browser = await signedUpBrowser(h.app, 'bob');
    const base = `/oauth/authorize?response_type=code&client_id=${app.client_id}&scope=read&state=s1`;
    const denyUrl = `${base}&redirect_uri=${encodeURIComponent(CALLBACK)}`;
    await browser.get(denyUrl);
    const denied = await browser.post(denyUrl, { decision: 'deny' });
    assert.equal(denied.status, 302);
    assert.match(denied.location!, /^com\.example\.app:\/cb\?error=access_denied.*state=s1/);
    const oobUrl = `${base}&redirect_uri=urn:ietf:wg:oauth:2.0:oob`;
    await browser.get(oobUrl);
    const shown = await browser.post(oobUrl, { decision: 'authorize' });
    assert.equal(shown.status, 200);
    const code = /class="oauth-code">([^<]+)</.exec(shown.body)![1]!;
    const exchanged = await token({ grant_type: 'authorization_code', code, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' });
    assert.equal(exchanged.status, 200, exchanged.text);
  });

  it('refuses bad input with OAuth errors', async () => {
    const unknownScope = await api(h.app, 'POST', '/api/v1/apps', {
      json: { client_name: 'X', redirect_uris: CALLBACK, scopes: 'read admin:everything' },
    });
    // Mastodon's shape and status for a validation error: 422 {"error": "…"}.
    assert.equal(unknownScope.status, 422);
    assert.match(unknownScope.body.error, /Unknown scope "admin:everything"/);
    const wrongSecret = await token({ grant_type: 'client_credentials', client_secret: 'x'.repeat(43) });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const viaBasic = await api(h.app, 'POST', '/oauth/token', {
      json: { grant_type: 'client_credentials' },
      headers: { authorization: basic(app.client_id, app.client_secret) },
    });
    assert.equal(viaBasic.status, 200, 'client_secret_basic, as the metadata says');
    assert.equal(typeof viaBasic.body.access_token, 'string');
    const wrongBasic = await api(h.app, 'POST', '/oauth/token', {
      json: { grant_type: 'client_credentials' },
      headers: { authorization: basic(app.client_id, 'x'.repeat(43)) },
    });
    assert.equal(wrongBasic.status, 401);
    assert.equal(wrongBasic.body.error, 'invalid_client');
    const badGrant = await token({ grant_type: 'implicit' });
    assert.equal(badGrant.body.error, 'unsupported_grant_type');
    const browser = await signedUpBrowser(h.app, 'carol');
    const wrongRedirect = await browser.get(
      `/oauth/authorize?response_type=code&client_id=${app.client_id}&redirect_uri=https://evil.example/`,
    );
    assert.equal(wrongRedirect.status, 400);
    assert.equal(wrongRedirect.location, undefined);
  });

  it('publishes the discovery document with absolute URLs', async () => {
    const reply = await api(h.app, 'GET', '/.well-known/oauth-authorization-server', { headers: { host: 'chorus.example' } });
    assert.equal(reply.body.token_endpoint, 'http://chorus.example/oauth/token');
    assert.deepEqual(reply.body.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(reply.body.response_types_supported, ['code']);
  });
});
