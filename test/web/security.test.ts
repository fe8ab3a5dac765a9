import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, Browser, type Harness, logIn, openHarness, signedUpBrowser, signUp } from './web-harness.js';

const CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function directives(policy: unknown): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of String(policy).split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values.join(' '));
  }
  return map;
}

const signedUp = (h: Harness, username: string) => signedUpBrowser(h.app, username, { 'user-agent': CHROME_ON_LINUX });

describe('web security: CSP, same-origin form posts, static files, sessions page', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('pages carry a strict nonce-based CSP, with a fresh nonce per response that only our script tag has', async () => {
    const nonces = new Set<string>();
    for (const url of ['/', '/signup', '/login', '/people', '/no/such/page']) {
      const reply = await new Browser(h.app).get(url);
      const policy = directives(reply.headers['content-security-policy']);
      assert.doesNotMatch(String(reply.headers['content-security-policy']), /unsafe-inline|unsafe-eval|\*/, url);
      const nonce = /^'nonce-([A-Za-z0-9+/=]{24})' 'strict-dynamic'$/.exec(policy.get('script-src') ?? '')?.[1];
      assert.ok(nonce, `${url}: script-src is a nonce`);
      nonces.add(nonce);
      assert.equal(policy.get('default-src'), "'none'");
      assert.equal(policy.get('style-src'), "'self'");
      assert.equal(policy.get('frame-ancestors'), "'none'");
      assert.equal(policy.get('base-uri'), "'none'");
      assert.equal(policy.get('object-src'), "'none'");
      assert.equal(policy.get('form-action'), "'self'");
      assert.deepEqual(reply.body.match(/nonce="[^"]*"/g), [`nonce="${nonce}"`], `${url}: only the script tag has it`);
      assert.doesNotMatch(reply.body, /<script(?![^>]*src="\/static\/app.js")/, `${url}: no other script`);
      assert.doesNotMatch(reply.body, /\sstyle=|\son[a-z]+=|javascript:/i, `${url}: no inline style or handlers`);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      assert.equal(reply.headers['referrer-policy'], 'same-origin');
    }
    assert.equal(nonces.size, 5, 'a nonce is never reused');
    const json = await api(h.app, 'GET', '/api/v1/instance');
    assert.equal(directives(json.headers['content-security-policy']).get('script-src'), "'none'");
  });

  it('serves the page script and stylesheet as static files, cacheable, with a script type', async () => {
    const script = await api(h.app, 'GET', '/static/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    assert.match(String(script.headers['cache-control']), /max-age=3600/);
    assert.match(script.text, /dataset\.enhance/);
    assert.equal((await api(h.app, 'GET', '/static/../package.json')).status, 404);
    const folder = await api(h.app, 'GET', '/static/');
    assert.ok(folder.status === 403 || folder.status === 404, 'no directory listing');
    assert.doesNotMatch(folder.text, />app\.js</);
  });

  it('refuses a cross-site form post with 403 and a message, before anything is written', async () => {
    const browser = await signedUp(h, 'victim');
    await browser.get('/');
    const attempts: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-origin', origin: 'https://localhost:80' },
    ];
    for (const headers of attempts) {
      Object.assign(browser.headers, headers);
      const reply = await browser.post('/posts', { text: 'forged' });
      assert.equal(reply.status, 403, JSON.stringify(headers));
      assert.match(reply.body, /sent from another site/);
      for (const name of Object.keys(headers)) delete browser.headers[name];
    }
    assert.equal((await h.social.getProfile('victim')).posts, 0);
    Object.assign(browser.headers, { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' });
    assert.equal((await browser.post('/posts', { text: 'mine' })).status, 303);
    delete browser.headers.origin;
    browser.headers['sec-fetch-site'] = 'none';
    assert.equal((await browser.post('/posts', { text: 'typed by hand' })).status, 303);
    assert.equal((await h.social.getProfile('victim')).posts, 2);

    // The Mastodon API authenticates by bearer token, which no other site can make a browser send: exempt.
    const token = await signUp(h.app, 'api_user');
    const posted = await api(h.app, 'POST', '/api/v1/statuses', {
      token,
      json: { status: 'from a program' },
      headers: { origin: 'http://elsewhere.example', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(posted.status, 200);
  });

  it('behind HTTPS, only the https origin counts as our own', async () => {
    const secure = await openHarness({ secureCookies: true });
    try {
      const browser = new Browser(secure.app);
      await browser.get('/signup');
      browser.headers.origin = 'http://localhost:80';
      assert.equal((await browser.post('/signup', { username: 'plain', password: 'correct horse' })).status, 403);
      browser.headers.origin = 'https://localhost:80';
      assert.equal((await browser.post('/signup', { username: 'tls', password: 'correct horse' })).status, 303);
    } finally {
      await secure.close();
    }
  });

  it('settings lists your sessions by device and revokes one', async () => {
    const browser = await signedUp(h, 'multi');
    const other = await logIn(h.app, 'multi', 'correct horse', { 'user-agent': 'curl/8.5.0' });
    assert.equal(other.status, 200);
    const page = await browser.get('/settings');
    assert.equal(page.status, 200);
    assert.match(page.body, /<strong>Chrome on Linux<\/strong> <span class="badge">This device<\/span>/);
    // A log-in through an app shows the app, and the device it said it was.
    assert.match(page.body, /<strong><bdi>Chorus tests<\/bdi><\/strong> <span class="muted">\(app · curl\)<\/span>/);
    assert.match(
      page.body,
      /<time datetime="[^"]+" title="[^"]+ UTC" data-relative>Jan 15, 2024<\/time>/,
      'relative to now, exact in the title',
    );
    const revoke = [...page.body.matchAll(/action="(\/settings\/sessions\/([0-9a-f]{16})\/revoke)"/g)];
    assert.equal(revoke.length, 1, 'a Revoke button for the other session only');
    const reply = await browser.post(revoke[0]![1]!);
    assert.equal(reply.status, 303);
    assert.equal(reply.location, '/settings?done=revoked');
    assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: other.body.access_token })).status, 401);
    const after = await browser.get(reply.location!);
    assert.match(after.body, /That session has ended/);
    for (const odd of ['constructor', '__proto__', 'toString', '']) {
      const page = await browser.get(`/settings?done=${odd}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.body, /class="notice"/, odd);
    }
    assert.doesNotMatch(after.body, /curl/);
    // Again, or a made-up id: no error page, and no claim that anything ended.
    for (const path of [revoke[0]![1]!, '/settings/sessions/not-an-id/revoke']) {
      const again = await browser.post(path);
      assert.equal(again.status, 303);
      assert.equal(again.location, '/settings?done=not-yours');
    }
    assert.equal((await browser.get('/')).status, 200);
    assert.match((await browser.get('/')).body, /What's happening, @multi\?/, 'this device is still logged in');
    assert.equal((await new Browser(h.app).post(revoke[0]![1]!)).status, 403, 'no CSRF token, no revoke');
  });
});
