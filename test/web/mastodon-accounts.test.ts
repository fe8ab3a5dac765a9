import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import { createRestAPIClient } from 'masto';
import { accountId, statusId } from '../../src/domain/mastodon-ids.js';
import { localName, queryFlag } from '../../src/web/api/accounts.js';
import { AVATAR_SIZE, avatarColour, solidPng } from '../../src/web/api/avatars.js';
import { api, type Harness, openHarness, signUp } from './web-harness.js';

const HOST = 'chorus.test';
const headers = { host: HOST };

/** A password-grant OAuth token for `username` with `scope`, through the Mastodon app registration. */
async function oauthToken(h: Harness, username: string, scope: string): Promise<string> {
  const app = await api(h.app, 'POST', '/api/v1/apps', {
    json: { client_name: 'Test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow profile' },
  });
  assert.equal(app.status, 200, app.text);
  const token = await api(h.app, 'POST', '/oauth/token', {
    payload: new URLSearchParams({
      grant_type: 'password',
      username,
      password: 'correct horse',
      scope,
      client_id: app.body.client_id,
      client_secret: app.body.client_secret,
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(token.status, 200, token.text);
  return token.body.access_token;
}

describe('Mastodon accounts API', () => {
  let h: Harness;
  let alice: string;
  let readOnly: string;
  const get = (url: string, token = alice) => api(h.app, 'GET', url, { token, headers });
  const post = (url: string, token = alice) => api(h.app, 'POST', url, { token, headers });

  before(async () => {
    h = await openHarness();
    alice = await signUp(h.app, 'alice');
    await signUp(h.app, 'bob');
    await signUp(h.app, 'bobby');
    await signUp(h.app, 'carol');
    readOnly = await oauthToken(h, 'alice', 'read');
  });
  after(() => h.close());

  it('verify_credentials answers the CredentialAccount with counts and source', async () => {
    await h.social.trustedActor('alice').post('hello');
    await h.social.trustedActor('bob').follow('alice');
    const reply = await get('/api/v1/accounts/verify_credentials');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.id, accountId('alice'));
    assert.equal(reply.body.username, 'alice');
    assert.equal(reply.body.avatar, `http://${HOST}/avatars/alice.png`);
    assert.equal(reply.body.statuses_count, 1);
    assert.equal(reply.body.followers_count, 1);
    assert.equal(reply.body.following_count, 0);
    assert.equal(reply.body.source.privacy, 'public');
    assert.equal((await get('/api/v1/accounts/verify_credentials', readOnly)).status, 200, 'read suffices');
    const profileOnly = await oauthToken(h, 'alice', 'profile');
    const viaProfile = await get('/api/v1/accounts/verify_credentials', profileOnly);
    assert.equal(viaProfile.status, 200, 'so does profile');
    assert.equal(viaProfile.body.username, 'alice');
    assert.equal((await get('/api/v1/accounts/lookup?acct=bob', profileOnly)).status, 403, 'profile reads nothing else');
    await h.social.trustedActor('bob').unfollow('alice');
  });

  it('verify_credentials refuses a missing or bad token with 401 in Mastodon shape', async () => {
    const none = await api(h.app, 'GET', '/api/v1/accounts/verify_credentials');
    assert.equal(none.status, 401);
    assert.equal(typeof none.body.error, 'string');
    assert.equal((await get('/api/v1/accounts/verify_credentials', 'not-a-token')).status, 401);
  });

  it('lookup finds a local account by username, @username or username@our-host', async () => {
    for (const acct of ['bob', '@bob', 'BOB', `bob@${HOST}`]) {
      const reply = await get(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      assert.equal(reply.status, 200, `${acct}: ${reply.text}`);
      assert.equal(reply.body.id, accountId('bob'));
    }
  });

  it('lookup answers 404 {"error"} for nobody, another host, or a name that cannot exist', async () => {
    for (const acct of ['nobody', 'bob@elsewhere.example', 'x', 'no spaces', '@']) {
      const reply = await get(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      assert.equal(reply.status, 404, acct);
      assert.deepEqual(reply.body, { error: 'Record not found' });
    }
    const missing = await get('/api/v1/accounts/lookup');
    assert.equal(missing.status, 422);
    assert.equal(typeof missing.body.error, 'string');
  });

  it('search lists accounts by username prefix, a leading @ stripped, with a limit', async () => {
    const reply = await get('/api/v1/accounts/search?q=%40bo&resolve=true');
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      reply.body.map((a: { username: string }) => a.username),
      ['bob', 'bobby'],
    );
    const one = await get('/api/v1/accounts/search?q=bo&limit=1');
    assert.deepEqual(
      one.body.map((a: { username: string }) => a.username),
      ['bob'],
    );
    const next = await get('/api/v1/accounts/search?q=bo&limit=1&offset=1');
    assert.deepEqual(
      next.body.map((a: { username: string }) => a.username),
      ['bobby'],
    );
    for (const q of ['', 'no such', 'bob@elsewhere.example', '%25']) {
      const none = await get(`/api/v1/accounts/search?q=${q}`);
      assert.equal(none.status, 200, q);
      assert.deepEqual(none.body, [], q);
    }
    assert.equal((await get('/api/v1/accounts/search?q=bo&limit=zero')).status, 422);
  });

  it('relationships answers each known id both ways and skips the rest', async () => {
    await h.social.trustedActor('alice').follow('bob');
    await h.social.trustedActor('carol').follow('alice');
    const ids = [accountId('bob'), accountId('nobody'), 'garbage', accountId('carol'), accountId('bob')];
    const reply = await get(`/api/v1/accounts/relationships?${ids.map((id) => `id[]=${id}`).join('&')}`);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      reply.body.map((r: { id: string; following: boolean; followed_by: boolean }) => [r.id, r.following, r.followed_by]),
      [
        [accountId('bob'), true, false],
        [accountId('carol'), false, true],
      ],
    );
    const single = await get(`/api/v1/accounts/relationships?id=${accountId('bob')}`);
    assert.equal(single.body.length, 1);
    assert.deepEqual((await get('/api/v1/accounts/relationships')).body, []);
    await h.social.trustedActor('alice').unfollow('bob');
    await h.social.trustedActor('carol').unfollow('alice');
  });

  it('follow and unfollow answer the Relationship', async () => {
    const followed = await post(`/api/v1/accounts/${accountId('carol')}/follow`);
    assert.equal(followed.status, 200, followed.text);
    assert.equal(followed.body.id, accountId('carol'));
    assert.equal(followed.body.following, true);
    assert.equal(await h.social.isFollowing('alice', 'carol'), true);
    const again = await post(`/api/v1/accounts/${accountId('carol')}/follow`);
    assert.equal(again.body.following, true, 'idempotent');
    const unfollowed = await post(`/api/v1/accounts/${accountId('carol')}/unfollow`);
    assert.equal(unfollowed.status, 200, unfollowed.text);
    assert.equal(unfollowed.body.following, false);
    assert.equal(await h.social.isFollowing('alice', 'carol'), false);
  });

  it('follow of an unknown or malformed id is 404 in Mastodon shape and writes nothing', async () => {
    const before = await h.social.getProfile('alice');
    for (const id of [accountId('nobody'), 'garbage', '0', '1'.repeat(60)]) {
      for (const action of ['follow', 'unfollow']) {
        const reply = await post(`/api/v1/accounts/${id}/${action}`);
        assert.equal(reply.status, 404, `${action} ${id}: ${reply.text}`);
        assert.deepEqual(reply.body, { error: 'Record not found' });
      }
    }
    assert.deepEqual(await h.social.getProfile('alice'), before);
    assert.equal(await h.social.isFollowing('alice', 'nobody'), false);
  });

  it('following yourself is refused with 422', async () => {
    const reply = await post(`/api/v1/accounts/${accountId('alice')}/follow`);
    assert.equal(reply.status, 422, reply.text);
    assert.equal(typeof reply.body.error, 'string');
  });

  it('a read-only OAuth token cannot follow or unfollow (403), and nothing is written', async () => {
    for (const action of ['follow', 'unfollow']) {
      const reply = await post(`/api/v1/accounts/${accountId('bob')}/${action}`, readOnly);
      assert.equal(reply.status, 403, reply.text);
      assert.equal(typeof reply.body.error, 'string');
    }
    assert.equal(await h.social.isFollowing('alice', 'bob'), false);
    const followToken = await oauthToken(h, 'alice', 'follow');
    assert.equal((await post(`/api/v1/accounts/${accountId('bob')}/follow`, followToken)).status, 200);
    assert.equal((await post(`/api/v1/accounts/${accountId('bob')}/unfollow`, followToken)).status, 200);
    assert.equal((await get('/api/v1/accounts/verify_credentials', followToken)).status, 403, 'follow is not read');
  });

  it("an account's statuses page by max_id, since_id and min_id with a Link header", async () => {
    const posts = [];
    for (let i = 0; i < 5; i++) posts.push(await h.social.trustedActor('carol').post(`post ${i}`));
    const ids = posts.map((p) => statusId(p.id)).reverse(); // newest first
    const base = `/api/v1/accounts/${accountId('carol')}/statuses`;
    const first = await get(`${base}?limit=2&exclude_replies=true&exclude_reblogs=1`);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(
      first.body.map((s: { id: string }) => s.id),
      ids.slice(0, 2),
    );
    assert.equal(first.body[0].account.username, 'carol');
    assert.equal(first.body[0].account.statuses_count, 5);
    assert.equal(first.body[0].content, '<p>post 4</p>');
    const link = String(first.headers.link);
    assert.match(link, new RegExp(`<http://${HOST}${base}\\?limit=2&exclude_replies=true&exclude_reblogs=1&max_id=${ids[1]}>; rel="next"`));
    assert.match(link, new RegExp(`min_id=${ids[0]}>; rel="prev"`));

    const nextUrl = /<([^>]+)>; rel="next"/.exec(link)![1]!.replace(`http://${HOST}`, '');
    const second = await get(nextUrl);
    assert.deepEqual(
      second.body.map((s: { id: string }) => s.id),
      ids.slice(2, 4),
    );
    const last = await get(`${base}?limit=2&max_id=${ids[3]}`);
    assert.deepEqual(
      last.body.map((s: { id: string }) => s.id),
      [ids[4]],
    );
    assert.doesNotMatch(String(last.headers.link), /rel="next"/, 'the end of the list has no next');

    const since = await get(`${base}?since_id=${ids[2]}`);
    assert.deepEqual(
      since.body.map((s: { id: string }) => s.id),
      ids.slice(0, 2),
    );
    const min = await get(`${base}?min_id=${ids[1]}`);
    assert.deepEqual(
      min.body.map((s: { id: string }) => s.id),
      [ids[0]],
    );
    const empty = await get(`${base}?min_id=${ids[0]}`);
    assert.deepEqual(empty.body, []);
    assert.equal(empty.headers.link, undefined);

    assert.deepEqual((await get(`${base}?only_media=true`)).body, []);
    assert.deepEqual((await get(`${base}?pinned=1`)).body, []);
    assert.equal((await get(`${base}?pinned=false`)).body.length, 5);
  });

  it('statuses refuse a bad id or limit (422) and an unknown account (404)', async () => {
    const base = `/api/v1/accounts/${accountId('carol')}/statuses`;
    for (const query of ['max_id=garbage', 'since_id=123', 'min_id=-1', 'limit=0', 'limit=abc']) {
      const reply = await get(`${base}?${query}`);
      assert.equal(reply.status, 422, query);
      assert.equal(typeof reply.body.error, 'string');
    }
    for (const id of [accountId('nobody'), 'garbage']) {
      const reply = await get(`/api/v1/accounts/${id}/statuses`);
      assert.equal(reply.status, 404, id);
      assert.deepEqual(reply.body, { error: 'Record not found' });
    }
    assert.equal((await api(h.app, 'GET', base)).status, 401);
  });

  it('v2 search finds accounts; statuses and hashtags are empty lists', async () => {
    const reply = await get('/api/v2/search?q=car&resolve=true');
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      reply.body.accounts.map((a: { username: string }) => a.username),
      ['carol'],
    );
    assert.deepEqual(reply.body.statuses, []);
    assert.deepEqual(reply.body.hashtags, []);
    const typed = await get('/api/v2/search?q=car&type=statuses');
    assert.deepEqual(typed.body, { accounts: [], statuses: [], hashtags: [] });
    const byAddress = await get(`/api/v2/search?q=${encodeURIComponent(`@carol@${HOST}`)}&type=accounts`);
    assert.equal(byAddress.body.accounts.length, 1);
    assert.equal((await get('/api/v2/search?q=car&type=people')).status, 422);
    assert.equal((await get('/api/v2/search')).status, 422);
    assert.equal((await get('/api/v2/search?q=car', readOnly)).status, 200);
  });

  it('serves each user a cacheable PNG avatar, 404 for nobody', async () => {
    const reply = await h.app.inject({ method: 'GET', url: '/avatars/alice.png' });
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.headers['content-type'], 'image/png');
    assert.match(String(reply.headers['cache-control']), /public, max-age=\d+/);
    assert.deepEqual(reply.rawPayload, solidPng(AVATAR_SIZE, avatarColour('alice')));
    assert.equal((await h.app.inject({ method: 'GET', url: '/avatars/nobody.png' })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: '/avatars/alice.gif' })).statusCode, 404);
    assert.equal((await h.app.inject({ method: 'GET', url: '/avatars/a.png' })).statusCode, 404);
  });
});

describe('the avatar PNG', () => {
  it('is a valid 48x48 RGB PNG of one colour, with correct chunk CRCs', () => {
    const colour = avatarColour('alice');
    const png = solidPng(AVATAR_SIZE, colour);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.toString('ascii', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
      chunks.push({ type, data });
      at += 12 + length;
    }
    assert.deepEqual(
      chunks.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    const ihdr = chunks[0]!.data;
    assert.equal(ihdr.readUInt32BE(0), 48);
    assert.equal(ihdr.readUInt32BE(4), 48);
    assert.deepEqual([ihdr[8], ihdr[9]], [8, 2]);
    const raw = inflateSync(chunks[1]!.data);
    assert.equal(raw.length, 48 * (1 + 48 * 3));
    for (let y = 0; y < 48; y++) {
      const row = raw.subarray(y * 145, (y + 1) * 145);
      assert.equal(row[0], 0);
      for (let x = 0; x < 48; x++) assert.deepEqual([...row.subarray(1 + x * 3, 4 + x * 3)], colour);
    }
  });

  it('gives different users different colours, the same user the same one', () => {
    assert.deepEqual(avatarColour('alice'), avatarColour('alice'));
    const colours = new Set(['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => avatarColour(u).join()));
    assert.ok(colours.size >= 4);
    for (const channel of avatarColour('bob')) assert.ok(channel >= 0 && channel <= 255);
  });
});

describe('account query helpers', () => {
  it('reads Rails booleans', () => {
    for (const value of ['true', '1', 'on', 'yes', 'TRUE', true]) assert.equal(queryFlag(value), true, String(value));
    for (const value of ['false', '0', 'f', 'off', 'FALSE', '', undefined, false]) assert.equal(queryFlag(value), false, String(value));
    assert.equal(queryFlag(['true', 'false']), false, 'the last of repeated values');
  });

  it('reads only our own host in user@host', () => {
    assert.equal(localName('@alice', 'c.test'), 'alice');
    assert.equal(localName('alice@C.test', 'c.test'), 'alice');
    assert.equal(localName('alice@other.test', 'c.test'), undefined);
  });
});

describe('Mastodon accounts through masto.js', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    h = await openHarness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  after(() => h.close());

  it('verifies credentials, looks up, follows, reads relationships and lists statuses', async () => {
    const token = await signUp(h.app, 'alice');
    await signUp(h.app, 'bob');
    for (let i = 0; i < 3; i++) await h.social.trustedActor('bob').post(`bob says ${i}`);
    const masto = createRestAPIClient({ url, accessToken: token });

    const me = await masto.v1.accounts.verifyCredentials();
    assert.equal(me.username, 'alice');
    assert.equal(me.source.privacy, 'public');

    const bob = await masto.v1.accounts.lookup({ acct: 'bob' });
    assert.equal(bob.id, accountId('bob'));
    assert.equal(bob.statusesCount, 3);

    const relationship = await masto.v1.accounts.$select(bob.id).follow();
    assert.equal(relationship.following, true);
    assert.equal(await h.social.isFollowing('alice', 'bob'), true);

    const [rel] = await masto.v1.accounts.relationships.fetch({ id: [bob.id] });
    assert.equal(rel?.following, true);
    assert.equal(rel?.followedBy, false);

    const statuses = await masto.v1.accounts.$select(bob.id).statuses.list({ limit: 2 });
    assert.deepEqual(
      statuses.map((s) => s.content),
      ['<p>bob says 2</p>', '<p>bob says 1</p>'],
    );
    const pages = [];
    for await (const page of masto.v1.accounts.$select(bob.id).statuses.list({ limit: 2 })) pages.push(page.length);
    assert.deepEqual(pages, [2, 1], 'masto.js follows the Link header to the end');

    const search = await masto.v2.search.list({ q: 'bo', type: 'accounts' });
    assert.deepEqual(
      search.accounts.map((a) => a.username),
      ['bob'],
    );
    await assert.rejects(
      masto.v1.accounts.lookup({ acct: 'nobody' }),
      (error: Error & { statusCode?: number }) => error.statusCode === 404,
    );
  });
});
