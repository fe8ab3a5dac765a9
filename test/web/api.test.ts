import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountId } from '../../src/domain/mastodon-ids.js';
import { api, type Harness, logIn, logInToken, openHarness, plainText, readPaths, register, signUp } from './web-harness.js';

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const usernames = (accounts: { username: string }[]) => accounts.map((a) => a.username);
const texts = (statuses: { content: string }[]) => statuses.map(plainText);

/** The absolute URL of the Link header's rel="next", or undefined. */
function nextLink(headers: Record<string, unknown>): string | undefined {
  const link = headers.link;
  if (typeof link !== 'string') return undefined;
  return /<([^>]+)>; rel="next"/.exec(link)?.[1];
}

/** The path and query of an absolute URL, for inject. */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

for (const reads of readPaths)
  describe(`Mastodon API: accounts and sessions (reads from the ${reads})`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it('POST /api/v1/accounts creates an account and returns a working token', async () => {
      const reply = await register(h.app, { username: 'Alice', password: 'correct horse', agreement: true, email: 'a@example.org' });
      assert.equal(reply.status, 200);
      assert.deepEqual(Object.keys(reply.body).sort(), ['access_token', 'created_at', 'scope', 'token_type']);
      assert.equal(reply.body.token_type, 'Bearer');
      assert.equal(reply.body.scope, 'read write follow');
      assert.equal(typeof reply.body.created_at, 'number');
      assert.equal(typeof reply.body.access_token, 'string');
      const me = await api(h.app, 'GET', '/api/v1/accounts/verify_credentials', { token: reply.body.access_token });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'alice');
      assert.equal(me.body.id, accountId('alice'));
      assert.match(me.body.created_at, iso);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: reply.body.access_token })).status, 200);
    });

    it('POST /oauth/token logs in with a new token; wrong password and unknown user get the same 400 invalid_grant', async () => {
      const reply = await logIn(h.app, 'ALICE');
      assert.equal(reply.status, 200);
      assert.equal(typeof reply.body.access_token, 'string');
      const me = await api(h.app, 'GET', '/api/v1/accounts/verify_credentials', { token: reply.body.access_token });
      assert.equal(me.body.username, 'alice');

      const wrong = await logIn(h.app, 'alice', 'wrong password');
      const unknown = await logIn(h.app, 'nobody', 'wrong password');
      assert.equal(wrong.status, 400);
      assert.equal(unknown.status, 400);
      assert.equal(wrong.body.error, 'invalid_grant');
      assert.equal(wrong.body.error_description, unknown.body.error_description);
    });

    it('DELETE /api/v1/chorus/sessions/current ends only that session', async () => {
      const first = await signUp(h.app, 'carol');
      const second = await logInToken(h.app, 'carol');
      const reply = await api(h.app, 'DELETE', '/api/v1/chorus/sessions/current', { token: first });
      assert.equal(reply.status, 204);
      assert.equal(reply.text, '');
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: first })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: second })).status, 200);
    });

    it('DELETE /api/v1/chorus/sessions ends every session of the account', async () => {
      const first = await signUp(h.app, 'dave');
      const second = await logInToken(h.app, 'dave');
      const reply = await api(h.app, 'DELETE', '/api/v1/chorus/sessions', { token: second });
      assert.equal(reply.status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: first })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: second })).status, 401);
    });

    it('PUT /api/v1/chorus/password changes the password and keeps only this session', async () => {
      const other = await signUp(h.app, 'erin');
      const token = await logInToken(h.app, 'erin');
      const wrong = await api(h.app, 'PUT', '/api/v1/chorus/password', {
        token,
        json: { current_password: 'not it at all', new_password: 'battery staple' },
      });
      assert.equal(wrong.status, 422);
      assert.equal(typeof wrong.body.error, 'string');
      // The wrong current password ended nothing.
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: other })).status, 200);
      const short = await api(h.app, 'PUT', '/api/v1/chorus/password', {
        token,
        json: { current_password: 'correct horse', new_password: 'short' },
      });
      assert.equal(short.status, 422);
      const reply = await api(h.app, 'PUT', '/api/v1/chorus/password', {
        token,
        json: { current_password: 'correct horse', new_password: 'battery staple' },
      });
      assert.equal(reply.status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token })).status, 200);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: other })).status, 401);
      assert.equal((await logIn(h.app, 'erin', 'correct horse')).status, 400);
      assert.equal((await logIn(h.app, 'erin', 'battery staple')).status, 200);
    });

    it('GET /api/v1/accounts/:id returns the account with counts; lookup finds it case-insensitively', async () => {
      const token = await logInToken(h.app, 'alice');
      const found = await api(h.app, 'GET', '/api/v1/accounts/lookup?acct=Alice', { token });
      assert.equal(found.status, 200);
      assert.equal(found.body.id, accountId('alice'));
      const reply = await api(h.app, 'GET', `/api/v1/accounts/${accountId('alice')}`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.id, accountId('alice'));
      assert.equal(reply.body.username, 'alice');
      assert.equal(reply.body.acct, 'alice');
      assert.match(reply.body.created_at, /^\d{4}-\d{2}-\d{2}T/);
      assert.deepEqual([reply.body.followers_count, reply.body.following_count, reply.body.statuses_count], [0, 0, 0]);
      const unknown = await api(h.app, 'GET', `/api/v1/accounts/${accountId('nobody')}`);
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { error: 'Record not found' });
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/alice')).status, 404);
    });

    it('GET /api/v1/accounts/search?q=&limit= searches by prefix in username order', async () => {
      const token = await logInToken(h.app, 'alice');
      const some = await api(h.app, 'GET', '/api/v1/accounts/search?q=C&limit=5', { token });
      assert.equal(some.status, 200);
      assert.deepEqual(usernames(some.body), ['carol']);
      const all = await api(h.app, 'GET', '/api/v1/accounts/search?q=a', { token });
      assert.deepEqual(usernames(all.body), ['alice']);
      const none = await api(h.app, 'GET', '/api/v1/accounts/search?q=zz', { token });
      assert.deepEqual(none.body, []);
    });

    it('sign-up refuses a taken username (422) and a user token (401), writing nothing', async () => {
      const taken = await register(h.app, { username: 'alice', password: 'correct horse', agreement: true });
      assert.equal(taken.status, 422);
      assert.equal(typeof taken.body.error, 'string');
      const token = await logInToken(h.app, 'alice');
      const withUserToken = await api(h.app, 'POST', '/api/v1/accounts', {
        token,
        json: { username: 'mallory', password: 'correct horse', agreement: true },
      });
      assert.equal(withUserToken.status, 401);
      const without = await api(h.app, 'POST', '/api/v1/accounts', {
        json: { username: 'mallory', password: 'correct horse', agreement: true },
      });
      assert.equal(without.status, 401);
      const noAgreement = await register(h.app, { username: 'mallory', password: 'correct horse' });
      assert.equal(noAgreement.status, 422);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${accountId('mallory')}`)).status, 404);
    });
  });

for (const reads of readPaths)
  describe(`Mastodon API: follows, statuses and the home timeline (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: string;
    let ben: string;
    let cat: string;
    const id = { ann: accountId('ann'), ben: accountId('ben'), cat: accountId('cat') };
    before(async () => {
      h = await openHarness({ reads });
      [ann, ben, cat] = [await signUp(h.app, 'ann'), await signUp(h.app, 'ben'), await signUp(h.app, 'cat')];
    });
    after(async () => {
      await h.close();
    });

    it('POST /api/v1/accounts/:id/follow follows, idempotently', async () => {
      const first = await api(h.app, 'POST', `/api/v1/accounts/${id.ben}/follow`, { token: ann });
      assert.equal(first.status, 200);
      assert.equal(first.body.id, id.ben);
      assert.equal(first.body.following, true);
      assert.equal((await api(h.app, 'POST', `/api/v1/accounts/${id.ben}/follow`, { token: ann })).status, 200);
      assert.equal((await api(h.app, 'POST', `/api/v1/accounts/${id.ben}/follow`, { token: cat })).status, 200);
      assert.equal((await api(h.app, 'POST', `/api/v1/accounts/${id.cat}/follow`, { token: ann })).status, 200);
      const profile = await api(h.app, 'GET', `/api/v1/accounts/${id.ben}`);
      assert.equal(profile.body.followers_count, 2);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${id.ann}`)).body.following_count, 2);
      const relationships = await api(h.app, 'GET', `/api/v1/accounts/relationships?id[]=${id.ben}`, { token: ann });
      assert.deepEqual(
        relationships.body.map((r: { id: string; following: boolean }) => [r.id, r.following]),
        [[id.ben, true]],
      );
    });

    it('GET followers and following list accounts, paged by the Link header', async () => {
      const first = await api(h.app, 'GET', `/api/v1/accounts/${id.ben}/followers?limit=1`);
      assert.equal(first.status, 200);
      assert.equal(first.body.length, 1);
      assert.equal(first.body[0].username, 'ann');
      assert.equal(first.body[0].id, id.ann);
      assert.match(first.body[0].created_at, /^\d{4}-\d{2}-\d{2}T/);
      const next = nextLink(first.headers);
      assert.ok(next?.startsWith('http'), 'the next link is absolute');
      assert.ok(next);
      assert.match(next, new RegExp(`max_id=${id.ann}`));
      const second = await api(h.app, 'GET', pathOf(next));
      assert.deepEqual(usernames(second.body), ['cat']);
      const after = nextLink(second.headers);
      const rest = after === undefined ? { body: [], headers: {} } : await api(h.app, 'GET', pathOf(after));
      assert.deepEqual(rest.body, []);
      assert.equal(nextLink(rest.headers), undefined);

      const following = await api(h.app, 'GET', `/api/v1/accounts/${id.ann}/following`);
      assert.deepEqual(usernames(following.body), ['ben', 'cat']);
      assert.equal(nextLink(following.headers), undefined);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${accountId('nobody')}/followers`)).status, 404);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${id.ben}/followers?max_id=x`)).status, 422);
    });

    it('POST /api/v1/accounts/:id/unfollow unfollows, idempotently', async () => {
      const reply = await api(h.app, 'POST', `/api/v1/accounts/${id.cat}/unfollow`, { token: ann });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.following, false);
      assert.equal((await api(h.app, 'POST', `/api/v1/accounts/${id.cat}/unfollow`, { token: ann })).status, 200);
      const following = await api(h.app, 'GET', `/api/v1/accounts/${id.ann}/following`);
      assert.deepEqual(usernames(following.body), ['ben']);
    });

    let firstStatusId = '';
    it('POST /api/v1/statuses stores a trimmed post and returns it', async () => {
      const reply = await api(h.app, 'POST', '/api/v1/statuses', { token: ben, json: { status: '  hello, world  ' } });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.account.username, 'ben');
      assert.equal(reply.body.account.id, id.ben);
      assert.equal(reply.body.content, '<p>hello, world</p>');
      assert.match(reply.body.created_at, /^\d{4}-\d{2}-\d{2}T/);
      assert.match(reply.body.id, /^\d{27}$/);
      firstStatusId = reply.body.id;
    });

    it('POST /api/v1/statuses with an Idempotency-Key stores a retry once', async () => {
      const headers = { 'idempotency-key': 'retry-1' };
      const first = await api(h.app, 'POST', '/api/v1/statuses', { token: ben, json: { status: 'once' }, headers });
      const retry = await api(h.app, 'POST', '/api/v1/statuses', { token: ben, json: { status: 'once' }, headers });
      assert.equal(first.status, 200);
      assert.equal(retry.status, 200);
      assert.equal(retry.body.id, first.body.id);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${id.ben}`)).body.statuses_count, 2);
    });

    it('GET /api/v1/statuses/:id returns the status', async () => {
      const reply = await api(h.app, 'GET', `/api/v1/statuses/${firstStatusId}`, { token: ann });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.id, firstStatusId);
      assert.equal(plainText(reply.body), 'hello, world');
      assert.equal(reply.body.account.username, 'ben');
    });

    it('GET /api/v1/accounts/:id/statuses pages newest first', async () => {
      const first = await api(h.app, 'GET', `/api/v1/accounts/${id.ben}/statuses?limit=1`, { token: ann });
      assert.equal(first.status, 200);
      assert.deepEqual(texts(first.body), ['once']);
      const next = nextLink(first.headers);
      assert.ok(next);
      const second = await api(h.app, 'GET', pathOf(next), { token: ann });
      assert.deepEqual(texts(second.body), ['hello, world']);
      assert.ok(BigInt(first.body[0].id) > BigInt(second.body[0].id), 'newer ids are greater');
    });

    it('GET /api/v1/timelines/home shows only followed accounts, newest first, paged', async () => {
      await api(h.app, 'POST', '/api/v1/statuses', { token: cat, json: { status: 'cat is not followed by ann' } });
      await api(h.app, 'POST', '/api/v1/statuses', { token: ann, json: { status: 'my own post' } });
      const home = await api(h.app, 'GET', '/api/v1/timelines/home', { token: ann });
      assert.equal(home.status, 200);
      assert.deepEqual(texts(home.body), ['once', 'hello, world']);
      assert.equal(nextLink(home.headers), undefined);
      const page = await api(h.app, 'GET', '/api/v1/timelines/home?limit=1', { token: ann });
      assert.deepEqual(texts(page.body), ['once']);
      const next = nextLink(page.headers);
      assert.ok(next);
      const rest = await api(h.app, 'GET', pathOf(next), { token: ann });
      assert.deepEqual(texts(rest.body), ['hello, world']);
    });

    it('DELETE /api/v1/statuses/:id deletes for the author only', async () => {
      const forbidden = await api(h.app, 'DELETE', `/api/v1/statuses/${firstStatusId}`, { token: ann });
      assert.equal(forbidden.status, 403);
      assert.equal(typeof forbidden.body.error, 'string');
      assert.equal((await api(h.app, 'GET', `/api/v1/statuses/${firstStatusId}`, { token: ann })).status, 200);

      const reply = await api(h.app, 'DELETE', `/api/v1/statuses/${firstStatusId}`, { token: ben });
      assert.equal(reply.status, 200);
      assert.equal(reply.body.text, 'hello, world');
      const gone = await api(h.app, 'GET', `/api/v1/statuses/${firstStatusId}`, { token: ann });
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, { error: 'Record not found' });
      assert.equal((await api(h.app, 'DELETE', `/api/v1/statuses/${firstStatusId}`, { token: ben })).status, 404);
      assert.equal((await api(h.app, 'GET', `/api/v1/accounts/${id.ben}`)).body.statuses_count, 1);
    });
  });

for (const reads of readPaths)
  describe(`Mastodon API: the list of sessions (reads from the ${reads})`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it("GET /api/v1/chorus/sessions lists the account's sessions; DELETE /api/v1/chorus/sessions/:id ends one", async () => {
      const first = await signUp(h.app, 'sessions_api');
      const login = await logIn(h.app, 'sessions_api', 'correct horse', { 'user-agent': 'curl/8.5.0' });
      const second = login.body.access_token;
      const list = await api(h.app, 'GET', '/api/v1/chorus/sessions', { token: first });
      assert.equal(list.status, 200);
      assert.equal(list.body.length, 2);
      const [newest, oldest] = list.body;
      assert.deepEqual(Object.keys(newest).sort(), ['app_name', 'created_at', 'current', 'id', 'last_seen_at', 'user_agent']);
      assert.equal(newest.user_agent, 'curl/8.5.0');
      assert.equal(newest.app_name, 'Chorus tests');
      assert.equal(oldest.app_name, 'Chorus tests', 'the session of a sign-up through an app is that app’s');
      assert.equal(newest.current, false);
      assert.equal(oldest.current, true);
      assert.match(newest.created_at, iso);
      assert.match(newest.last_seen_at, iso);
      assert.ok(!JSON.stringify(list.body).includes(second), 'no tokens in the list');

      assert.equal((await api(h.app, 'DELETE', `/api/v1/chorus/sessions/${newest.id}`, { token: first })).status, 204);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: second })).status, 401);
      const again = await api(h.app, 'DELETE', `/api/v1/chorus/sessions/${newest.id}`, { token: first });
      assert.equal(again.status, 404);
      assert.equal(typeof again.body.error, 'string');
      assert.equal((await api(h.app, 'DELETE', '/api/v1/chorus/sessions/%3Cscript%3E', { token: first })).status, 404);
      assert.equal((await api(h.app, 'GET', '/api/v1/chorus/sessions')).status, 401);
      assert.equal((await api(h.app, 'DELETE', `/api/v1/chorus/sessions/${oldest.id}`)).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: first })).status, 200);
    });
  });
