import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiReply, api, type Harness, openHarness, signUp } from './web-harness.js';

function assertError(reply: ApiReply, status: number, code: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.match(String(reply.headers['content-type']), /application\/json/);
  assert.equal(reply.body.error.code, code, reply.text);
  assert.equal(typeof reply.body.error.message, 'string');
  assert.ok(reply.body.error.message.length > 0);
}

describe('JSON API: bad input is a clear 4xx and writes nothing', () => {
  let h: Harness;
  let amy: string;
  let bob: string;
  before(async () => {
    h = await openHarness();
    amy = await signUp(h.app, 'amy');
    bob = await signUp(h.app, 'bob');
  });
  after(async () => {
    await h.close();
  });

  const usernames = async () => (await h.social.searchAccounts('', 100)).map((a) => a.username);
  const postCount = async (username: string) => (await h.social.getProfile(username)).posts;

  it('sign-up: malformed JSON, wrong types, missing, empty, oversized, control characters, extra fields', async () => {
    const bodies: Array<[string, string]> = [
      ['malformed JSON', '{"username": "zed", "password": '],
      ['array', '["zed", "correct horse"]'],
      ['string', '"zed"'],
      ['null', 'null'],
      ['number username', '{"username": 123, "password": "correct horse"}'],
      ['object password', '{"username": "zed", "password": {"a": 1}}'],
      ['missing password', '{"username": "zed"}'],
      ['missing username', '{"password": "correct horse"}'],
      ['empty username', '{"username": "", "password": "correct horse"}'],
      ['short password', '{"username": "zed", "password": "short"}'],
      ['long username', `{"username": "${'z'.repeat(31)}", "password": "correct horse"}`],
      ['long password', `{"username": "zed", "password": "${'p'.repeat(257)}"}`],
      ['bad characters', '{"username": "zed!", "password": "correct horse"}'],
      ['control characters', '{"username": "ze\\u0000d", "password": "correct horse"}'],
      ['extra field', '{"username": "zed", "password": "correct horse", "admin": true}'],
      ['proto pollution', '{"username": "zed", "password": "correct horse", "__proto__": {"x": 1}}'],
    ];
    for (const [name, payload] of bodies) {
      const reply = await api(h.app, 'POST', '/api/v1/accounts', { payload, headers: { 'content-type': 'application/json' } });
      assert.equal(reply.status, 400, `${name}: ${reply.text}`);
      assert.equal(reply.body.error.code, 'invalid', name);
    }
    const empty = await api(h.app, 'POST', '/api/v1/accounts', { payload: '', headers: { 'content-type': 'application/json' } });
    assertError(empty, 400, 'invalid');
    const noBody = await api(h.app, 'POST', '/api/v1/accounts');
    assertError(noBody, 400, 'invalid');
    assert.deepEqual(await usernames(), ['amy', 'bob']);
  });

  it('the message names the problem and the field', async () => {
    const reply = await api(h.app, 'POST', '/api/v1/accounts', { json: { username: 'zed', password: 'short' } });
    assertError(reply, 400, 'invalid');
    assert.match(reply.body.error.message, /Password must be 8 to 256 characters/);
    assert.equal(reply.body.error.field, 'password');
  });

  it('wrong content types are a 400, not a 415 or 500', async () => {
    const form = await api(h.app, 'POST', '/api/v1/accounts', {
      payload: 'username=zed&password=correct+horse',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(form, 400, 'invalid');
    const text = await api(h.app, 'POST', '/api/v1/accounts', {
      payload: '{"username":"zed","password":"correct horse"}',
      headers: { 'content-type': 'text/plain' },
    });
    assertError(text, 400, 'invalid');
    const xml = await api(h.app, 'POST', '/api/v1/posts', { token: amy, payload: '<p/>', headers: { 'content-type': 'application/xml' } });
    assertError(xml, 400, 'invalid');
    assert.deepEqual(await usernames(), ['amy', 'bob']);
  });

  it('409 for a taken username, whatever its case', async () => {
    assertError(await api(h.app, 'POST', '/api/v1/accounts', { json: { username: 'AMY', password: 'correct horse' } }), 409, 'conflict');
    assert.deepEqual(await usernames(), ['amy', 'bob']);
  });

  it('413 for a body over the limit, before anything runs', async () => {
    const text = 'x'.repeat(20 * 1024);
    const reply = await api(h.app, 'POST', '/api/v1/posts', { token: amy, json: { text } });
    assertError(reply, 413, 'too_large');
    const signup = await api(h.app, 'POST', '/api/v1/accounts', { json: { username: 'big', password: text } });
    assertError(signup, 413, 'too_large');
    assert.equal(await postCount('amy'), 0);
    assert.deepEqual(await usernames(), ['amy', 'bob']);
  });

  it('a JSON content type with an empty body is no body: follow, unfollow and log-out work', async () => {
    const emptyJson = (method: 'PUT' | 'DELETE', url: string, token: string) =>
      api(h.app, method, url, { token, payload: '', headers: { 'content-type': 'application/json' } });
    assert.equal((await emptyJson('PUT', '/api/v1/following/bob', amy)).status, 204);
    assert.equal(await h.social.isFollowing('amy', 'bob'), true);
    assert.equal((await emptyJson('DELETE', '/api/v1/following/bob', amy)).status, 204);
    assert.equal(await h.social.isFollowing('amy', 'bob'), false);
    const token = (await h.auth.logIn('bob', 'correct horse')).token;
    assert.equal((await emptyJson('DELETE', '/api/v1/sessions/current', token)).status, 204);
    assertError(await api(h.app, 'GET', '/api/v1/feed', { token }), 401, 'unauthenticated');
    // A body that is there must still be JSON.
    const blank = await api(h.app, 'PUT', '/api/v1/following/bob', {
      token: amy,
      payload: ' ',
      headers: { 'content-type': 'application/json' },
    });
    assertError(blank, 400, 'invalid');
  });

  it('a page form posted with a JSON content type and no body is refused as a form without its token', async () => {
    const bodiless = await api(h.app, 'POST', '/logout');
    const emptyJson = await api(h.app, 'POST', '/logout', { payload: '', headers: { 'content-type': 'application/json' } });
    assert.equal(bodiless.status, 403);
    assert.equal(emptyJson.status, 403, emptyJson.text);
    assert.match(emptyJson.text, /form has expired/);
  });

  it('posts: empty, whitespace, over 280 characters, wrong type, control characters, bad idempotency key', async () => {
    const cases: Array<[string, unknown, Record<string, string>?]> = [
      ['empty', { text: '' }],
      ['whitespace', { text: '   \n\t ' }],
      ['too long', { text: 'é'.repeat(281) }],
      ['number', { text: 42 }],
      ['null', { text: null }],
      ['missing', {}],
      ['control', { text: 'bell\u0007' }],
      ['escape', { text: 'esc\u001b[31m' }],
      ['extra field', { text: 'hi', author: 'bob' }],
      ['array', [{ text: 'hi' }]],
      ['bad key', { text: 'hi' }, { 'idempotency-key': 'x'.repeat(129) }],
      ['key with space', { text: 'hi' }, { 'idempotency-key': 'a b' }],
    ];
    for (const [name, json, headers] of cases) {
      const reply = await api(h.app, 'POST', '/api/v1/posts', { token: amy, json, headers });
      assert.equal(reply.status, 400, `${name}: ${reply.text}`);
      assert.equal(reply.body.error.code, 'invalid', name);
    }
    const long = await api(h.app, 'POST', '/api/v1/posts', { token: amy, json: { text: 'a'.repeat(281) } });
    assert.match(long.body.error.message, /at most 280/);
    // 280 emoji is 280 characters, and allowed.
    assert.equal((await api(h.app, 'POST', '/api/v1/posts', { token: amy, json: { text: '😀'.repeat(280) } })).status, 201);
    assert.equal(await postCount('amy'), 1);
  });

  it('401 for a missing, malformed or forged token on the feed and every write', async () => {
    const requests: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?]> = [
      ['feed', 'GET', '/api/v1/feed'],
      ['post', 'POST', '/api/v1/posts', { text: 'sneaky' }],
      ['delete post', 'DELETE', '/api/v1/posts/00000000000000000'],
      ['follow', 'PUT', '/api/v1/following/bob'],
      ['unfollow', 'DELETE', '/api/v1/following/bob'],
      ['logout', 'DELETE', '/api/v1/sessions/current'],
      ['logout everywhere', 'DELETE', '/api/v1/sessions'],
      ['password', 'PUT', '/api/v1/account/password', { currentPassword: 'correct horse', newPassword: 'new password' }],
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
        assert.equal(reply.body.error.code, 'unauthenticated');
        assert.equal(reply.headers['www-authenticate'], 'Bearer');
      }
    }
    assert.equal(await postCount('amy'), 1);
    assert.equal((await h.social.getProfile('bob')).followers, 0);
    assert.equal((await api(h.app, 'GET', '/api/v1/feed', { token: amy })).status, 200);
  });

  it('a cookie is not a credential for the API', async () => {
    const reply = await api(h.app, 'POST', '/api/v1/posts', {
      json: { text: 'via cookie' },
      headers: { cookie: `chorus_session=${amy}` },
    });
    assertError(reply, 401, 'unauthenticated');
    assert.equal(await postCount('amy'), 1);
  });

  it('404 for unknown users on profile, posts, followers, following and follow', async () => {
    for (const name of ['nobody', 'x', 'bad!name', 'a'.repeat(40)]) {
      for (const url of [
        `/api/v1/accounts/${encodeURIComponent(name)}`,
        `/api/v1/accounts/${encodeURIComponent(name)}/posts`,
        `/api/v1/accounts/${encodeURIComponent(name)}/followers`,
        `/api/v1/accounts/${encodeURIComponent(name)}/following`,
      ]) {
        assertError(await api(h.app, 'GET', url), 404, 'not_found');
      }
      assertError(await api(h.app, 'PUT', `/api/v1/following/${encodeURIComponent(name)}`, { token: amy }), 404, 'not_found');
      assertError(await api(h.app, 'DELETE', `/api/v1/following/${encodeURIComponent(name)}`, { token: amy }), 404, 'not_found');
    }
    assert.equal((await h.social.getProfile('amy')).following, 0);
  });

  it('404 for unknown or malformed post ids and unknown routes', async () => {
    assertError(await api(h.app, 'GET', '/api/v1/posts/00000000000000000'), 404, 'not_found');
    assertError(await api(h.app, 'GET', '/api/v1/posts/not-an-id'), 404, 'not_found');
    assertError(await api(h.app, 'DELETE', '/api/v1/posts/not-an-id', { token: amy }), 404, 'not_found');
    assertError(await api(h.app, 'GET', '/api/v1/nothing-here'), 404, 'not_found');
    assertError(await api(h.app, 'PATCH' as 'GET', '/api/v1/posts'), 404, 'not_found');
  });

  it('following yourself is a 400 and writes nothing', async () => {
    assertError(await api(h.app, 'PUT', '/api/v1/following/amy', { token: amy }), 400, 'invalid');
    assert.equal((await h.social.getProfile('amy')).following, 0);
    assert.equal((await h.social.getProfile('amy')).followers, 0);
  });

  it('400 for a bad limit or a malformed cursor on every list', async () => {
    const lists = [
      '/api/v1/accounts',
      '/api/v1/accounts/bob/followers',
      '/api/v1/accounts/bob/following',
      '/api/v1/accounts/bob/posts',
      '/api/v1/feed',
    ];
    for (const url of lists) {
      for (const limit of ['0', '101', '-1', 'abc', '1.5', '1e2', '99999']) {
        const reply = await api(h.app, 'GET', `${url}?limit=${limit}`, { token: amy });
        assert.equal(reply.status, 400, `${url} limit=${limit}: ${reply.text}`);
        assert.equal(reply.body.error.code, 'invalid');
      }
      const twice = await api(h.app, 'GET', `${url}?limit=1&limit=2`, { token: amy });
      assert.equal(twice.status, 400, `${url} with two limits`);
      assert.equal((await api(h.app, 'GET', `${url}?limit=100`, { token: amy })).status, 200, url);
    }
    for (const url of lists.slice(1)) {
      for (const cursor of ['!!!', 'bm90IGEga2V5', 'x'.repeat(300), '%00']) {
        const reply = await api(h.app, 'GET', `${url}?cursor=${cursor}`, { token: amy });
        assert.equal(reply.status, 400, `${url} cursor=${cursor}: ${reply.text}`);
        assert.equal(reply.body.error.code, 'invalid');
      }
    }
    for (const prefix of ['bad!', 'a'.repeat(31), 'é']) {
      assertError(await api(h.app, 'GET', `/api/v1/accounts?prefix=${encodeURIComponent(prefix)}`), 400, 'invalid');
    }
  });

  it('password change: bad bodies are a 400 and the password is unchanged', async () => {
    const cases: unknown[] = [
      {},
      { currentPassword: 'correct horse' },
      { currentPassword: 'correct horse', newPassword: 'short' },
      { currentPassword: 'correct horse', newPassword: 12345678 },
      { currentPassword: 1, newPassword: 'battery staple' },
      { currentPassword: 'correct horse', newPassword: 'battery staple', extra: 'x' },
    ];
    for (const json of cases) {
      const reply = await api(h.app, 'PUT', '/api/v1/account/password', { token: bob, json });
      assert.equal(reply.status, 400, `${JSON.stringify(json)}: ${reply.text}`);
    }
    const wrong = await api(h.app, 'PUT', '/api/v1/account/password', {
      token: bob,
      json: { currentPassword: 'wrong password', newPassword: 'battery staple' },
    });
    assertError(wrong, 401, 'unauthenticated');
    assert.equal((await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'bob', password: 'correct horse' } })).status, 201);
  });

  it('log in: bad bodies are a 400, never a 500', async () => {
    for (const json of [{}, { username: 'bob' }, { username: 1, password: 'x' }, { username: 'bob', password: '' }, 'bob']) {
      const reply = await api(h.app, 'POST', '/api/v1/sessions', { json });
      assert.equal(reply.status, 400, `${JSON.stringify(json)}: ${reply.text}`);
    }
    const weird = await api(h.app, 'POST', '/api/v1/sessions', { json: { username: 'b\u0000b', password: 'correct horse' } });
    assert.ok(weird.status === 400 || weird.status === 401, weird.text);
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
      'POST /api/v1/posts HTTP/1.1',
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
      assert.equal(JSON.parse(reply.body).error.code, 'too_large');
    }
    assert.equal((await h.social.getProfile('amy')).posts, 0);
  });

  it('the same for a chunked body, found too large only while it arrives, and for a page form', async () => {
    const chunkedHead = [
      'POST /api/v1/posts HTTP/1.1',
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
