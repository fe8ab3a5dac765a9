import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId } from '../../src/domain/mastodon-ids.js';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { client, logIn, type MastodonApp, nextPath, register, registerApp } from '../helpers/http.js';

/**
 * The Mastodon API through the whole chain: HTTP → web (two instances,
 * separate processes) → gRPC → auth and social services → a real 3-member
 * etcd cluster. Writes go to one web instance and reads to the other, so
 * every assertion is also a read-your-writes check across instances.
 */
describe('API through web → gRPC → services → etcd', () => {
  let deployment: Deployment;
  let a: ReturnType<typeof client>;
  let b: ReturnType<typeof client>;
  let app: MastodonApp;
  const password = 'correct horse battery';
  const usernamesOf = (accounts: { username: string }[]) => accounts.map((x) => x.username);
  const textOf = (status: { content: string }) => status.content.replace(/^<p>|<\/p>$/g, '');

  before(async () => {
    deployment = await startDeployment({ webInstances: 2 });
    a = client(deployment.webUrls[0]!);
    b = client(deployment.webUrls[1]!);
    app = await registerApp(deployment.webUrls[0]!);
  });
  after(() => deployment?.stop());

  const signUpOn = (url: string, username: string) => register(url, app, username, password);
  const logInOn = (url: string, username: string, pw = password) => logIn(url, app, username, pw);

  async function signUp(username: string) {
    const r = await signUpOn(deployment.webUrls[0]!, username);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.access_token as string;
  }

  it('signs up, logs in, logs out on one instance, and the other instance agrees', async () => {
    const r = await signUpOn(deployment.webUrls[0]!, 'Alice_1');
    assert.equal(r.status, 200);
    assert.match(r.body.access_token, /^[A-Za-z0-9_-]{43,}$/);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.scope, 'read write follow');
    const me = await b('GET', '/api/v1/accounts/verify_credentials', { token: r.body.access_token });
    assert.equal(me.body.username, 'alice_1');
    assert.ok(!Number.isNaN(Date.parse(me.body.created_at)));

    assert.equal((await signUpOn(deployment.webUrls[1]!, 'ALICE_1')).status, 422);

    const login = await logInOn(deployment.webUrls[1]!, 'alice_1');
    assert.equal(login.status, 200);
    assert.notEqual(login.body.access_token, r.body.access_token);
    assert.equal((await a('GET', '/api/v1/accounts/verify_credentials', { token: login.body.access_token })).body.username, 'alice_1');

    const wrong = await logInOn(deployment.webUrls[1]!, 'alice_1', 'wrong password');
    const unknown = await logInOn(deployment.webUrls[1]!, 'nobody_here');
    assert.equal(wrong.status, 400);
    assert.equal(unknown.status, 400);
    assert.deepEqual(wrong.body, unknown.body);

    assert.equal((await a('GET', '/api/v1/timelines/home', { token: login.body.access_token })).status, 200);
    assert.equal((await a('DELETE', '/api/v1/chorus/sessions/current', { token: login.body.access_token })).status, 204);
    assert.equal((await b('GET', '/api/v1/timelines/home', { token: login.body.access_token })).status, 401);
    assert.equal((await b('GET', '/api/v1/timelines/home', { token: r.body.access_token })).status, 200);
  });

  it('logs out everywhere and changes the password', async () => {
    const first = await signUp('bob_1');
    const second = (await logInOn(deployment.webUrls[1]!, 'bob_1')).body.access_token;

    const bad = await a('PUT', '/api/v1/chorus/password', {
      token: first,
      json: { current_password: 'not my password', new_password: 'a new password' },
    });
    assert.equal(bad.status, 422);
    const short = await a('PUT', '/api/v1/chorus/password', { token: first, json: { current_password: password, new_password: 'short' } });
    assert.equal(short.status, 422);

    const changed = await a('PUT', '/api/v1/chorus/password', {
      token: first,
      json: { current_password: password, new_password: 'a new password' },
    });
    assert.equal(changed.status, 204);
    assert.equal((await b('GET', '/api/v1/timelines/home', { token: first })).status, 200, 'the changing session stays');
    assert.equal((await b('GET', '/api/v1/timelines/home', { token: second })).status, 401, 'other sessions end');
    assert.equal((await logInOn(deployment.webUrls[1]!, 'bob_1')).status, 400);
    const third = (await logInOn(deployment.webUrls[1]!, 'bob_1', 'a new password')).body.access_token;

    assert.equal((await b('DELETE', '/api/v1/chorus/sessions', { token: third })).status, 204);
    assert.equal((await a('GET', '/api/v1/timelines/home', { token: first })).status, 401);
    assert.equal((await a('GET', '/api/v1/timelines/home', { token: third })).status, 401);
  });

  it('follows, unfollows, counts and lists, idempotently', async () => {
    const carol = await signUp('carol_1');
    await signUp('dave_1');
    await signUp('erin_1');
    const id = (username: string) => accountId(username);

    for (let i = 0; i < 2; i++) {
      assert.equal((await a('POST', `/api/v1/accounts/${id('dave_1')}/follow`, { token: carol })).status, 200);
      const erin = await b('POST', `/api/v1/accounts/${id('erin_1')}/follow`, { token: carol });
      assert.equal(erin.status, 200);
      assert.equal(erin.body.following, true);
    }
    assert.equal((await a('POST', `/api/v1/accounts/${id('carol_1')}/follow`, { token: carol })).status, 422);
    assert.equal((await a('POST', `/api/v1/accounts/${id('nobody_at_all')}/follow`, { token: carol })).status, 404);
    assert.equal((await a('POST', `/api/v1/accounts/${id('dave_1')}/follow`)).status, 401);

    const profile = await b('GET', `/api/v1/accounts/${id('carol_1')}`);
    assert.equal(profile.status, 200);
    assert.equal(profile.body.username, 'carol_1');
    assert.deepEqual([profile.body.followers_count, profile.body.following_count, profile.body.statuses_count], [0, 2, 0]);
    assert.equal((await b('GET', `/api/v1/accounts/${id('dave_1')}`)).body.followers_count, 1);

    const page1 = await b('GET', `/api/v1/accounts/${id('carol_1')}/following?limit=1`);
    assert.equal(page1.status, 200);
    assert.deepEqual(usernamesOf(page1.body), ['dave_1']);
    const next = nextPath(page1.headers);
    assert.ok(next, 'a Link to the next page');
    const page2 = await b('GET', next);
    assert.deepEqual(usernamesOf(page2.body), ['erin_1']);
    const page3Path = nextPath(page2.headers);
    if (page3Path !== undefined) assert.deepEqual((await b('GET', page3Path)).body, []);
    const followers = await a('GET', `/api/v1/accounts/${id('dave_1')}/followers`);
    assert.deepEqual(usernamesOf(followers.body), ['carol_1']);
    assert.equal(nextPath(followers.headers), undefined);
    assert.equal((await a('GET', `/api/v1/accounts/${id('dave_1')}/followers?max_id=!!!`)).status, 422);
    assert.equal((await a('GET', `/api/v1/accounts/${id('nobody_at_all')}/followers`)).status, 404);
    assert.equal((await a('GET', `/api/v1/accounts/${id('nobody_at_all')}/following`)).status, 404);

    for (let i = 0; i < 2; i++) {
      assert.equal((await b('POST', `/api/v1/accounts/${id('dave_1')}/unfollow`, { token: carol })).status, 200);
    }
    assert.equal((await a('POST', `/api/v1/accounts/${id('nobody_at_all')}/unfollow`, { token: carol })).status, 404);
    assert.equal((await a('GET', `/api/v1/accounts/${id('carol_1')}`)).body.following_count, 1);
    assert.equal((await a('GET', `/api/v1/accounts/${id('dave_1')}`)).body.followers_count, 0);
    const relationship = await b('GET', `/api/v1/accounts/relationships?id[]=${id('dave_1')}&id[]=${id('erin_1')}`, { token: carol });
    assert.deepEqual(
      relationship.body.map((r: { id: string; following: boolean }) => [r.id, r.following]),
      [
        [id('dave_1'), false],
        [id('erin_1'), true],
      ],
    );
  });

  it('searches accounts by prefix', async () => {
    const token = await signUp('zed_alpha');
    await signUp('zed_beta');
    await signUp('zz_other');
    const r = await b('GET', '/api/v1/accounts/search?q=ZED&limit=10', { token });
    assert.equal(r.status, 200);
    assert.deepEqual(usernamesOf(r.body), ['zed_alpha', 'zed_beta']);
    assert.equal((await b('GET', '/api/v1/accounts/search?q=zed&limit=1', { token })).body.length, 1);
    assert.equal((await b('GET', '/api/v1/accounts/search?q=zed&limit=abc', { token })).status, 422);
    assert.deepEqual((await b('GET', '/api/v1/accounts/search?q=%3Cscript%3E', { token })).body, []);
  });

  it('posts, reads, lists, deletes, and feeds newest first with a stable cursor', async () => {
    const frank = await signUp('frank_1');
    const gina = await signUp('gina_1');
    const hank = await signUp('hank_1');
    await a('POST', `/api/v1/accounts/${accountId('gina_1')}/follow`, { token: frank });

    const created = await a('POST', '/api/v1/statuses', { token: gina, json: { status: '  first post  ' } });
    assert.equal(created.status, 200);
    assert.equal(textOf(created.body), 'first post');
    assert.equal(created.body.account.username, 'gina_1');
    assert.ok(!Number.isNaN(Date.parse(created.body.created_at)));

    // Read-your-writes across instances: the post is in the home timeline on the other instance at once.
    const home = await b('GET', '/api/v1/timelines/home', { token: frank });
    assert.equal(home.status, 200);
    assert.deepEqual(
      home.body.map((p: { id: string }) => p.id),
      [created.body.id],
    );

    const got = await b('GET', `/api/v1/statuses/${created.body.id}`, { token: gina });
    assert.equal(got.status, 200);
    // The same status, its links on the origin each instance was reached at.
    const sameOrigin = (body: unknown, origin: string) => JSON.parse(JSON.stringify(body).replaceAll(origin, 'ORIGIN'));
    assert.deepEqual(sameOrigin(got.body, deployment.webUrls[1]!), sameOrigin(created.body, deployment.webUrls[0]!));
    await a('POST', '/api/v1/statuses', { token: hank, json: { status: 'not followed' } });

    const ids = [created.body.id];
    for (let i = 2; i <= 5; i++) {
      ids.unshift((await a('POST', '/api/v1/statuses', { token: gina, json: { status: `post ${i}` } })).body.id);
    }
    const first = await b('GET', '/api/v1/timelines/home?limit=2', { token: frank });
    assert.deepEqual(
      first.body.map((p: { id: string }) => p.id),
      ids.slice(0, 2),
    );
    // New posts between pages must not shift the next page.
    await a('POST', '/api/v1/statuses', { token: gina, json: { status: 'newest' } });
    const second = await b('GET', nextPath(first.headers)!, { token: frank });
    assert.deepEqual(
      second.body.map((p: { id: string }) => p.id),
      ids.slice(2, 4),
    );
    const third = await b('GET', nextPath(second.headers)!, { token: frank });
    assert.deepEqual(
      third.body.map((p: { id: string }) => p.id),
      ids.slice(4),
    );
    const end = nextPath(third.headers);
    if (end !== undefined) assert.deepEqual((await b('GET', end, { token: frank })).body, []);

    const listed = await a('GET', `/api/v1/accounts/${accountId('gina_1')}/statuses?limit=40`, { token: frank });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.length, 6);
    assert.equal((await a('GET', `/api/v1/accounts/${accountId('nobody_at_all')}/statuses`, { token: frank })).status, 404);
    assert.equal((await a('GET', `/api/v1/accounts/${accountId('gina_1')}`)).body.statuses_count, 6);

    assert.equal((await b('DELETE', `/api/v1/statuses/${created.body.id}`, { token: frank })).status, 403);
    assert.equal((await b('DELETE', `/api/v1/statuses/${created.body.id}`)).status, 401);
    const deleted = await b('DELETE', `/api/v1/statuses/${created.body.id}`, { token: gina });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.body.text, 'first post');
    assert.equal((await a('GET', `/api/v1/statuses/${created.body.id}`, { token: gina })).status, 404);
    assert.equal((await a('DELETE', `/api/v1/statuses/${created.body.id}`, { token: gina })).status, 404);
    const after = await a('GET', '/api/v1/timelines/home?limit=40', { token: frank });
    assert.ok(!after.body.some((p: { id: string }) => p.id === created.body.id));
    assert.ok(!after.body.some((p: { account: { username: string } }) => p.account.username === 'hank_1'));
  });

  it('stores a retried post once per Idempotency-Key', async () => {
    const ivy = await signUp('ivy_1');
    const headers = { 'idempotency-key': 'retry-me-1' };
    const one = await a('POST', '/api/v1/statuses', { token: ivy, json: { status: 'once' }, headers });
    const two = await b('POST', '/api/v1/statuses', { token: ivy, json: { status: 'once' }, headers });
    assert.equal(one.status, 200);
    assert.equal(two.status, 200);
    assert.equal(two.body.id, one.body.id);
    assert.equal(two.body.content, one.body.content);
    assert.equal((await a('GET', `/api/v1/accounts/${accountId('ivy_1')}`)).body.statuses_count, 1);
  });

  it('throttles logins per account on every instance, with Retry-After and RateLimit headers', async () => {
    await signUp('kim_1');
    const attempts = [];
    for (let i = 0; i < 5; i++) {
      attempts.push((await logInOn(deployment.webUrls[i % 2]!, 'kim_1', 'wrong password')).status);
    }
    assert.deepEqual(attempts, [400, 400, 400, 400, 400]);
    const throttled = await logInOn(deployment.webUrls[0]!, 'kim_1');
    assert.equal(throttled.status, 429);
    assert.equal(typeof throttled.body.error, 'string');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 300, `Retry-After ${retryAfter}`);
    assert.equal(throttled.headers.get('ratelimit-limit'), '5');
    assert.equal(throttled.headers.get('ratelimit-remaining'), '0');
    assert.equal(throttled.headers.get('ratelimit-policy'), '5;w=300');
  });

  it('answers bad input with the right 4xx and writes nothing', async () => {
    const jack = await signUp('jack_1');
    const appToken = app.appToken;
    const signUpBody = (username: unknown, pw: unknown = password) => ({
      token: appToken,
      json: { username, password: pw, agreement: true },
    });
    const cases: [string, string, Parameters<typeof a>[2], number][] = [
      ['POST', '/api/v1/accounts', { token: appToken, body: '{"username":', headers: { 'content-type': 'application/json' } }, 400],
      ['POST', '/api/v1/accounts', signUpBody(42), 422],
      ['POST', '/api/v1/accounts', signUpBody('no'), 422],
      ['POST', '/api/v1/accounts', signUpBody('bad name'), 422],
      ['POST', '/api/v1/accounts', signUpBody('ctrl\u0007user'), 422],
      ['POST', '/api/v1/accounts', signUpBody('shortpw_1', 'short'), 422],
      ['POST', '/api/v1/accounts', signUpBody('x'.repeat(31)), 422],
      ['POST', '/api/v1/accounts', signUpBody('bigbody_1', 'p'.repeat(100_000)), 413],
      ['POST', '/api/v1/accounts', { json: { username: 'notoken_1', password, agreement: true } }, 401],
      ['POST', '/oauth/token', { json: [] }, 400],
      ['POST', '/api/v1/statuses', { json: { status: 'no token' } }, 401],
      ['POST', '/api/v1/statuses', { token: 'forged-token', json: { status: 'forged' } }, 401],
      ['POST', '/api/v1/statuses', { token: jack, json: { status: '   ' } }, 422],
      ['POST', '/api/v1/statuses', { token: jack, json: { status: 'x'.repeat(281) } }, 422],
      ['POST', '/api/v1/statuses', { token: jack, json: { status: 7 } }, 422],
      ['POST', '/api/v1/statuses', { token: jack, json: { status: 'bell\u0007' } }, 422],
      ['GET', '/api/v1/timelines/home?limit=0x10', { token: jack }, 422],
      ['GET', '/api/v1/timelines/home?max_id=not-a-cursor', { token: jack }, 422],
      ['GET', '/api/v1/statuses/does-not-exist', { token: jack }, 404],
      ['GET', `/api/v1/accounts/${accountId('nobody_at_all')}`, {}, 404],
      ['GET', '/api/v1/no/such/route', {}, 404],
    ];
    for (const [method, path, options, status] of cases) {
      const r = await a(method, path, options);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(options).slice(0, 200)} → ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.error, 'string', `${method} ${path} has an error message`);
    }
    assert.equal((await b('GET', `/api/v1/accounts/${accountId('jack_1')}`)).body.statuses_count, 0);
    for (const username of ['shortpw_1', 'bigbody_1', 'notoken_1']) {
      const r = await b('GET', `/api/v1/accounts/${accountId(username)}`);
      assert.equal(r.status, 404, `${username} was not created`);
    }
  });
});
