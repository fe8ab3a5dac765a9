import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Harness, openHarness, readPaths, signUp } from './web-harness.js';

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

for (const reads of readPaths)
  describe(`JSON API: every row of the table (reads from the ${reads})`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it('POST /api/v1/accounts creates an account and returns a working token', async () => {
      const reply = await api(h.app, 'POST', '/api/v1/accounts', { json: { username: 'Alice', password: 'correct horse' } });
      assert.equal(reply.status, 201);
      assert.deepEqual(Object.keys(reply.body).sort(), ['account', 'token']);
      assert.equal(reply.body.account.username, 'alice');
      assert.match(reply.body.account.createdAt, iso);
      assert.equal(typeof reply.body.token, 'string');
      const feed = await api(h.app, 'GET', '/api/v1/feed', { token: reply.body.token });
      assert.equal(feed.status, 200);
    });

    it('POST /api/v1/sessions logs in with a new token; wrong password and unknown user get the same 401', async () => {
      const reply = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'ALICE', password: 'correct horse' } });
      assert.equal(reply.status, 201);
      assert.equal(reply.body.account.username, 'alice');
      assert.match(reply.body.account.createdAt, iso);
      assert.equal(typeof reply.body.token, 'string');

      const wrong = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'alice', password: 'wrong password' } });
      const unknown = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'nobody', password: 'wrong password' } });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.error.code, 'unauthenticated');
      assert.equal(wrong.body.error.message, unknown.body.error.message);
    });

    it('DELETE /api/v1/sessions/current ends only that session', async () => {
      const first = await signUp(h.app, 'carol');
      const second = (await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'carol', password: 'correct horse' } })).body.token;
      const reply = await api(h.app, 'DELETE', '/api/v1/sessions/current', { token: first });
      assert.equal(reply.status, 204);
      assert.equal(reply.text, '');
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: first })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: second })).status, 200);
    });

    it('DELETE /api/v1/sessions ends every session of the account', async () => {
      const first = await signUp(h.app, 'dave');
      const second = (await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'dave', password: 'correct horse' } })).body.token;
      const reply = await api(h.app, 'DELETE', '/api/v1/sessions', { token: second });
      assert.equal(reply.status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: first })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: second })).status, 401);
    });

    it('PUT /api/v1/account/password changes the password and keeps only this session', async () => {
      const other = await signUp(h.app, 'erin');
      const token = (await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'erin', password: 'correct horse' } })).body.token;
      const wrong = await api(h.app, 'PUT', '/api/v1/account/password', {
        token,
        json: { currentPassword: 'not it at all', newPassword: 'battery staple' },
      });
      assert.equal(wrong.status, 401);
      const reply = await api(h.app, 'PUT', '/api/v1/account/password', {
        token,
        json: { currentPassword: 'correct horse', newPassword: 'battery staple' },
      });
      assert.equal(reply.status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token })).status, 200);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: other })).status, 401);
      const oldLogin = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'erin', password: 'correct horse' } });
      assert.equal(oldLogin.status, 401);
      const newLogin = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'erin', password: 'battery staple' } });
      assert.equal(newLogin.status, 201);
    });

    it('GET /api/v1/accounts/:username returns the profile with counts, case-insensitively', async () => {
      const reply = await api(h.app, 'GET', '/api/v1/accounts/Alice');
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body).sort(), ['createdAt', 'followers', 'following', 'posts', 'username']);
      assert.equal(reply.body.username, 'alice');
      assert.match(reply.body.createdAt, iso);
      assert.deepEqual([reply.body.followers, reply.body.following, reply.body.posts], [0, 0, 0]);
    });

    it('GET /api/v1/accounts?prefix=&limit= searches by prefix in username order', async () => {
      const all = await api(h.app, 'GET', '/api/v1/accounts');
      assert.equal(all.status, 200);
      assert.deepEqual(
        all.body.accounts.map((a: { username: string }) => a.username),
        ['alice', 'carol', 'dave', 'erin'],
      );
      assert.deepEqual(Object.keys(all.body.accounts[0]).sort(), ['createdAt', 'username']);
      const some = await api(h.app, 'GET', '/api/v1/accounts?prefix=C&limit=5');
      assert.deepEqual(some.body, { accounts: [{ username: 'carol', createdAt: some.body.accounts[0].createdAt }] });
      const limited = await api(h.app, 'GET', '/api/v1/accounts?limit=2');
      assert.equal(limited.body.accounts.length, 2);
      const none = await api(h.app, 'GET', '/api/v1/accounts?prefix=zz');
      assert.deepEqual(none.body, { accounts: [] });
    });
  });

for (const reads of readPaths)
  describe(`JSON API: follows, posts and the feed (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: string;
    let ben: string;
    let cat: string;
    before(async () => {
      h = await openHarness({ reads });
      [ann, ben, cat] = [await signUp(h.app, 'ann'), await signUp(h.app, 'ben'), await signUp(h.app, 'cat')];
    });
    after(async () => {
      await h.close();
    });

    it('PUT /api/v1/following/:username follows, idempotently', async () => {
      assert.equal((await api(h.app, 'PUT', '/api/v1/following/ben', { token: ann })).status, 204);
      assert.equal((await api(h.app, 'PUT', '/api/v1/following/BEN', { token: ann })).status, 204);
      assert.equal((await api(h.app, 'PUT', '/api/v1/following/ben', { token: cat })).status, 204);
      assert.equal((await api(h.app, 'PUT', '/api/v1/following/cat', { token: ann })).status, 204);
      const profile = await api(h.app, 'GET', '/api/v1/accounts/ben');
      assert.equal(profile.body.followers, 2);
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/ann')).body.following, 2);
    });

    it('GET followers and following list accounts with a cursor', async () => {
      const first = await api(h.app, 'GET', '/api/v1/accounts/ben/followers?limit=1');
      assert.equal(first.status, 200);
      assert.deepEqual(Object.keys(first.body).sort(), ['accounts', 'next']);
      assert.equal(first.body.accounts.length, 1);
      assert.equal(first.body.accounts[0].username, 'ann');
      assert.match(first.body.accounts[0].createdAt, iso);
      assert.equal(typeof first.body.next, 'string');
      const second = await api(h.app, 'GET', `/api/v1/accounts/ben/followers?limit=1&cursor=${first.body.next}`);
      assert.deepEqual(
        second.body.accounts.map((a: { username: string }) => a.username),
        ['cat'],
      );
      const rest = second.body.next
        ? await api(h.app, 'GET', `/api/v1/accounts/ben/followers?limit=1&cursor=${second.body.next}`)
        : { body: { accounts: [], next: null } };
      assert.deepEqual(rest.body, { accounts: [], next: null });

      const following = await api(h.app, 'GET', '/api/v1/accounts/ann/following');
      assert.deepEqual(
        following.body.accounts.map((a: { username: string }) => a.username),
        ['ben', 'cat'],
      );
      assert.equal(following.body.next, null);
    });

    it('DELETE /api/v1/following/:username unfollows, idempotently', async () => {
      assert.equal((await api(h.app, 'DELETE', '/api/v1/following/cat', { token: ann })).status, 204);
      assert.equal((await api(h.app, 'DELETE', '/api/v1/following/cat', { token: ann })).status, 204);
      const following = await api(h.app, 'GET', '/api/v1/accounts/ann/following');
      assert.deepEqual(
        following.body.accounts.map((a: { username: string }) => a.username),
        ['ben'],
      );
    });

    let firstPostId = '';
    it('POST /api/v1/posts stores a trimmed post and returns it', async () => {
      const reply = await api(h.app, 'POST', '/api/v1/posts', { token: ben, json: { text: '  hello, world  ' } });
      assert.equal(reply.status, 201);
      assert.deepEqual(Object.keys(reply.body).sort(), ['author', 'createdAt', 'id', 'text']);
      assert.equal(reply.body.author, 'ben');
      assert.equal(reply.body.text, 'hello, world');
      assert.match(reply.body.createdAt, iso);
      assert.equal(reply.headers.location, `/api/v1/posts/${reply.body.id}`);
      firstPostId = reply.body.id;
    });

    it('POST /api/v1/posts with an Idempotency-Key stores a retry once', async () => {
      const headers = { 'idempotency-key': 'retry-1' };
      const first = await api(h.app, 'POST', '/api/v1/posts', { token: ben, json: { text: 'once' }, headers });
      const retry = await api(h.app, 'POST', '/api/v1/posts', { token: ben, json: { text: 'once' }, headers });
      assert.equal(first.status, 201);
      assert.equal(retry.status, 201);
      assert.equal(retry.body.id, first.body.id);
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/ben')).body.posts, 2);
    });

    it('GET /api/v1/posts/:id returns the post', async () => {
      const reply = await api(h.app, 'GET', `/api/v1/posts/${firstPostId}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.id, firstPostId);
      assert.equal(reply.body.text, 'hello, world');
      assert.equal(reply.body.author, 'ben');
    });

    it('GET /api/v1/accounts/:username/posts pages newest first', async () => {
      const first = await api(h.app, 'GET', '/api/v1/accounts/ben/posts?limit=1');
      assert.equal(first.status, 200);
      assert.deepEqual(Object.keys(first.body).sort(), ['next', 'posts']);
      assert.deepEqual(
        first.body.posts.map((p: { text: string }) => p.text),
        ['once'],
      );
      const second = await api(h.app, 'GET', `/api/v1/accounts/ben/posts?limit=1&cursor=${first.body.next}`);
      assert.deepEqual(
        second.body.posts.map((p: { text: string }) => p.text),
        ['hello, world'],
      );
      assert.match(second.body.posts[0].createdAt, iso);
    });

    it('GET /api/v1/feed shows only followed accounts, newest first, paged', async () => {
      await api(h.app, 'POST', '/api/v1/posts', { token: cat, json: { text: 'cat is not followed by ann' } });
      await api(h.app, 'POST', '/api/v1/posts', { token: ann, json: { text: 'my own post' } });
      const feed = await api(h.app, 'GET', '/api/v1/feed', { token: ann });
      assert.equal(feed.status, 200);
      assert.deepEqual(
        feed.body.posts.map((p: { text: string }) => p.text),
        ['once', 'hello, world'],
      );
      assert.equal(feed.body.next, null);
      const page = await api(h.app, 'GET', '/api/v1/feed?limit=1', { token: ann });
      assert.deepEqual(
        page.body.posts.map((p: { text: string }) => p.text),
        ['once'],
      );
      assert.equal(typeof page.body.next, 'string');
      const next = await api(h.app, 'GET', `/api/v1/feed?limit=1&cursor=${page.body.next}`, { token: ann });
      assert.deepEqual(
        next.body.posts.map((p: { text: string }) => p.text),
        ['hello, world'],
      );
    });

    it('DELETE /api/v1/posts/:id deletes for the author only', async () => {
      const forbidden = await api(h.app, 'DELETE', `/api/v1/posts/${firstPostId}`, { token: ann });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.error.code, 'forbidden');
      assert.equal((await api(h.app, 'GET', `/api/v1/posts/${firstPostId}`)).status, 200);

      const reply = await api(h.app, 'DELETE', `/api/v1/posts/${firstPostId}`, { token: ben });
      assert.equal(reply.status, 204);
      const gone = await api(h.app, 'GET', `/api/v1/posts/${firstPostId}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.code, 'not_found');
      assert.equal((await api(h.app, 'DELETE', `/api/v1/posts/${firstPostId}`, { token: ben })).status, 404);
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/ben')).body.posts, 1);
    });
  });

for (const reads of readPaths)
  describe(`API: the list of sessions (reads from the ${reads})`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it("GET /api/v1/sessions lists the account's sessions; DELETE /api/v1/sessions/:id ends one", async () => {
      const first = await signUp(h.app, 'sessions_api');
      const login = await api(h.app, 'POST', '/api/v1/sessions', {
        json: { username: 'sessions_api', password: 'correct horse' },
        headers: { 'user-agent': 'curl/8.5.0' },
      });
      const second = login.body.token;
      const list = await api(h.app, 'GET', '/api/v1/sessions', { token: first });
      assert.equal(list.status, 200);
      assert.equal(list.body.sessions.length, 2);
      const [newest, oldest] = list.body.sessions;
      assert.deepEqual(Object.keys(newest).sort(), ['createdAt', 'current', 'id', 'lastSeenAt', 'userAgent']);
      assert.equal(newest.userAgent, 'curl/8.5.0');
      assert.equal(newest.current, false);
      assert.equal(oldest.current, true);
      assert.match(newest.createdAt, /^\d{4}-\d\d-\d\dT.*Z$/);
      assert.ok(!JSON.stringify(list.body).includes(second), 'no tokens in the list');

      assert.equal((await api(h.app, 'DELETE', `/api/v1/sessions/${newest.id}`, { token: first })).status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: second })).status, 401);
      const again = await api(h.app, 'DELETE', `/api/v1/sessions/${newest.id}`, { token: first });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'not_found');
      assert.equal((await api(h.app, 'DELETE', '/api/v1/sessions/%3Cscript%3E', { token: first })).status, 404);
      assert.equal((await api(h.app, 'GET', '/api/v1/sessions')).status, 401);
      assert.equal((await api(h.app, 'DELETE', `/api/v1/sessions/${oldest.id}`)).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: first })).status, 200);
    });
  });
