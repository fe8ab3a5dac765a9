import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countingCalls } from '../../bench/counting-calls.js';
import { countingKv } from '../../bench/counting-kv.js';
import { statusId } from '../../src/domain/mastodon-ids.js';
import { scopedToken } from './masto-harness.js';
import { api, type Harness, openHarness, signUp } from './web-harness.js';

/**
 * Issue 13: a status action through the Mastodon API is one call to the
 * social service, which checks the token and its scope itself, acts, and
 * answers the status described from a read at the action's own revision:
 * no call to the auth service, no read of the status before or after,
 * and (on the view, once it has the post) one txn in the store. A bad
 * token, a missing scope and bad input keep their answers and their
 * order: the token is judged first.
 */
describe('Mastodon status actions are one call each (issue 13)', () => {
  let h: Harness;
  const authCalls = new Map<string, number>();
  const socialCalls = new Map<string, number>();
  let store: ReturnType<typeof countingKv>;
  let fan: string;
  let id: string;

  before(async () => {
    h = await openHarness({
      wrap: {
        auth: (auth) => countingCalls(auth, authCalls),
        social: (social) => countingCalls(social, socialCalls),
        socialKv: (kv) => {
          store = countingKv(kv);
          return store.kv;
        },
      },
    });
    const author = await signUp(h.app, 'author');
    fan = await signUp(h.app, 'fan');
    const posted = await api(h.app, 'POST', '/api/v1/statuses', { token: author, json: { status: 'popular' } });
    assert.equal(posted.status, 200, posted.text);
    id = posted.body.id;
  });
  after(() => h.close());

  /** What one request cost: its reply, the calls the web tier made, and the social service's store calls. */
  async function callsOf(method: 'POST', url: string, options: Parameters<typeof api>[3]) {
    // The view first catches up with everything before, as it would between two requests of a client.
    await h.social.describePosts([]);
    for (const counter of [authCalls, socialCalls, store.calls]) counter.clear();
    const reply = await api(h.app, method, url, options);
    return {
      reply,
      web: { auth: Object.fromEntries(authCalls), social: Object.fromEntries(socialCalls) },
      store: Object.fromEntries(store.calls),
    };
  }

  it('favourites, unfavourites, reblogs and unreblogs with one call and one txn, answering the status as it then stands', async () => {
    const steps: [string, string, (body: any) => unknown, unknown][] = [
      ['favourite', 'as.favourite', (s) => [s.id, s.favourited, s.favourites_count], [id, true, 1]],
      ['favourite', 'as.favourite', (s) => [s.id, s.favourited, s.favourites_count], [id, true, 1]],
      ['unfavourite', 'as.unfavourite', (s) => [s.id, s.favourited, s.favourites_count], [id, false, 0]],
      ['reblog', 'as.reblog', (s) => [s.reblog.id, s.reblogged, s.reblog.reblogs_count, s.account.username], [id, true, 1, 'fan']],
      ['unreblog', 'as.unreblog', (s) => [s.id, s.reblogged, s.reblogs_count], [id, false, 0]],
    ];
    for (const [action, call, pick, expected] of steps) {
      const { reply, web, store } = await callsOf('POST', `/api/v1/statuses/${id}/${action}`, { token: fan });
      assert.equal(reply.status, 200, `${action}: ${reply.text}`);
      assert.deepEqual(pick(reply.body), expected, action);
      assert.deepEqual(web, { auth: {}, social: { [call]: 1 } }, action);
      assert.deepEqual(store, { txn: 1 }, `${action}: one txn, no quorum read`);
    }
  });

  it('posts with an Idempotency-Key in one call and one txn, a repeat answering the first status', async () => {
    const first = await callsOf('POST', '/api/v1/statuses', {
      token: fan,
      json: { status: 'once' },
      headers: { 'idempotency-key': 'k-1' },
    });
    assert.equal(first.reply.status, 200, first.reply.text);
    assert.deepEqual([first.reply.body.content, first.reply.body.account.username], ['<p>once</p>', 'fan']);
    assert.deepEqual(first.web, { auth: {}, social: { 'as.postStatus': 1 } });
    assert.deepEqual(first.store, { txn: 1 });
    const statuses = first.reply.body.account.statuses_count;
    const again = await callsOf('POST', '/api/v1/statuses', {
      token: fan,
      json: { status: 'once' },
      headers: { 'idempotency-key': 'k-1' },
    });
    assert.equal(again.reply.status, 200, again.reply.text);
    assert.equal(again.reply.body.id, first.reply.body.id);
    assert.equal(again.reply.body.account.statuses_count, statuses, 'stored once');
    assert.deepEqual(again.store, { txn: 1 });
  });

  it('answers a bad token before bad input, and a missing scope before a missing status, asking Auth only then', async () => {
    const forged = 'A'.repeat(43);
    const readOnly = await scopedToken(h, 'fan', 'read');
    const missing = statusId('0000000aa00000001');
    const cases: [string, string, string | undefined, unknown, number][] = [
      ['a forged token and a malformed id', '/api/v1/statuses/nope/favourite', forged, undefined, 401],
      ['a forged token and an unknown status', `/api/v1/statuses/${missing}/reblog`, forged, undefined, 401],
      ['no token and a malformed id', '/api/v1/statuses/nope/unreblog', undefined, undefined, 401],
      ['a read-only token and a malformed id', '/api/v1/statuses/nope/unfavourite', readOnly, undefined, 403],
      ['a read-only token and an unknown status', `/api/v1/statuses/${missing}/favourite`, readOnly, undefined, 403],
      ['a good token and a malformed id', '/api/v1/statuses/nope/favourite', fan, undefined, 404],
      ['a good token and an unknown status', `/api/v1/statuses/${missing}/favourite`, fan, undefined, 404],
      ['a forged token and a bad body', '/api/v1/statuses', forged, { status: 'hi', media_ids: ['1'] }, 401],
      ['a read-only token and a bad body', '/api/v1/statuses', readOnly, { status: 'hi', poll: { options: ['a'] } }, 403],
      ['a good token and a bad body', '/api/v1/statuses', fan, { status: 'hi', visibility: 'everyone' }, 422],
      ['a read-only token and a good body', '/api/v1/statuses', readOnly, { status: 'hi' }, 403],
    ];
    for (const [what, url, token, json, status] of cases) {
      const { reply } = await callsOf('POST', url, { ...(token === undefined ? {} : { token }), json });
      assert.equal(reply.status, status, `${what}: ${reply.text}`);
      assert.equal(typeof reply.body.error, 'string', what);
    }
  });
});
