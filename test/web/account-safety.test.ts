/**
 * Issue 14's small holes, through the web tier: new passwords that are
 * blank or common are refused on every path; a username means the same
 * account however it is padded; Settings does not claim to have ended a
 * session it did not; secrets in query strings stay out of the logs.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { REDACTED } from '../../src/web/log-redaction.js';
import { api, Browser, type Harness, logIn, openHarness, register, signedUpBrowser, signUp } from './web-harness.js';

describe('new passwords: not blank, not common', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('the sign-up form refuses eight spaces and a common password, beside the field, and keeps the username', async () => {
    const browser = new Browser(h.app);
    const page = await browser.get('/signup');
    assert.match(page.body, /not a common password/, 'the form says what makes a password acceptable');
    for (const [password, message] of [
      [' '.repeat(8), /only spaces/],
      ['Password1', /most common/],
    ] as const) {
      const reply = await browser.post('/signup', { username: 'pat', password });
      assert.equal(reply.status, 400);
      assert.match(reply.body, message);
      assert.match(reply.body, /value="pat"/);
    }
    assert.equal((await browser.get('/@pat')).status, 404, 'no account was made');
  });

  it('the Mastodon registration answers 422 for a common password', async () => {
    const reply = await register(h.app, { username: 'quin', password: 'iloveyou1', agreement: true });
    assert.equal(reply.status, 422);
    assert.match(reply.body.error, /most common/);
    assert.equal((await logIn(h.app, 'quin', 'iloveyou1')).status, 400, 'no account was made');
  });

  it('a password change to a blank or common password is refused, on the page and in the API', async () => {
    const browser = await signedUpBrowser(h.app, 'rory');
    await browser.get('/settings');
    const page = await browser.post('/settings/password', { currentPassword: 'correct horse', newPassword: 'sunshine' });
    assert.equal(page.status, 400);
    assert.match(page.body, /most common/);
    const token = await signUp(h.app, 'remy');
    const reply = await api(h.app, 'PUT', '/api/v1/chorus/password', {
      token,
      json: { current_password: 'correct horse', new_password: '         ' },
    });
    assert.equal(reply.status, 422);
    assert.match(reply.body.error, /only spaces/);
    assert.equal((await logIn(h.app, 'remy', 'correct horse')).status, 200, 'the old password still works');
  });
});

describe('usernames are normalised the same way on every path', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('signs up through the API with spaces around the name, and logs in with any padding and case on every path', async () => {
    const registered = await register(h.app, { username: '  Sam_Lee ', password: 'correct horse', agreement: true });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const me = await api(h.app, 'GET', '/api/v1/accounts/verify_credentials', { token: registered.body.access_token });
    assert.equal(me.body.username, 'sam_lee');

    const grant = await logIn(h.app, ' SAM_LEE\t', 'correct horse');
    assert.equal(grant.status, 200, 'the OAuth password grant');
    const form = await new Browser(h.app).submit('/login', '/login', { username: ' Sam_Lee ', password: 'correct horse' });
    assert.equal(form.status, 303, 'the log-in form');

    const taken = await register(h.app, { username: 'sam_lee ', password: 'correct horse', agreement: true });
    assert.equal(taken.status, 422, 'the same name, padded, is the same name');
  });
});

describe('Settings tells the truth about ending a session', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h.close();
  });

  it("revoking another user's session id ends nothing and says so", async () => {
    const victimToken = await signUp(h.app, 'vera');
    const [victimSession] = await h.auth.listSessions(victimToken);
    assert.ok(victimSession);
    const mallory = await signedUpBrowser(h.app, 'mallory');
    await mallory.get('/settings');

    const reply = await mallory.post(`/settings/sessions/${victimSession.id}/revoke`);
    assert.equal(reply.status, 303);
    assert.equal(reply.location, '/settings?done=not-yours');
    const page = await mallory.get(reply.location!);
    assert.match(page.body, /None of your sessions has that id, so nothing was ended\./);
    assert.doesNotMatch(page.body, /That session has ended/);

    const malloryToken = await signUp(h.app, 'mallory2');
    const viaApi = await api(h.app, 'DELETE', `/api/v1/chorus/sessions/${victimSession.id}`, { token: malloryToken });
    assert.equal(viaApi.status, 404);
    assert.equal(viaApi.body.error, 'None of your sessions has that id.');

    const still = await api(h.app, 'GET', '/api/v1/accounts/verify_credentials', { token: victimToken });
    assert.equal(still.status, 200, "the victim's session is alive");
  });
});

describe('request logs leave out secrets sent in query strings', () => {
  it('redacts csrf tokens, access tokens, OAuth codes and client secrets, and keeps the rest of the URL', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const h = await openHarness({ logger: pino({ level: 'info' }, sink) });
    try {
      const secrets = ['CSRFsecret1', 'TOKENsecret2', 'CODEsecret3', 'CLIENTsecret4', 'VERIFIERsecret5'];
      const urls = [
        `/login?_csrf=${secrets[0]}&next=%2Fhome`,
        `/api/v1/streaming?stream=user&access_token=${secrets[1]}`,
        `/oauth/authorize?response_type=code&client_id=abc&code=${secrets[2]}&client_secret=${secrets[3]}`,
        `/oauth/token?code_verifier=${secrets[4]}`,
      ];
      for (const url of urls) await h.app.inject({ method: 'GET', url });
      await new Promise((resolve) => setImmediate(resolve));
      const logged = lines.join('\n');
      assert.match(logged, /incoming request/, 'requests were logged');
      for (const secret of secrets) assert.ok(!logged.includes(secret), `${secret} is not in the log`);
      const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req);
      assert.deepEqual(
        requests.map((entry) => entry.req.url),
        [
          `/login?_csrf=${REDACTED}&next=%2Fhome`,
          `/api/v1/streaming?stream=user&access_token=${REDACTED}`,
          `/oauth/authorize?response_type=code&client_id=abc&code=${REDACTED}&client_secret=${REDACTED}`,
          `/oauth/token?code_verifier=${REDACTED}`,
        ],
      );
    } finally {
      await h.close();
    }
  });
});
