/**
 * The Mastodon API's plumbing and discovery: NodeInfo as megalodon's
 * detector reads it, the Instance entity v1 and v2, the start-up calls
 * that must not 404, CORS for the API and none for the pages, bodies in
 * every encoding Mastodon clients send (with Rails-style names), and
 * Mastodon's error shape, all over the real services on an in-memory store.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Auth } from '../../src/domain/auth.js';
import { DomainError, type ErrorCode, errorCodes } from '../../src/domain/errors.js';
import { buildApp } from '../../src/web/app.js';
import { toMastodonHttpError } from '../../src/web/errors.js';
import { type ApiReply, api, Browser, type Harness, openHarness, signUp } from './web-harness.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const perUserLists = [
  '/api/v1/filters',
  '/api/v2/filters',
  '/api/v1/lists',
  '/api/v1/follow_requests',
  '/api/v1/bookmarks',
  '/api/v1/favourites',
  '/api/v1/blocks',
  '/api/v1/mutes',
  '/api/v1/conversations',
];
const perUserObjects = ['/api/v1/preferences', '/api/v1/markers'];
const publicLists = [
  '/api/v1/custom_emojis',
  '/api/v1/announcements',
  '/api/v1/trends',
  '/api/v1/trends/tags',
  '/api/v1/trends/statuses',
  '/api/v1/trends/links',
  '/api/v1/instance/rules',
];

function assertMastodonError(reply: ApiReply, status: number, message?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  // Our failures (5xx) also name the request, as its X-Request-Id header does.
  assert.deepEqual(Object.keys(reply.body), status >= 500 ? ['error', 'request_id'] : ['error'], reply.text);
  if (status >= 500) assert.equal(reply.body.request_id, reply.headers['x-request-id']);
  assert.equal(typeof reply.body.error, 'string');
  assert.ok(reply.body.error.length > 0);
  if (message) assert.match(reply.body.error, message);
}

function multipart(fields: Array<[string, string] | [string, string, string]>): { payload: string; headers: Record<string, string> } {
  const boundary = '----chorus-test-boundary';
  const parts = fields.map(([name, value, filename]) =>
    filename === undefined
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${value}\r\n`,
  );
  return { payload: `${parts.join('')}--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('Mastodon discovery and start-up calls', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await openHarness();
    token = await signUp(h.app, 'amy');
  });
  after(() => h.close());

  it('NodeInfo: the well-known document links the 2.0 document by absolute URL, which megalodon accepts as Mastodon', async () => {
    const wellKnown = await api(h.app, 'GET', '/.well-known/nodeinfo');
    assert.equal(wellKnown.status, 200);
    const link = wellKnown.body.links.find((l: { rel: string }) => l.rel === 'http://nodeinfo.diaspora.software/ns/schema/2.0');
    assert.equal(link.href, 'http://localhost:80/nodeinfo/2.0');
    const info = await api(h.app, 'GET', new URL(link.href).pathname);
    assert.equal(info.status, 200);
    assert.match(String(info.headers['content-type']), /application\/json/);
    assert.equal(info.body.version, '2.0');
    assert.deepEqual(info.body.software, { name: 'chorus', version: packageVersion });
    assert.deepEqual(info.body.protocols, []);
    assert.deepEqual(info.body.services, { inbound: [], outbound: [] });
    assert.equal(info.body.openRegistrations, true);
    assert.equal(typeof info.body.usage.users, 'object');
    assert.equal(info.body.metadata.upstream.name, 'mastodon');
  });

  it('GET /api/v1/instance has the fields v1 clients read, with the compatible version string', async () => {
    const reply = await api(h.app, 'GET', '/api/v1/instance');
    assert.equal(reply.status, 200);
    const i = reply.body;
    assert.equal(i.uri, 'localhost:80');
    assert.equal(i.title, 'Chorus');
    assert.equal(typeof i.short_description, 'string');
    assert.equal(typeof i.description, 'string');
    assert.equal(typeof i.email, 'string');
    assert.equal(i.version, `4.2.0 (compatible; Chorus ${packageVersion})`);
    assert.equal(i.urls.streaming_api, 'ws://localhost:80');
    assert.deepEqual(Object.keys(i.stats).sort(), ['domain_count', 'status_count', 'user_count']);
    assert.deepEqual(i.languages, ['en']);
    assert.equal(i.registrations, true);
    assert.equal(i.approval_required, false);
    assert.equal(i.configuration.statuses.max_characters, 280);
    assert.equal(i.configuration.statuses.max_media_attachments, 0);
    assert.equal(typeof i.configuration.accounts.max_featured_tags, 'number');
    assert.equal(typeof i.configuration.polls.max_options, 'number');
    assert.ok(Array.isArray(i.configuration.media_attachments.supported_mime_types));
    assert.deepEqual(i.rules, []);
    assert.equal(i.contact_account, null);
    const thumbnail = await h.app.inject({ method: 'GET', url: new URL(i.thumbnail).pathname });
    assert.equal(thumbnail.statusCode, 200, 'the thumbnail URL works');
    assert.match(String(thumbnail.headers['content-type']), /image\/svg/);
  });

  it('GET /api/v2/instance has the fields v2 clients read', async () => {
    const reply = await api(h.app, 'GET', '/api/v2/instance');
    assert.equal(reply.status, 200);
    const i = reply.body;
    assert.equal(i.domain, 'localhost:80');
    assert.equal(i.title, 'Chorus');
    assert.equal(i.version, `4.2.0 (compatible; Chorus ${packageVersion})`);
    assert.equal(typeof i.description, 'string');
    assert.equal(i.configuration.urls.streaming, 'ws://localhost:80');
    assert.equal(i.configuration.statuses.max_characters, 280);
    assert.equal(i.configuration.statuses.max_media_attachments, 0);
    assert.equal(typeof i.configuration.media_attachments.image_size_limit, 'number');
    assert.equal(typeof i.configuration.polls.max_expiration, 'number');
    assert.deepEqual(i.registrations, { enabled: true, approval_required: false, message: null, url: null });
    assert.deepEqual(i.contact, { email: '', account: null });
    assert.deepEqual(i.rules, []);
    assert.deepEqual(i.languages, ['en']);
    assert.match(i.thumbnail.url, /^http:\/\/localhost:80\//);
    assert.equal(typeof i.usage.users.active_month, 'number');
  });

  it('absolute URLs follow the trusted proxy, and only a trusted one', async () => {
    const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'chorus.example' };
    const trusting = await openHarness({ trustProxy: true });
    try {
      const v2 = await api(trusting.app, 'GET', '/api/v2/instance', { headers: proxied });
      assert.equal(v2.body.domain, 'chorus.example');
      assert.equal(v2.body.configuration.urls.streaming, 'wss://chorus.example');
      const v1 = await api(trusting.app, 'GET', '/api/v1/instance', { headers: proxied });
      assert.equal(v1.body.urls.streaming_api, 'wss://chorus.example');
      const wellKnown = await api(trusting.app, 'GET', '/.well-known/nodeinfo', { headers: proxied });
      assert.equal(wellKnown.body.links[0].href, 'https://chorus.example/nodeinfo/2.0');
    } finally {
      await trusting.close();
    }
    const untrusted = await api(h.app, 'GET', '/api/v2/instance', { headers: proxied });
    assert.equal(untrusted.body.configuration.urls.streaming, 'ws://localhost:80');
  });

  it('a Host header that is no host name is refused, not echoed into URLs', async () => {
    const reply = await api(h.app, 'GET', '/api/v2/instance', { headers: { host: 'evil host/<x>' } });
    assertMastodonError(reply, 422, /Host/);
  });

  it('every start-up call answers with an empty list or object, never 404', async () => {
    for (const path of [...perUserLists, ...publicLists]) {
      const reply = await api(h.app, 'GET', path, { token });
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      assert.deepEqual(reply.body, [], path);
    }
    for (const path of publicLists) {
      const reply = await api(h.app, 'GET', path);
      assert.equal(reply.status, 200, `${path} needs no token`);
    }
    const preferences = await api(h.app, 'GET', '/api/v1/preferences', { token });
    assert.equal(preferences.status, 200);
    assert.equal(preferences.body['posting:default:visibility'], 'public');
    assert.equal(preferences.body['reading:expand:spoilers'], false);
    const markers = await api(h.app, 'GET', '/api/v1/markers?timeline[]=home&timeline[]=notifications', { token });
    assert.equal(markers.status, 200);
    assert.deepEqual(markers.body, {});
    const saved = await api(h.app, 'POST', '/api/v1/markers', { token, json: { home: { last_read_id: '103' } } });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.body, {});
    const health = await api(h.app, 'GET', '/api/v1/streaming/health');
    assert.equal(health.status, 200);
    assert.equal(health.text, 'OK');
    assert.match(String(health.headers['content-type']), /text\/plain/);
  });

  it('the per-user calls answer 401 in Mastodon’s shape without a valid token', async () => {
    for (const path of [...perUserLists, ...perUserObjects]) {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer not-a-real-token' },
        { authorization: 'Basic Zm9vOmJhcg==' },
      ];
      for (const headers of attempts) {
        const reply = await api(h.app, 'GET', path, { headers });
        assertMastodonError(reply, 401);
        assert.equal(reply.headers['www-authenticate'], 'Bearer');
      }
    }
    assertMastodonError(await api(h.app, 'POST', '/api/v1/markers', { json: { home: { last_read_id: '1' } } }), 401);
  });
});

/** A well-formed notification id (they map like status ids) that no notification has. */
const NOTIFICATION_ID = '100000000000000000000000007';

describe('Mastodon bodies and parameters', () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await openHarness();
    token = await signUp(h.app, 'amy');
  });
  after(() => h.close());

  it('Rails-style arrays in the query string are arrays', async () => {
    const ok = await api(h.app, 'GET', '/api/v1/markers?timeline%5B%5D=home&timeline[]=notifications', { token });
    assert.equal(ok.status, 200, ok.text);
    const one = await api(h.app, 'GET', '/api/v1/markers?timeline=home', { token });
    assert.equal(one.status, 200, one.text);
    // Had the brackets been kept in the name, "timeline" would be absent and this would pass.
    assertMastodonError(await api(h.app, 'GET', '/api/v1/markers?timeline[]=home&timeline[]=bogus', { token }), 422, /timeline/);
  });

  it('urlencoded form bodies with nested Rails names are read', async () => {
    const form = (payload: string) =>
      api(h.app, 'POST', '/api/v1/markers', { token, payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const ok = await form(`home%5Blast_read_id%5D=103&notifications[last_read_id]=${NOTIFICATION_ID}`);
    assert.equal(ok.status, 200, ok.text);
    assertMastodonError(await form('bogus[last_read_id]=1'), 422, /Unknown timeline "bogus"/);
    assertMastodonError(await form('home[last_read_id][]=1'), 422, /home\[last_read_id\]/);
    // Prototype keys are dropped, never assigned.
    assert.equal((await form('__proto__[last_read_id]=1')).status, 200);
  });

  it('multipart/form-data bodies are read, files are dropped, and the body limit holds', async () => {
    const send = (fields: Array<[string, string] | [string, string, string]>) =>
      api(h.app, 'POST', '/api/v1/markers', { token, ...multipart(fields) });
    const ok = await send([
      ['home[last_read_id]', '103'],
      ['avatar', 'not really a picture', 'a.png'],
      ['notifications[last_read_id]', NOTIFICATION_ID],
    ]);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.notifications.last_read_id, NOTIFICATION_ID);
    assertMastodonError(await send([['bogus[last_read_id]', '1']]), 422, /Unknown timeline "bogus"/);
    const big = await send([
      ['home[last_read_id]', 'x'.repeat(10 * 1024)],
      ['notifications[last_read_id]', 'y'.repeat(10 * 1024)],
    ]);
    assertMastodonError(big, 413, /too large/);
    const malformed = await api(h.app, 'POST', '/api/v1/markers', {
      token,
      payload: '--x\r\nContent-Disposition: form-data; name="home[last_read_id]"\r\n\r\n1',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    assert.ok(malformed.status >= 400 && malformed.status < 500, malformed.text);
    assert.equal(typeof malformed.body.error, 'string');
  });

  it('the page forms read bodies as before; the custom API that refused forms is gone', async () => {
    const form = await api(h.app, 'POST', '/api/v1/sessions', {
      payload: 'username=amy&password=correct+horse',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertMastodonError(form, 404);
    const browser = new Browser(h.app);
    await browser.get('/login');
    const login = await browser.post('/login', { username: 'amy', password: 'correct horse' });
    assert.equal(login.status, 303, 'a page form still posts');
    const bracketed = await browser.post('/login', { 'username[]': 'amy', password: 'correct horse' });
    assert.notEqual(bracketed.status, 303, 'page forms do not read Rails names');
    assert.equal((await browser.get('/')).status, 200);
    const multipartLogin = await h.app.inject({ method: 'POST', url: '/login', ...multipart([['username', 'amy']]) });
    assert.equal(multipartLogin.statusCode, 400, 'pages do not take multipart');
  });
});

describe('CORS', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(() => h.close());
  const origin = 'https://elk.zone';

  it('API and discovery answers allow any origin and expose Link and the rate-limit headers', async () => {
    for (const path of ['/api/v1/instance', '/api/v2/instance', '/.well-known/nodeinfo', '/nodeinfo/2.0', '/api/v1/custom_emojis']) {
      const reply = await api(h.app, 'GET', path, { headers: { origin } });
      assert.equal(reply.status, 200, path);
      assert.equal(reply.headers['access-control-allow-origin'], '*', path);
      assert.equal(reply.headers['access-control-allow-credentials'], undefined, path);
      const exposed = String(reply.headers['access-control-expose-headers']).toLowerCase();
      for (const header of ['link', 'retry-after', 'x-ratelimit-remaining'])
        assert.ok(exposed.includes(header), `${path} exposes ${header}`);
    }
    const unauthorized = await api(h.app, 'GET', '/api/v1/preferences', { headers: { origin } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers['access-control-allow-origin'], '*', 'errors are readable cross-origin too');
  });

  it('preflights are answered before any route or authentication', async () => {
    for (const path of ['/api/v1/preferences', '/api/v1/statuses', '/oauth/token', '/oauth/revoke', '/api/v1/markers']) {
      const reply = await h.app.inject({
        method: 'OPTIONS',
        url: path,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(reply.statusCode, 204, `${path}: ${reply.body}`);
      assert.equal(reply.headers['access-control-allow-origin'], '*');
      assert.match(String(reply.headers['access-control-allow-methods']), /POST/);
      const allowed = String(reply.headers['access-control-allow-headers']).toLowerCase();
      assert.ok(allowed.includes('authorization') && allowed.includes('content-type'), allowed);
    }
  });

  it('the pages stay same-origin: no CORS headers and no preflight', async () => {
    for (const path of ['/', '/login', '/signup', '/oauth/authorize']) {
      const reply = await h.app.inject({ method: 'GET', url: path, headers: { origin } });
      assert.equal(reply.headers['access-control-allow-origin'], undefined, path);
      const preflight = await h.app.inject({
        method: 'OPTIONS',
        url: path,
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers['access-control-allow-origin'], undefined, path);
      assert.equal(preflight.headers['access-control-allow-methods'], undefined, path);
      assert.ok(preflight.statusCode >= 400 && preflight.statusCode < 500, `${path}: ${preflight.statusCode}`);
    }
  });
});

describe('Mastodon error shape', () => {
  it('maps every error code to Mastodon’s status: validation and conflicts are 422', () => {
    const expected: Record<ErrorCode, number> = {
      invalid: 422,
      unauthenticated: 401,
      forbidden: 403,
      not_found: 404,
      conflict: 422,
      rate_limited: 429,
      unavailable: 503,
      insufficient_storage: 507,
      internal: 500,
    };
    for (const code of errorCodes) assert.equal(toMastodonHttpError(new DomainError(code, 'shown')).status, expected[code], code);
    assert.equal(toMastodonHttpError(new SyntaxError('Unexpected end of JSON')).status, 400, 'an unreadable body stays 400');
  });

  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(() => h.close());

  it('unknown paths under /api and the Mastodon-only paths answer 404 as {"error"}', async () => {
    assertMastodonError(await api(h.app, 'GET', '/api/v2/nothing-here'), 404);
    assertMastodonError(await api(h.app, 'GET', '/nodeinfo/9.9'), 404);
    assertMastodonError(await api(h.app, 'DELETE', '/api/v2/instance'), 404);
    assertMastodonError(await api(h.app, 'GET', '/oauth/token'), 404);
    // The authorize page exists, and its errors (here: no response_type) are pages too.
    const page = await api(h.app, 'GET', '/oauth/authorize');
    assert.equal(page.status, 400);
    assert.match(String(page.headers['content-type']), /text\/html/, 'the authorize page renders its errors as a page');
    // The custom API is gone: its paths are unknown /api paths, in Mastodon's shape too.
    assertMastodonError(await api(h.app, 'GET', '/api/v1/feed'), 404);
    assertMastodonError(await api(h.app, 'PUT', '/api/v1/following/amy'), 404);
    assertMastodonError(await api(h.app, 'GET', '/api/v1/nothing-here'), 404);
    assertMastodonError(await api(h.app, 'GET', '/api'), 404);
  });

  it('bad JSON is a 400 and a wrong content type says what is accepted', async () => {
    const token = await signUp(h.app, 'bob');
    const bad = await api(h.app, 'POST', '/api/v1/markers', {
      token,
      payload: '{"home":',
      headers: { 'content-type': 'application/json' },
    });
    assertMastodonError(bad, 400, /JSON/);
    const text = await api(h.app, 'POST', '/api/v1/markers', { token, payload: 'home', headers: { 'content-type': 'text/plain' } });
    assertMastodonError(text, 400, /multipart/);
  });

  it('each failure of the services keeps its status: 403, 404, 429 with Retry-After, 503', async () => {
    const failing = (error: DomainError): Auth => {
      const auth = Object.create(h.auth) as Auth;
      auth.authenticate = async () => {
        throw error;
      };
      auth.inspectToken = async () => {
        throw error;
      };
      return auth;
    };
    const cases: Array<[DomainError, number]> = [
      [new DomainError('forbidden', 'Not yours.'), 403],
      [new DomainError('not_found', 'No such account.'), 404],
      [new DomainError('rate_limited', 'Slow down.', { rateLimit: { limit: 5, windowSeconds: 60, retryAfterSeconds: 42 } }), 429],
      [new DomainError('unavailable', 'Try again soon.'), 503],
      [new DomainError('internal', 'secret internals', { cause: new Error('disk on fire') }), 500],
    ];
    for (const [error, status] of cases) {
      const app = await buildApp({ auth: failing(error), social: h.social });
      try {
        const reply = await api(app, 'GET', '/api/v1/preferences', { token: 'some-token' });
        assertMastodonError(reply, status);
        if (status === 429) assert.equal(reply.headers['retry-after'], '42');
        if (status === 500) assert.doesNotMatch(reply.body.error, /secret|disk/);
      } finally {
        await app.close();
      }
    }
  });
});
