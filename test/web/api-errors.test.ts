import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../../src/domain/mastodon-ids.js';
import { type ApiReply, api, type Harness, logIn, logInToken, openHarness, register, signUp, testClient } from './web-harness.js';

function assertError(reply: ApiReply, status: number): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  assert.deepEqual(Object.keys(reply.body), ['error'], reply.text);
  assert.equal(typeof reply.body.error, 'string');
  assert.ok(reply.body.error.length > 0);
}

/** A refused input: 400 when the body cannot be read, 422 when a value is wrong (as Rails answers). */
function assertRefused(reply: ApiReply, name: string): void {
  assert.ok(reply.status === 400 || reply.status === 422, `${name}: ${reply.status} ${reply.text}`);
  assert.equal(typeof reply.body.error, 'string', name);
}

describe('Mastodon API: bad input is a clear 4xx and writes nothing', () => {
  let h: Harness;
  let amy: string;
  let bob: string;
  let appToken: string;
  before(async () => {
    h = await openHarness();
    amy = await signUp(h.app, 'amy');
    bob = await signUp(h.app, 'bob');
    appToken = (await testClient(h.app)).appToken;
  });
  after(async () => {
    await h.close();
  });

  const usernames = async () => (await h.social.searchAccounts('', 100)).map((a) => a.username);
  const postCount = async (username: string) => (await h.social.getProfile(username)).posts;
  const registerRaw = (payload: string, contentType = 'application/json') =>
    api(h.app, 'POST', '/api/v1/accounts', { token: appToken, payload, headers: { 'content-type': contentType } });

  it('sign-up: malformed JSON, wrong types, missing, empty, oversized, control characters, no agreement', async () => {
    const bodies: Array<[string, string]> = [
      ['malformed JSON', '{"username": "zed", "password": '],
      ['array', '["zed", "correct horse"]'],
      ['string', '"zed"'],
      ['null', 'null'],
      ['number username', '{"username": 123, "password": "correct horse", "agreement": true}'],
      ['object password', '{"username": "zed", "password": {"a": 1}, "agreement": true}'],
      ['missing password', '{"username": "zed", "agreement": true}'],
      ['missing username', '{"password": "correct horse", "agreement": true}'],
      ['empty username', '{"username": "", "password": "correct horse", "agreement": true}'],
      ['short password', '{"username": "zed", "password": "short", "agreement": true}'],
      ['long username', `{"username": "${'z'.repeat(31)}", "password": "correct horse", "agreement": true}`],
      ['long password', `{"username": "zed", "password": "${'p'.repeat(257)}", "agreement": true}`],
      ['bad characters', '{"username": "zed!", "password": "correct horse", "agreement": true}'],
      ['control characters', '{"username": "ze\\u0000d", "password": "correct horse", "agreement": true}'],
      ['no agreement', '{"username": "zed", "password": "correct horse"}'],
      ['agreement false', '{"username": "zed", "password": "correct horse", "agreement": false}'],
    ];
    for (const [name, payload] of bodies) assertRefused(await registerRaw(payload), name);
    assertRefused(await registerRaw(''), 'empty body');
    assertRefused(await api(h.app, 'POST', '/api/v1/accounts', { token: appToken }), 'no body');
    assert.deepEqual(await usernames(), ['amy', 'bob']);
  });

  it('a __proto__ key is refused; other unknown fields are ignored, as Mastodon does', async () => {
    const polluted = await registerRaw('{"username": "zed", "password": "correct horse", "agreement": true, "__proto__": {"x": 1}}');
    assertError(polluted, 400);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.deepEqual(await usernames(), ['amy', 'bob']);
    const reply = await registerRaw('{"username": "zed", "password": "correct horse", "agreement": true, "admin": true}');
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(await usernames(), ['amy', 'bob', 'zed']);
  });

  it('the message names the problem', async () => {
    const reply = await register(h.app, { username: 'yan', password: 'short', agreement: true });
    assertError(reply, 422);
    assert.match(reply.body.error, /Password must be 8 to 256 characters/);
  });

  it('unsupported content types are a 400, not a 415 or 500; a form is a Mastodon body', async () => {
    const text = await registerRaw('{"username":"yan","password":"correct horse","agreement":true}', 'text/plain');
    assertError(text, 400);
    const xml = await api(h.app, 'POST', '/api/v1/statuses', {
      token: amy,
      payload: '<p/>',
      headers: { 'content-type': 'application/xml' },
    });
    assertError(xml, 400);
    assert.deepEqual(await usernames(), ['amy', 'bob', 'zed']);
    const form = await registerRaw('username=yan&password=correct+horse&agreement=1', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 200, form.text);
    assert.deepEqual(await usernames(), ['amy', 'bob', 'yan', 'zed']);
  });

  it('422 for a taken username, whatever its case', async () => {
    assertError(await register(h.app, { username: 'AMY', password: 'correct horse', agreement: true }), 422);
    assert.deepEqual(await usernames(), ['amy', 'bob', 'yan', 'zed']);
  });

  it('413 for a body over the limit, before anything runs', async () => {
    const text = 'x'.repeat(20 * 1024);
    const reply = await api(h.app, 'POST', '/api/v1/statuses', { token: amy, json: { status: text } });
    assertError(reply, 413);
    assert.match(reply.body.error, /too large/);
    const signup = await register(h.app, { username: 'big', password: text, agreement: true });
    assertError(signup, 413);
    assert.equal(await postCount('amy'), 0);
    assert.deepEqual(await usernames(), ['amy', 'bob', 'yan', 'zed']);
  });

  it('a JSON content type with an empty body is no body: follow, unfollow and log-out work', async () => {
    const emptyJson = (method: 'POST' | 'DELETE', url: string, token: string) =>
      api(h.app, method, url, { token, payload: '', headers: { 'content-type': 'application/json' } });
    assert.equal((await emptyJson('POST', `/api/v1/accounts/${accountId('bob')}/follow`, amy)).status, 200);
    assert.equal(await h.social.isFollowing('amy', 'bob'), true);
    assert.equal((await emptyJson('POST', `/api/v1/accounts/${accountId('bob')}/unfollow`, amy)).status, 200);
    assert.equal(await h.social.isFollowing('amy', 'bob'), false);
    const token = await logInToken(h.app, 'bob');
    assert.equal((await emptyJson('DELETE', '/api/v1/chorus/sessions/current', token)).status, 204);
    assertError(await api(h.app, 'GET', '/api/v1/timelines/home', { token }), 401);
    // A body that is there must still be JSON.
    const blank = await api(h.app, 'POST', `/api/v1/accounts/${accountId('bob')}/follow`, {
      token: amy,
      payload: ' ',
      headers: { 'content-type': 'application/json' },
    });
    assertError(blank, 400);
    assert.equal(await h.social.isFollowing('amy', 'bob'), false);
  });

  it('a page form posted with a JSON content type and no body is refused as a form without its token', async () => {
    const bodiless = await api(h.app, 'POST', '/logout');
    const emptyJson = await api(h.app, 'POST', '/logout', { payload: '', headers: { 'content-type': 'application/json' } });
    assert.equal(bodiless.status, 403);
    assert.equal(emptyJson.status, 403, emptyJson.text);
    assert.match(emptyJson.text, /form has expired/);
  });

  it('statuses: empty, whitespace, over 280 characters, wrong type, control characters, bad idempotency key', async () => {
    const cases: Array<[string, unknown, Record<string, string>?]> = [
      ['empty', { status: '' }],
      ['whitespace', { status: '   \n\t ' }],
      ['too long', { status: 'é'.repeat(281) }],
      ['number', { status: 42 }],
      ['null', { status: null }],
      ['missing', {}],
      ['control', { status: 'bell\u0007' }],
      ['escape', { status: 'esc\u001b[31m' }],
      ['array', [{ status: 'hi' }]],
      ['bad key', { status: 'hi' }, { 'idempotency-key': 'x'.repeat(129) }],
      ['key with space', { status: 'hi' }, { 'idempotency-key': 'a b' }],
    ];
    for (const [name, json, headers] of cases) {
      assertRefused(await api(h.app, 'POST', '/api/v1/statuses', { token: amy, json, headers }), name);
    }
    const long = await api(h.app, 'POST', '/api/v1/statuses', { token: amy, json: { status: 'a'.repeat(281) } });
    assertError(long, 422);
    assert.match(long.body.error, /at most 280/);
    assert.equal(await postCount('amy'), 0);
    // 280 emoji is 280 characters, and allowed.
    assert.equal((await api(h.app, 'POST', '/api/v1/statuses', { token: amy, json: { status: '😀'.repeat(280) } })).status, 200);
    assert.equal(await postCount('amy'), 1);
  });

  it('401 for a missing, malformed or forged token on the home timeline and every write', async () => {
    const bob = accountId('bob');
    const requests: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?]> = [
      ['home', 'GET', '/api/v1/timelines/home'],
      ['post', 'POST', '/api/v1/statuses', { status: 'sneaky' }],
      ['delete post', 'DELETE', `/api/v1/statuses/${'1'.repeat(27)}`],
      ['favourite', 'POST', `/api/v1/statuses/${'1'.repeat(27)}/favourite`],
      ['unfavourite', 'POST', '/api/v1/statuses/nope/unfavourite'],
      ['reblog', 'POST', `/api/v1/statuses/${'1'.repeat(27)}/reblog`],
      ['unreblog', 'POST', '/api/v1/statuses/nope/unreblog'],
      ['follow', 'POST', `/api/v1/accounts/${bob}/follow`],
      ['unfollow', 'POST', `/api/v1/accounts/${bob}/unfollow`],
      ['logout', 'DELETE', '/api/v1/chorus/sessions/current'],
      ['logout everywhere', 'DELETE', '/api/v1/chorus/sessions'],
      ['sessions', 'GET', '/api/v1/chorus/sessions'],
      ['password', 'PUT', '/api/v1/chorus/password', { current_password: 'correct horse', new_password: 'new password' }],
      ['sign-up', 'POST', '/api/v1/accounts', { username: 'sneaky', password: 'correct horse', agreement: true }],
    ];
    const credentials: Array<[string, Record<string, string>]> = [
      ['missing', {}],
      ['forged', { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
      ['not bearer', { authorization: `Basic ${amy}` }],
      ['empty bearer', { authorization: 'Bearer ' }],
      ['huge', { authorization: `Bearer ${'a'.repeat(4000)}` }],
      ['control', { authorization: 'Bearer abc\u0001def' }],
    ];
    for (const [name, method, url, json] of requests) {
      for (const [kind, headers] of credentials) {
        const reply = await api(h.app, method, url, { json, headers });
        assert.equal(reply.status, 401, `${name} with ${kind} token: ${reply.text}`);
        assert.equal(typeof reply.body.error, 'string');
        assert.equal(reply.headers['www-authenticate'], 'Bearer');
      }
    }
    assert.equal(await postCount('amy'), 1);
    assert.equal((await h.social.getProfile('bob')).followers, 0);
    assert.ok(!(await usernames()).includes('sneaky'));
    assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: amy })).status, 200);
  });

  it('a cookie is not a credential for the API', async () => {
    const reply = await api(h.app, 'POST', '/api/v1/statuses', {
      json: { status: 'via cookie' },
      headers: { cookie: `chorus_session=${amy}` },
    });
    assertError(reply, 401);
    assert.equal(await postCount('amy'), 1);
  });

  it('404 for unknown accounts on the account, statuses, followers, following, follow and unfollow', async () => {
    for (const id of [accountId('nobody'), 'x', 'bad!name', '9'.repeat(60), '0']) {
      const path = `/api/v1/accounts/${encodeURIComponent(id)}`;
      for (const url of [path, `${path}/statuses`, `${path}/followers`, `${path}/following`]) {
        assertError(await api(h.app, 'GET', url, { token: amy }), 404);
      }
      assertError(await api(h.app, 'POST', `${path}/follow`, { token: amy }), 404);
      assertError(await api(h.app, 'POST', `${path}/unfollow`, { token: amy }), 404);
    }
    assert.equal((await h.social.getProfile('amy')).following, 0);
  });

  it('404 for unknown or malformed status ids and unknown routes', async () => {
    assertError(await api(h.app, 'GET', `/api/v1/statuses/${'1'.repeat(27)}`, { token: amy }), 404);
    assertError(await api(h.app, 'GET', '/api/v1/statuses/not-an-id', { token: amy }), 404);
    assertError(await api(h.app, 'DELETE', '/api/v1/statuses/not-an-id', { token: amy }), 404);
    assertError(await api(h.app, 'GET', '/api/v1/nothing-here'), 404);
    assertError(await api(h.app, 'GET', '/api/v1/posts'), 404);
    assertError(await api(h.app, 'GET', '/api/v1/feed'), 404);
    assertError(await api(h.app, 'GET', '/api/v3/anything'), 404);
    assertError(await api(h.app, 'PATCH' as 'GET', '/api/v1/statuses'), 404);
  });

  it('following yourself is a 422 and writes nothing', async () => {
    assertError(await api(h.app, 'POST', `/api/v1/accounts/${accountId('amy')}/follow`, { token: amy }), 422);
    assert.equal((await h.social.getProfile('amy')).following, 0);
    assert.equal((await h.social.getProfile('amy')).followers, 0);
  });

  it('422 for a bad limit or a malformed max_id on every list; an over-large limit is lowered', async () => {
    const bob = accountId('bob');
    const lists = [
      '/api/v1/accounts/search?q=a&',
      `/api/v1/accounts/${bob}/followers?`,
      `/api/v1/accounts/${bob}/following?`,
      `/api/v1/accounts/${bob}/statuses?`,
      '/api/v1/timelines/home?',
    ];
    for (const url of lists) {
      for (const limit of ['0', '-1', 'abc', '1.5', '1e2']) {
        const reply = await api(h.app, 'GET', `${url}limit=${limit}`, { token: amy });
        assertError(reply, 422);
      }
      assertError(await api(h.app, 'GET', `${url}limit=1&limit=2`, { token: amy }), 422);
      assert.equal((await api(h.app, 'GET', `${url}limit=99999`, { token: amy })).status, 200, url);
    }
    for (const url of lists.slice(1)) {
      for (const cursor of ['!!!', 'bm90IGEga2V5', 'x'.repeat(300), '%00']) {
        assertError(await api(h.app, 'GET', `${url}max_id=${cursor}`, { token: amy }), 422);
      }
    }
    // A search text no username can start with finds nothing; it is not an error.
    for (const q of ['bad!', 'a'.repeat(31), 'é']) {
      const reply = await api(h.app, 'GET', `/api/v1/accounts/search?q=${encodeURIComponent(q)}`, { token: amy });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, []);
    }
  });

  it('password change: bad bodies are a 4xx and the password is unchanged', async () => {
    const cases: unknown[] = [
      {},
      { current_password: 'correct horse' },
      { current_password: 'correct horse', new_password: 'short' },
      { current_password: 'correct horse', new_password: 12345678 },
      { current_password: 1, new_password: 'battery staple' },
      'battery staple',
    ];
    for (const json of cases) {
      assertRefused(await api(h.app, 'PUT', '/api/v1/chorus/password', { token: bob, json }), JSON.stringify(json));
    }
    const wrong = await api(h.app, 'PUT', '/api/v1/chorus/password', {
      token: bob,
      json: { current_password: 'wrong password', new_password: 'battery staple' },
    });
    assertError(wrong, 422);
    assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: bob })).status, 200, 'the token still works');
    assert.equal((await logIn(h.app, 'bob', 'correct horse')).status, 200);
  });

  it('log in: bad bodies are a 400, never a 500', async () => {
    const { clientId, clientSecret } = await testClient(h.app);
    const grant = { grant_type: 'password', client_id: clientId, client_secret: clientSecret, scope: 'read' };
    for (const json of [
      {},
      { ...grant },
      { ...grant, username: 'bob' },
      { ...grant, username: 1, password: 'x' },
      { ...grant, username: 'bob', password: '' },
      'bob',
    ]) {
      const reply = await api(h.app, 'POST', '/oauth/token', { json });
      assert.ok(reply.status === 400 || reply.status === 401, `${JSON.stringify(json)}: ${reply.text}`);
      assert.equal(typeof reply.body.error, 'string');
    }
    const weird = await logIn(h.app, 'b\u0000b');
    assert.equal(weird.status, 400, weird.text);
  });
});

/**
 * Sends a request over a real socket the way a simple client does: it
 * writes the whole body (in pieces, as over a network) and only then reads
 * the answer. Resolves with the status, headers and body; a connection
 * reset while writing or reading rejects, which is the failure this guards
 * against (a reset makes the kernel drop an answer not yet read).
 */
function rawRequest(port: number, head: string, body: Buffer, chunked = false): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
    let received = Buffer.alloc(0);
    socket.pause();
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = received.subarray(0, end).toString();
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? NaN);
      if (received.length - end - 4 < length) return;
      socket.destroy();
      resolve({ status: Number(headers.split(' ')[1]), headers, body: received.subarray(end + 4).toString() });
    });
    socket.on('close', () => reject(new Error(`closed before a whole answer: ${JSON.stringify(received.toString().slice(0, 80))}`)));
    void (async () => {
      const piece = 64 * 1024;
      const write = (data: string | Buffer) =>
        new Promise<void>((done, fail) => socket.write(data, (error) => (error ? fail(error) : done())));
      try {
        await write(head);
        for (let offset = 0; offset < body.length; offset += piece) {
          const slice = body.subarray(offset, offset + piece);
          await write(chunked ? Buffer.concat([Buffer.from(`${slice.length.toString(16)}\r\n`), slice, Buffer.from('\r\n')]) : slice);
          // A slow uplink: the server has long decided by the time the rest arrives.
          if (offset % (8 * piece) === 0) await sleep(10);
        }
        if (chunked) await write('0\r\n\r\n');
        socket.resume();
      } catch (error) {
        reject(error);
      }
    })();
  });
}

describe('a body over the limit, over a real socket', () => {
  let h: Harness;
  let port: number;
  let token: string;
  const body = Buffer.alloc(2 * 1024 * 1024, 'a');
  before(async () => {
    h = await openHarness();
    token = await signUp(h.app, 'amy');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await h.close();
  });

  it('a client that writes all 2 MB always reads the 413 (20 tries, declared length)', async () => {
    const head = [
      'POST /api/v1/statuses HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n');
    for (let attempt = 0; attempt < 20; attempt++) {
      const reply = await rawRequest(port, head, body);
      assert.equal(reply.status, 413, `attempt ${attempt}: ${reply.headers}`);
      assert.match(JSON.parse(reply.body).error, /too large/);
    }
    assert.equal((await h.social.getProfile('amy')).posts, 0);
  });

  it('the same for a chunked body, found too large only while it arrives, and for a page form', async () => {
    const chunkedHead = [
      'POST /api/v1/statuses HTTP/1.1',
      'Host: 127.0.0.1',
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      'Transfer-Encoding: chunked',
      '',
      '',
    ].join('\r\n');
    const formHead = [
      'POST /posts HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: application/x-www-form-urlencoded',
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n');
    for (let attempt = 0; attempt < 5; attempt++) {
      assert.equal((await rawRequest(port, chunkedHead, body, true)).status, 413, `chunked attempt ${attempt}`);
      const page = await rawRequest(port, formHead, body);
      assert.equal(page.status, 413, `form attempt ${attempt}`);
      assert.match(page.body, /too large/);
    }
  });
});
