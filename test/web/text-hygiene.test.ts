import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { accountId, statusId } from '../../src/domain/mastodon-ids.js';
import { DEFAULT_ROOT, keyspace } from '../../src/kv/keys.js';
import { BAD_TEXTS, malformedValues, writesSince } from '../helpers/bad-texts.js';
import { type ApiReply, api, type Browser, type Harness, openHarness, register, signedUpBrowser, signUp } from './web-harness.js';

/**
 * Issue 14's bad texts (a lone surrogate, U+202E left open, a C1 control,
 * a letter with 279 combining marks) on every web path that keeps text:
 * the Mastodon API (statuses, update_credentials, apps, passwords; JSON,
 * urlencoded and multipart), and the page forms (post, reply, Settings).
 * Each is refused with a message, and nothing is written. Every JSON
 * answer is valid UTF-8 with no escaped half character in it.
 */

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A multipart/form-data body, as masto.js sends it. */
function multipart(fields: Record<string, string>): { payload: string; contentType: string } {
  const boundary = 'chorus-text-hygiene';
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return { payload: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The answer's bytes are UTF-8, and (for JSON) no string in it is half a character. */
function assertWellFormedAnswer(response: LightMyRequestResponse): void {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(response.rawPayload);
  if (String(response.headers['content-type']).includes('json')) {
    assert.doesNotMatch(text, /(?<!\\)(?:\\\\)*\\ud[89a-f]/i, `an escaped half character in ${text.slice(0, 200)}`);
  }
}

function assertRefused(reply: ApiReply, message: RegExp, what: string): void {
  assert.equal(reply.status, 422, `${what}: ${reply.status} ${reply.text}`);
  assert.match(reply.body.error, message, what);
}

describe('text hygiene on every web path', () => {
  let h: Harness;
  let token: string;
  let ben: Browser;
  let benPost: string;
  before(async () => {
    h = await openHarness();
    token = await signUp(h.app, 'ann');
    ben = await signedUpBrowser(h.app, 'ben');
    benPost = (await h.social.trustedActor('ben').post('something to answer')).id;
  });
  after(async () => {
    await h.close();
  });

  /** Runs `attempt` and checks that it wrote nothing. */
  async function writesNothing(what: string, attempt: () => Promise<void>): Promise<void> {
    const revision = await h.kv.revision();
    await attempt();
    assert.deepEqual(await writesSince(h.kv, DEFAULT_ROOT, revision), [], `${what} wrote`);
  }

  /** The Mastodon API's three body kinds; a lone surrogate only fits in JSON. */
  async function eachBody(
    method: 'POST' | 'PATCH',
    url: string,
    fields: (text: string) => Record<string, string>,
    bearer: string | undefined,
    check: (reply: ApiReply, bad: (typeof BAD_TEXTS)[number], kind: string) => void,
  ): Promise<void> {
    for (const bad of BAD_TEXTS) {
      const authorization = bearer === undefined ? {} : { token: bearer };
      await writesNothing(`${url} JSON, ${bad.what}`, async () =>
        check(await api(h.app, method, url, { ...authorization, json: fields(bad.text) }), bad, 'JSON'),
      );
      if (bad.jsonOnly) continue;
      await writesNothing(`${url} form, ${bad.what}`, async () => {
        const headers = { 'content-type': 'application/x-www-form-urlencoded' };
        check(await api(h.app, method, url, { ...authorization, payload: form(fields(bad.text)), headers }), bad, 'form');
      });
      await writesNothing(`${url} multipart, ${bad.what}`, async () => {
        const { payload, contentType } = multipart(fields(bad.text));
        check(await api(h.app, method, url, { ...authorization, payload, headers: { 'content-type': contentType } }), bad, 'multipart');
      });
    }
  }

  it('POST /api/v1/statuses refuses each bad text with 422 and what is wrong, as JSON, form or multipart', async () => {
    const before = (await h.social.getProfile('ann')).posts;
    await eachBody(
      'POST',
      '/api/v1/statuses',
      (text) => ({ status: text }),
      token,
      (reply, bad, kind) => assertRefused(reply, bad.message, `${bad.what} (${kind})`),
    );
    assert.equal((await h.social.getProfile('ann')).posts, before);
  });

  it('PATCH /api/v1/accounts/update_credentials refuses each bad text in display_name and in note', async () => {
    for (const field of ['display_name', 'note']) {
      await eachBody(
        'PATCH',
        '/api/v1/accounts/update_credentials',
        (text) => ({ [field]: text }),
        token,
        (reply, bad, kind) => assertRefused(reply, bad.message, `${field}: ${bad.what} (${kind})`),
      );
    }
    const { account } = await h.social.getProfile('ann');
    assert.equal(account.displayName ?? '', '');
    assert.equal(account.bio ?? '', '');
  });

  it('POST /api/v1/apps refuses each bad text in client_name', async () => {
    await eachBody(
      'POST',
      '/api/v1/apps',
      (text) => ({ client_name: text, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' }),
      undefined,
      (reply, bad, kind) => assertRefused(reply, bad.message, `client_name: ${bad.what} (${kind})`),
    );
  });

  it('passwords may hold any character, but not half of one, at sign-up and at a change', async () => {
    const odd = 'pass \u202e\u0085 a\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301 word';
    const signedUp = await register(h.app, { username: 'odd_pass', password: odd, agreement: true, locale: 'en' });
    assert.equal(signedUp.status, 200, signedUp.text);
    await writesNothing('a sign-up with half a character', async () => {
      const reply = await register(h.app, { username: 'half_pass', password: 'correct \ud800 horse', agreement: true, locale: 'en' });
      assertRefused(reply, /unpaired surrogate/, 'sign-up');
    });
    await writesNothing('a password change to half a character', async () => {
      const reply = await api(h.app, 'PUT', '/api/v1/chorus/password', {
        token,
        json: { current_password: 'correct horse', new_password: 'new \udfff password' },
      });
      assertRefused(reply, /unpaired surrogate/, 'password change');
    });
  });

  it('a lone surrogate in any JSON body is refused before any route reads it', async () => {
    const bodies: Array<[string, string, unknown]> = [
      ['POST', '/oauth/token', { grant_type: 'password', client_id: '\ud800', client_secret: 'x', username: 'ann', password: 'y' }],
      ['POST', '/api/v1/markers', { 'notifications\ud800': { last_read_id: '1' } }],
      ['POST', '/api/v1/apps', { client_name: 'fine', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', website: 'https://a.example/\ud800' }],
      ['POST', '/api/v1/accounts', { username: 'surrogate', password: 'correct horse', agreement: true, locale: '\udc00' }],
    ];
    for (const [method, url, body] of bodies) {
      await writesNothing(url, async () => {
        const response = await h.app.inject({
          method: method as 'POST',
          url,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        assert.ok(response.statusCode === 400 || response.statusCode === 422, `${url}: ${response.statusCode} ${response.body}`);
        assert.match(response.body, /not valid Unicode/, url);
        assertWellFormedAnswer(response);
      });
    }
  });

  it('half a character cannot come in through a path, a query or a form, and no answer carries one', async () => {
    // WTF-8's bytes for U+D800: what percent-encoding a lone surrogate would give, were that allowed.
    const half = '%ED%A0%80';
    const probes = [
      h.app.inject({ url: `/api/v1/accounts/lookup?acct=${half}` }),
      h.app.inject({ url: `/api/v1/accounts/${half}` }),
      h.app.inject({ url: `/api/v1/timelines/tag/${half}` }),
      h.app.inject({ url: `/api/v2/search?q=${half}`, headers: { authorization: `Bearer ${token}` } }),
      // Messages that quote input cut it by characters, not by halves of one.
      h.app.inject({
        method: 'POST',
        url: '/api/v1/markers',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `${'a'.repeat(63)}%F0%9F%98%80[last_read_id]=1`,
      }),
      h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `client_name=x&redirect_uris=${'u'.repeat(79)}%F0%9F%98%80&scopes=${'r'.repeat(63)}%F0%9F%98%80`,
      }),
      h.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `client_name=x&redirect_uris=urn:ietf:wg:oauth:2.0:oob&scopes=${'r'.repeat(63)}%F0%9F%98%80`,
      }),
      h.app.inject({ url: `/u/${half}` }),
      h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: `status=${half}`,
      }),
      h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: Buffer.from([...Buffer.from('status=raw '), 0xed, 0xa0, 0x80]),
      }),
    ];
    const responses = await Promise.all(probes);
    for (const response of responses) assertWellFormedAnswer(response);
    const quoted = responses.slice(4, 7).map((response) => JSON.parse(response.body).error);
    assert.match(quoted[0], /^Unknown timeline "a{63}😀"/);
    assert.match(quoted[1], /^"u{79}😀" is not an absolute URI/);
    assert.match(quoted[2], /^Unknown scope "r{63}😀"/);
    assert.deepEqual(await malformedValues(h.kv, DEFAULT_ROOT), []);
  });

  it('half a character stored before the rule is served as U+FFFD, never as an escape', async () => {
    // Read from the store: the watch-fed view takes posts as immutable, and this test rewrites one in place.
    const old = await openHarness({ reads: 'store' });
    try {
      const authorization = `Bearer ${await signUp(old.app, 'ann')}`;
      const post = await old.social.trustedActor('ann').post('written before the rule');
      await old.social.trustedActor('ann').updateProfile({ displayName: 'Ann' });
      // As an older version could have stored them: straight into the records.
      const keys = keyspace();
      for (const [key, field] of [
        [keys.authorPost('ann', post.id), 'text'],
        [keys.account('ann'), 'displayName'],
      ] as const) {
        const stored = await old.kv.get(key);
        assert.ok(stored, key);
        await old.kv.put(key, JSON.stringify({ ...JSON.parse(stored.value), [field]: 'half \ud800 stored' }));
      }
      assert.equal((await malformedValues(old.kv, DEFAULT_ROOT)).length, 2, 'the check sees escaped halves');
      assert.equal((await old.social.getPost(post.id)).text, 'half \ud800 stored');
      const answers = await Promise.all([
        old.app.inject({ url: `/api/v1/statuses/${statusId(post.id)}` }),
        old.app.inject({ url: `/api/v1/accounts/${accountId('ann')}/statuses`, headers: { authorization } }),
        old.app.inject({ url: `/api/v1/accounts/${accountId('ann')}` }),
        old.app.inject({ url: `/p/${post.id}` }),
      ]);
      for (const answer of answers) {
        assert.equal(answer.statusCode, 200, answer.body);
        assertWellFormedAnswer(answer);
        // U+FFFD, as the character on a page and as its escape in JSON.
        assert.match(answer.body, /half (?:\ufffd|\\ufffd) stored/);
      }
    } finally {
      await old.close();
    }
  });

  it('the page forms refuse each bad text beside the box with 400, kept as typed, and write nothing', async () => {
    for (const bad of BAD_TEXTS.filter((b) => !b.jsonOnly)) {
      const attempts: Array<[string, string, Record<string, string>, string]> = [
        ['/', '/posts', { text: bad.text }, 'text'],
        [`/p/${benPost}`, `/p/${benPost}/reply`, { text: bad.text }, 'text'],
        ['/settings', '/settings/profile', { displayName: bad.text, bio: '' }, 'displayName'],
        ['/settings', '/settings/profile', { displayName: '', bio: bad.text }, 'bio'],
      ];
      for (const [page, action, fields, field] of attempts) {
        await writesNothing(`${action} with ${bad.what}`, async () => {
          const reply = await ben.submit(page, action, fields);
          assert.equal(reply.status, 400, `${action}, ${bad.what}: ${reply.status}`);
          const error = new RegExp(`id="field-${field}-error"[^>]*>([^<]*)<`).exec(reply.body)?.[1] ?? '';
          assert.match(error, bad.message, `${action}, ${bad.what}`);
          assert.ok(reply.body.includes(bad.text), 'kept as typed');
        });
      }
    }
  });

  it('keeps right-to-left writing and balanced direction controls, on the API and the pages', async () => {
    const text = 'שלום \u2067עולם\u2069 and \u202bnested\u202c, e\u0301\u0302';
    const posted = await api(h.app, 'POST', '/api/v1/statuses', { token, json: { status: text } });
    assert.equal(posted.status, 200, posted.text);
    assert.equal((await h.social.listPosts('ann')).items[0]!.text, text);
    const page = await ben.submit('/settings', '/settings/profile', { displayName: '\u202eben\u202c', bio: text });
    assert.equal(page.status, 303);
    const { account } = await h.social.getProfile('ben');
    assert.equal(account.displayName, '\u202eben\u202c');
    assert.equal(account.bio, text);
  });
});
