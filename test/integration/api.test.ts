import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { client } from '../helpers/http.js';

/**
 * The JSON API through the whole chain: HTTP → web (two instances, separate
 * processes) → gRPC → auth and social services → a real 3-member etcd
 * cluster. Writes go to one web instance and reads to the other, so every
 * assertion is also a read-your-writes check across instances.
 */
describe('API through web → gRPC → services → etcd', () => {
  let deployment: Deployment;
  let a: ReturnType<typeof client>;
  let b: ReturnType<typeof client>;
  const password = 'correct horse battery';

  before(async () => {
    deployment = await startDeployment({ webInstances: 2 });
    a = client(deployment.webUrls[0]!);
    b = client(deployment.webUrls[1]!);
  });
  after(() => deployment?.stop());

  async function signUp(username: string) {
    const r = await a('POST', '/api/v1/accounts', { json: { username, password } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.token as string;
  }

  it('signs up, logs in, logs out on one instance, and the other instance agrees', async () => {
    const r = await a('POST', '/api/v1/accounts', { json: { username: 'Alice_1', password } });
    assert.equal(r.status, 201);
    assert.equal(r.body.account.username, 'alice_1');
    assert.ok(!Number.isNaN(Date.parse(r.body.account.createdAt)));
    assert.match(r.body.token, /^[A-Za-z0-9_-]{43,}$/);

    assert.equal((await b('POST', '/api/v1/accounts', { json: { username: 'ALICE_1', password } })).status, 409);

    const login = await b('POST', '/api/v1/sessions', { json: { username: 'alice_1', password } });
    assert.equal(login.status, 201);
    assert.notEqual(login.body.token, r.body.token);
    assert.equal(login.body.account.username, 'alice_1');

    const wrong = await b('POST', '/api/v1/sessions', { json: { username: 'alice_1', password: 'wrong password' } });
    const unknown = await b('POST', '/api/v1/sessions', { json: { username: 'nobody_here', password } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);

    assert.equal((await a('GET', '/api/v1/feed', { token: login.body.token })).status, 200);
    assert.equal((await a('DELETE', '/api/v1/sessions/current', { token: login.body.token })).status, 204);
    assert.equal((await b('GET', '/api/v1/feed', { token: login.body.token })).status, 401);
    assert.equal((await b('GET', '/api/v1/feed', { token: r.body.token })).status, 200);
  });

  it('logs out everywhere and changes the password', async () => {
    const first = await signUp('bob_1');
    const second = (await b('POST', '/api/v1/sessions', { json: { username: 'bob_1', password } })).body.token;

    const bad = await a('PUT', '/api/v1/account/password', {
      token: first,
      json: { currentPassword: 'not my password', newPassword: 'a new password' },
    });
    assert.equal(bad.status, 401);
    const short = await a('PUT', '/api/v1/account/password', { token: first, json: { currentPassword: password, newPassword: 'short' } });
    assert.equal(short.status, 400);

    const changed = await a('PUT', '/api/v1/account/password', {
      token: first,
      json: { currentPassword: password, newPassword: 'a new password' },
    });
    assert.equal(changed.status, 204);
    assert.equal((await b('GET', '/api/v1/feed', { token: first })).status, 200, 'the changing session stays');
    assert.equal((await b('GET', '/api/v1/feed', { token: second })).status, 401, 'other sessions end');
    assert.equal((await b('POST', '/api/v1/sessions', { json: { username: 'bob_1', password } })).status, 401);
    const third = (await b('POST', '/api/v1/sessions', { json: { username: 'bob_1', password: 'a new password' } })).body.token;

    assert.equal((await b('DELETE', '/api/v1/sessions', { token: third })).status, 204);
    assert.equal((await a('GET', '/api/v1/feed', { token: first })).status, 401);
    assert.equal((await a('GET', '/api/v1/feed', { token: third })).status, 401);
  });

  it('follows, unfollows, counts and lists, idempotently', async () => {
    const carol = await signUp('carol_1');
    await signUp('dave_1');
    await signUp('erin_1');

    for (let i = 0; i < 2; i++) {
      assert.equal((await a('PUT', '/api/v1/following/dave_1', { token: carol })).status, 204);
      assert.equal((await b('PUT', '/api/v1/following/ERIN_1', { token: carol })).status, 204);
    }
    assert.equal((await a('PUT', '/api/v1/following/carol_1', { token: carol })).status, 400);
    assert.equal((await a('PUT', '/api/v1/following/nobody_at_all', { token: carol })).status, 404);
    assert.equal((await a('PUT', '/api/v1/following/dave_1')).status, 401);

    const profile = await b('GET', '/api/v1/accounts/carol_1');
    assert.equal(profile.status, 200);
    assert.deepEqual(
      { ...profile.body, createdAt: undefined },
      { username: 'carol_1', createdAt: undefined, followers: 0, following: 2, posts: 0 },
    );
    assert.equal((await b('GET', '/api/v1/accounts/dave_1')).body.followers, 1);

    const page1 = await b('GET', '/api/v1/accounts/carol_1/following?limit=1');
    assert.equal(page1.status, 200);
    assert.deepEqual(
      page1.body.accounts.map((x: { username: string }) => x.username),
      ['dave_1'],
    );
    assert.equal(typeof page1.body.next, 'string');
    const page2 = await b('GET', `/api/v1/accounts/carol_1/following?limit=1&cursor=${page1.body.next}`);
    assert.deepEqual(
      page2.body.accounts.map((x: { username: string }) => x.username),
      ['erin_1'],
    );
    assert.equal(page2.body.next, null);
    const followers = await a('GET', '/api/v1/accounts/dave_1/followers');
    assert.deepEqual(
      followers.body.accounts.map((x: { username: string }) => x.username),
      ['carol_1'],
    );
    assert.equal((await a('GET', '/api/v1/accounts/dave_1/followers?cursor=!!!')).status, 400);
    assert.equal((await a('GET', '/api/v1/accounts/nobody_at_all/followers')).status, 404);
    assert.equal((await a('GET', '/api/v1/accounts/nobody_at_all/following')).status, 404);

    for (let i = 0; i < 2; i++) assert.equal((await b('DELETE', '/api/v1/following/dave_1', { token: carol })).status, 204);
    assert.equal((await a('DELETE', '/api/v1/following/nobody_at_all', { token: carol })).status, 404);
    assert.equal((await a('GET', '/api/v1/accounts/carol_1')).body.following, 1);
    assert.equal((await a('GET', '/api/v1/accounts/dave_1')).body.followers, 0);
  });

  it('searches accounts by prefix', async () => {
    await signUp('zed_alpha');
    await signUp('zed_beta');
    await signUp('zz_other');
    const r = await b('GET', '/api/v1/accounts?prefix=ZED&limit=10');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.accounts.map((x: { username: string }) => x.username),
      ['zed_alpha', 'zed_beta'],
    );
    assert.equal((await b('GET', '/api/v1/accounts?prefix=zed&limit=1')).body.accounts.length, 1);
    assert.equal((await b('GET', '/api/v1/accounts?limit=101')).status, 400);
    assert.equal((await b('GET', '/api/v1/accounts?prefix=%3Cscript%3E')).status, 400);
  });

  it('posts, reads, lists, deletes, and feeds newest first with a stable cursor', async () => {
    const frank = await signUp('frank_1');
    const gina = await signUp('gina_1');
    const hank = await signUp('hank_1');
    await a('PUT', '/api/v1/following/gina_1', { token: frank });

    const created = await a('POST', '/api/v1/posts', { token: gina, json: { text: '  first post  ' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.text, 'first post');
    assert.equal(created.body.author, 'gina_1');
    assert.ok(!Number.isNaN(Date.parse(created.body.createdAt)));

    // Read-your-writes across instances: the post is in the feed on the other instance at once.
    const feed = await b('GET', '/api/v1/feed', { token: frank });
    assert.equal(feed.status, 200);
    assert.deepEqual(
      feed.body.posts.map((p: { id: string }) => p.id),
      [created.body.id],
    );

    const got = await b('GET', `/api/v1/posts/${created.body.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, created.body);
    await a('POST', '/api/v1/posts', { token: hank, json: { text: 'not followed' } });

    const ids = [created.body.id];
    for (let i = 2; i <= 5; i++) {
      ids.unshift((await a('POST', '/api/v1/posts', { token: gina, json: { text: `post ${i}` } })).body.id);
    }
    const first = await b('GET', '/api/v1/feed?limit=2', { token: frank });
    assert.deepEqual(
      first.body.posts.map((p: { id: string }) => p.id),
      ids.slice(0, 2),
    );
    // New posts between pages must not shift the next page.
    await a('POST', '/api/v1/posts', { token: gina, json: { text: 'newest' } });
    const second = await b('GET', `/api/v1/feed?limit=2&cursor=${first.body.next}`, { token: frank });
    assert.deepEqual(
      second.body.posts.map((p: { id: string }) => p.id),
      ids.slice(2, 4),
    );
    const third = await b('GET', `/api/v1/feed?limit=2&cursor=${second.body.next}`, { token: frank });
    assert.deepEqual(
      third.body.posts.map((p: { id: string }) => p.id),
      ids.slice(4),
    );
    assert.equal(third.body.next, null);

    const listed = await a('GET', '/api/v1/accounts/gina_1/posts?limit=100');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.posts.length, 6);
    assert.equal((await a('GET', '/api/v1/accounts/nobody_at_all/posts')).status, 404);
    assert.equal((await a('GET', '/api/v1/accounts/gina_1')).body.posts, 6);

    assert.equal((await b('DELETE', `/api/v1/posts/${created.body.id}`, { token: frank })).status, 403);
    assert.equal((await b('DELETE', `/api/v1/posts/${created.body.id}`)).status, 401);
    assert.equal((await b('DELETE', `/api/v1/posts/${created.body.id}`, { token: gina })).status, 204);
    assert.equal((await a('GET', `/api/v1/posts/${created.body.id}`)).status, 404);
    assert.equal((await a('DELETE', `/api/v1/posts/${created.body.id}`, { token: gina })).status, 404);
    const after = await a('GET', '/api/v1/feed?limit=100', { token: frank });
    assert.ok(!after.body.posts.some((p: { id: string }) => p.id === created.body.id));
    assert.ok(!after.body.posts.some((p: { author: string }) => p.author === 'hank_1'));
  });

  it('stores a retried post once per Idempotency-Key', async () => {
    const ivy = await signUp('ivy_1');
    const headers = { 'idempotency-key': 'retry-me-1' };
    const one = await a('POST', '/api/v1/posts', { token: ivy, json: { text: 'once' }, headers });
    const two = await b('POST', '/api/v1/posts', { token: ivy, json: { text: 'once' }, headers });
    assert.equal(one.status, 201);
    assert.equal(two.status, 201);
    assert.deepEqual(two.body, one.body);
    assert.equal((await a('GET', '/api/v1/accounts/ivy_1')).body.posts, 1);
  });

  it('throttles logins per account on every instance, with Retry-After and RateLimit headers', async () => {
    await signUp('kim_1');
    const attempts = [];
    for (let i = 0; i < 5; i++) {
      attempts.push(
        (await (i % 2 ? a : b)('POST', '/api/v1/sessions', { json: { username: 'kim_1', password: 'wrong password' } })).status,
      );
    }
    assert.deepEqual(attempts, [401, 401, 401, 401, 401]);
    const throttled = await a('POST', '/api/v1/sessions', { json: { username: 'kim_1', password } });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.body.error.code, 'rate_limited');
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 300, `Retry-After ${retryAfter}`);
    assert.equal(throttled.headers.get('ratelimit-limit'), '5');
    assert.equal(throttled.headers.get('ratelimit-remaining'), '0');
    assert.equal(throttled.headers.get('ratelimit-policy'), '5;w=300');
  });

  it('answers bad input with the right 4xx and writes nothing', async () => {
    const jack = await signUp('jack_1');
    const cases: [string, string, Parameters<typeof a>[2], number][] = [
      ['POST', '/api/v1/accounts', { body: '{"username":', headers: { 'content-type': 'application/json' } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 42, password } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'no', password } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'bad name', password } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'ctrl\u0007user', password } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'shortpw_1', password: 'short' } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'x'.repeat(31), password } }, 400],
      ['POST', '/api/v1/accounts', { json: { username: 'bigbody_1', password: 'p'.repeat(100_000) } }, 413],
      ['POST', '/api/v1/sessions', { json: [] }, 400],
      ['POST', '/api/v1/posts', { json: { text: 'no token' } }, 401],
      ['POST', '/api/v1/posts', { token: 'forged-token', json: { text: 'forged' } }, 401],
      ['POST', '/api/v1/posts', { token: jack, json: { text: '   ' } }, 400],
      ['POST', '/api/v1/posts', { token: jack, json: { text: 'x'.repeat(281) } }, 400],
      ['POST', '/api/v1/posts', { token: jack, json: { text: 7 } }, 400],
      ['POST', '/api/v1/posts', { token: jack, json: { text: 'bell\u0007' } }, 400],
      ['GET', '/api/v1/feed?limit=0x10', { token: jack }, 400],
      ['GET', '/api/v1/feed?cursor=not-a-cursor', { token: jack }, 400],
      ['GET', '/api/v1/posts/does-not-exist', {}, 404],
      ['GET', '/api/v1/accounts/nobody_at_all', {}, 404],
      ['GET', '/api/v1/no/such/route', {}, 404],
    ];
    for (const [method, path, options, status] of cases) {
      const r = await a(method, path, options);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(options)} → ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.error?.code, 'string', `${method} ${path} has an error code`);
      assert.equal(typeof r.body.error?.message, 'string');
    }
    assert.equal((await b('GET', '/api/v1/accounts/jack_1')).body.posts, 0);
    for (const username of ['no', 'bad name', 'shortpw_1', 'bigbody_1']) {
      const r = await b('GET', `/api/v1/accounts/${encodeURIComponent(username)}`);
      assert.equal(r.status, 404, `${username} was not created`);
    }
  });
});
