import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createRestAPIClient } from 'masto';
import { postIdOf } from '../../src/domain/mastodon-ids.js';
import { api, type Harness, logInToken, openHarness, readPaths, signUp } from './web-harness.js';

/** Tusky's order: a longer id is newer, then the greater text. */
function newerId(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** The path and query of a Link header's `rel` URL, to inject. */
function linkTarget(link: unknown, rel: 'next' | 'prev'): string | undefined {
  if (typeof link !== 'string') return undefined;
  const match = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(link);
  if (!match) return undefined;
  const url = new URL(match[1]!);
  assert.ok(url.protocol === 'http:' && url.host !== '', 'Link URLs are absolute');
  return url.pathname + url.search;
}

/** Every post in the store, through the service: to check that refused requests wrote nothing. */
async function postCount(h: Harness): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await h.social.publicTimeline(100, cursor);
    count += page.items.length;
    cursor = page.next ?? undefined;
  } while (cursor !== undefined);
  return count;
}

for (const reads of readPaths) {
  describe(`Mastodon statuses and timelines (reads from the ${reads})`, () => {
    let h: Harness;
    let alice: string;
    let bob: string;
    let carol: string;
    before(async () => {
      h = await openHarness({ reads });
      alice = await signUp(h.app, 'alice');
      bob = await signUp(h.app, 'bob');
      carol = await signUp(h.app, 'carol');
      await h.social.trustedActor('alice').follow('bob');
      await h.social.trustedActor('alice').follow('carol');
    });
    after(() => h.close());

    const post = (token: string, json: unknown, headers: Record<string, string> = {}) =>
      api(h.app, 'POST', '/api/v1/statuses', { token, json, headers });

    it('posts a status from JSON, form and multipart, and reads it back by id', async () => {
      const reply = await post(bob, { status: 'hello <b>world</b>', visibility: 'unlisted', language: 'en', sensitive: 'false' });
      assert.equal(reply.status, 200, reply.text);
      const status = reply.body;
      assert.match(status.id, /^[1-9]\d{26}$/);
      assert.equal(status.content, '<p>hello &lt;b&gt;world&lt;/b&gt;</p>');
      assert.equal(status.visibility, 'public');
      assert.equal(status.account.username, 'bob');
      assert.equal(status.account.statuses_count, 1);
      assert.equal(status.favourited, false);
      assert.equal(status.text, undefined);

      const form = await api(h.app, 'POST', '/api/v1/statuses', {
        token: bob,
        payload: new URLSearchParams({ status: 'from a form', 'media_ids[]': '' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 200, form.text);
      assert.equal(form.body.content, '<p>from a form</p>');

      const multipart = new FormData();
      multipart.append('status', 'from multipart');
      const request = new Request('http://localhost/', { method: 'POST', body: multipart });
      const injected = await h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        payload: Buffer.from(await request.arrayBuffer()),
        headers: { 'content-type': request.headers.get('content-type')!, authorization: `Bearer ${bob}` },
      });
      assert.equal(injected.statusCode, 200, injected.body);
      assert.equal(injected.json().content, '<p>from multipart</p>');

      const fetched = await api(h.app, 'GET', `/api/v1/statuses/${status.id}`);
      assert.equal(fetched.status, 200);
      const { filtered, favourited, reblogged, muted, bookmarked, pinned, ...shared } = status;
      assert.deepEqual([filtered, favourited, reblogged, muted, bookmarked, pinned], [[], false, false, false, false, false]);
      // Only the author's count moved on: two more statuses since.
      assert.deepEqual(fetched.body, { ...shared, account: { ...shared.account, statuses_count: 3 } });
      assert.equal(fetched.body.favourited, undefined, 'no viewer flags without a token');
      const asAlice = await api(h.app, 'GET', `/api/v1/statuses/${status.id}`, { token: alice });
      assert.equal(asAlice.body.favourited, false);
    });

    it('stores one status for two posts with the same Idempotency-Key', async () => {
      const before = await postCount(h);
      const first = await post(carol, { status: 'only once' }, { 'idempotency-key': 'abc-123' });
      const second = await post(carol, { status: 'only once' }, { 'idempotency-key': 'abc-123' });
      assert.equal(first.status, 200, first.text);
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.id, first.body.id);
      assert.equal(await postCount(h), before + 1);
    });

    it('refuses bad input in Mastodon’s shape and writes nothing', async () => {
      const before = await postCount(h);
      const cases: Array<[unknown, number, RegExp]> = [
        [{ status: '' }, 422, /Write something/],
        [{}, 422, /Write something/],
        [{ status: '   ' }, 422, /Write something/],
        [{ status: 'x'.repeat(5000) }, 422, /at most/],
        [{ status: 5 }, 422, /must be a string/],
        [{ status: 'hi', media_ids: ['1'] }, 422, /media/],
        [{ status: 'hi', poll: { options: ['a', 'b'], expires_in: 300 } }, 422, /polls/],
        [{ status: 'hi', visibility: 'everyone' }, 422, /visibility/],
        [{ status: 'hi', sensitive: 'maybe' }, 422, /sensitive/],
        [{ status: 'hi', in_reply_to_id: 'nope' }, 422, /in_reply_to_id/],
        [{ status: 'hi', in_reply_to_id: '100000000000000000000000001' }, 404, /Record not found/],
        [['status', 'hi'], 422, /object/],
      ];
      for (const [json, status, message] of cases) {
        const reply = await post(bob, json);
        assert.equal(reply.status, status, `${JSON.stringify(json).slice(0, 80)}: ${reply.text}`);
        assert.deepEqual(Object.keys(reply.body), ['error']);
        assert.match(reply.body.error, message);
      }
      const badKey = await post(bob, { status: 'hi' }, { 'idempotency-key': 'has space' });
      assert.equal(badKey.status, 422);
      const noToken = await api(h.app, 'POST', '/api/v1/statuses', { json: { status: 'hi' } });
      assert.equal(noToken.status, 401);
      assert.ok(typeof noToken.body.error === 'string');
      assert.equal(await postCount(h), before);

      for (const id of ['nope', '1', '100000000000000000000000001', '9'.repeat(27)]) {
        for (const method of ['GET', 'DELETE'] as const) {
          const reply = await api(h.app, method, `/api/v1/statuses/${id}`, { token: bob });
          assert.equal(reply.status, 404, `${method} ${id}: ${reply.text}`);
          assert.deepEqual(reply.body, { error: 'Record not found' });
        }
      }
    });

    it('deletes only your own status, answering it with its text', async () => {
      const made = (await post(bob, { status: 'to be deleted' })).body;
      const before = await postCount(h);
      const notMine = await api(h.app, 'DELETE', `/api/v1/statuses/${made.id}`, { token: carol });
      assert.equal(notMine.status, 403, notMine.text);
      assert.ok(typeof notMine.body.error === 'string');
      assert.equal(await postCount(h), before);
      const deleted = await api(h.app, 'DELETE', `/api/v1/statuses/${made.id}`, { token: bob });
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal(deleted.body.id, made.id);
      assert.equal(deleted.body.text, 'to be deleted');
      assert.equal(await postCount(h), before - 1);
      assert.equal((await api(h.app, 'GET', `/api/v1/statuses/${made.id}`)).status, 404);
      assert.equal((await api(h.app, 'DELETE', `/api/v1/statuses/${made.id}`, { token: bob })).status, 404);
    });

    it('pages the home timeline by its Link header: every status once, newest first', async () => {
      const made = new Set<string>();
      for (let i = 0; i < 7; i++) made.add((await post(i % 2 ? bob : carol, { status: `home ${i}` })).body.id);
      await post(alice, { status: 'alice’s own, not in her feed' });
      const seen: string[] = [];
      let url: string | undefined = '/api/v1/timelines/home?limit=3';
      let pages = 0;
      while (url !== undefined) {
        const reply = await api(h.app, 'GET', url, { token: alice });
        assert.equal(reply.status, 200, reply.text);
        pages++;
        assert.ok(pages < 20, 'pagination ends');
        assert.ok(reply.body.length <= 3);
        for (const status of reply.body) {
          assert.ok(['bob', 'carol'].includes(status.account.username));
          assert.equal(status.favourited, false);
          seen.push(status.id);
        }
        if (reply.body.length > 0) assert.ok(linkTarget(reply.headers.link, 'prev')?.includes('min_id='));
        url = linkTarget(reply.headers.link, 'next');
        if (url) assert.match(url, /limit=3/);
      }
      assert.equal(new Set(seen).size, seen.length, 'each status once');
      for (let i = 1; i < seen.length; i++) assert.ok(newerId(seen[i - 1]!, seen[i]!), 'newest first');
      for (const id of made) assert.ok(seen.includes(id));
      const all = await postCount(h);
      const aliceOwn = 1;
      assert.equal(seen.length, all - aliceOwn);

      // since_id: only what is newer; a later status shows up above it.
      const newest = seen[0]!;
      const since = await api(h.app, 'GET', `/api/v1/timelines/home?since_id=${newest}`, { token: alice });
      assert.deepEqual(since.body, []);
      const later = (await post(bob, { status: 'later' })).body.id;
      const since2 = await api(h.app, 'GET', `/api/v1/timelines/home?since_id=${newest}`, { token: alice });
      assert.deepEqual(
        since2.body.map((s: { id: string }) => s.id),
        [later],
      );
      assert.equal(linkTarget(since2.headers.link, 'next'), undefined);
      const older = await api(h.app, 'GET', `/api/v1/timelines/home?max_id=${later}&limit=2`, { token: alice });
      assert.deepEqual(
        older.body.map((s: { id: string }) => s.id),
        seen.slice(0, 2),
      );
      assert.ok(postIdOf(later));

      const badPage = await api(h.app, 'GET', '/api/v1/timelines/home?max_id=xyz', { token: alice });
      assert.equal(badPage.status, 422);
      assert.deepEqual(Object.keys(badPage.body), ['error']);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home')).status, 401);
    });

    it('pages the public timeline: everyone’s statuses; remote and only_media are empty', async () => {
      const all = await postCount(h);
      const seen: string[] = [];
      let url: string | undefined = '/api/v1/timelines/public?local=true&limit=4';
      while (url !== undefined) {
        const reply = await api(h.app, 'GET', url);
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.body[0]?.favourited, undefined);
        seen.push(...reply.body.map((s: { id: string }) => s.id));
        url = linkTarget(reply.headers.link, 'next');
        assert.ok(seen.length <= all);
      }
      assert.equal(seen.length, all);
      for (let i = 1; i < seen.length; i++) assert.ok(newerId(seen[i - 1]!, seen[i]!));
      const notLocal = await api(h.app, 'GET', '/api/v1/timelines/public?limit=40');
      assert.equal(notLocal.body.length, Math.min(all, 40));
      assert.deepEqual((await api(h.app, 'GET', '/api/v1/timelines/public?remote=true')).body, []);
      assert.deepEqual((await api(h.app, 'GET', '/api/v1/timelines/public?only_media=1')).body, []);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/public?local=perhaps')).status, 422);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/public?limit=-1')).status, 422);
      const withToken = await api(h.app, 'GET', '/api/v1/timelines/public?limit=1', { token: alice });
      assert.equal(withToken.body[0].favourited, false);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/public', { token: 'x'.repeat(43) })).status, 401);
    });

    it('lets a read-only OAuth token read timelines but not post', async () => {
      const app = await api(h.app, 'POST', '/api/v1/apps', {
        json: { client_name: 'Reader', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' },
      });
      assert.equal(app.status, 200, app.text);
      const granted = await api(h.app, 'POST', '/oauth/token', {
        json: {
          grant_type: 'password',
          username: 'alice',
          password: 'correct horse',
          scope: 'read',
          client_id: app.body.client_id,
          client_secret: app.body.client_secret,
        },
      });
      assert.equal(granted.status, 200, granted.text);
      const readOnly = granted.body.access_token;
      const before = await postCount(h);
      const refused = await post(readOnly, { status: 'should not be stored' });
      assert.equal(refused.status, 403, refused.text);
      assert.match(refused.body.error, /scope/);
      assert.equal(await postCount(h), before);
      const someone = (await api(h.app, 'GET', '/api/v1/timelines/public?limit=1')).body[0].id;
      assert.equal((await api(h.app, 'DELETE', `/api/v1/statuses/${someone}`, { token: readOnly })).status, 403);
      assert.equal(await postCount(h), before);
      const home = await api(h.app, 'GET', '/api/v1/timelines/home', { token: readOnly });
      assert.equal(home.status, 200, home.text);
      assert.ok(home.body.length > 0);

      const writer = await api(h.app, 'POST', '/oauth/token', {
        json: {
          grant_type: 'password',
          username: 'alice',
          password: 'correct horse',
          scope: 'write:statuses',
          client_id: app.body.client_id,
          client_secret: app.body.client_secret,
        },
      });
      assert.equal(writer.status, 200, writer.text);
      const posted = await post(writer.body.access_token, { status: 'by an app' }, { 'idempotency-key': 'app-1' });
      assert.equal(posted.status, 200, posted.text);
      assert.equal(posted.body.account.username, 'alice');
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: writer.body.access_token })).status, 403);
    });
  });
}

describe('masto.js against a listening app', () => {
  let h: Harness;
  let url: string;
  let dana: string;
  before(async () => {
    h = await openHarness();
    dana = await signUp(h.app, 'dana');
    await signUp(h.app, 'eve');
    await h.social.trustedActor('dana').follow('eve');
    for (let i = 0; i < 5; i++) await h.social.trustedActor('eve').post(`eve ${i}`);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(h.app.server!.address() as AddressInfo).port}`;
  });
  after(() => h.close());

  it('creates, lists page by page and removes statuses', async () => {
    const masto = createRestAPIClient({ url, accessToken: dana });
    const eve = await signUpClient(url, 'eve');
    const created = await eve.v1.statuses.create({ status: 'hello from masto.js' });
    assert.equal(created.content, '<p>hello from masto.js</p>');
    assert.equal(created.account.username, 'eve');

    const first = await masto.v1.timelines.home.list();
    assert.equal(first.length, 6);
    assert.equal(first[0]!.id, created.id);

    const pages: string[][] = [];
    for await (const page of masto.v1.timelines.home.list({ limit: 2 })) {
      pages.push(page.map((status) => status.id));
      assert.ok(pages.length < 10);
    }
    assert.deepEqual(
      pages.map((page) => page.length),
      [2, 2, 2],
    );
    assert.deepEqual(
      pages.flat(),
      first.map((status) => status.id),
    );

    const fetched = await masto.v1.statuses.$select(created.id).fetch();
    assert.equal(fetched.id, created.id);
    const removed = await eve.v1.statuses.$select(created.id).remove();
    assert.equal(removed.text, 'hello from masto.js');
    await assert.rejects(masto.v1.statuses.$select(created.id).fetch(), (error: { statusCode?: number }) => error.statusCode === 404);
    assert.equal((await masto.v1.timelines.home.list()).length, 5);
    const publicTimeline = await masto.v1.timelines.public.list({ local: true, limit: 3 });
    assert.equal(publicTimeline.length, 3);
  });

  /** eve's client, from a fresh session (signUp already used her name, so log in). */
  async function signUpClient(base: string, username: string) {
    return createRestAPIClient({ url: base, accessToken: await logInToken(h.app, username) });
  }
});
