import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { SocialClient } from '../../src/clients/social-client.js';
import { statusId } from '../../src/domain/mastodon-ids.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import type { KV } from '../../src/kv/kv.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

interface Frame {
  stream: string[];
  event: string;
  payload: string;
}

/** A socket that collects frames; `next` waits for the next one matching. */
async function connect(url: string, options?: WebSocket.ClientOptions, protocols?: string[]) {
  const socket = new WebSocket(url, protocols, options);
  const frames: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  await once(socket, 'open');
  const next = (match: (f: Frame) => boolean, timeoutMs = 2000) =>
    new Promise<Frame>((resolve, reject) => {
      const seen = frames.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`)), timeoutMs);
      waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  return { socket, frames, next };
}

function refusal(url: string, options?: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options);
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => {});
  });
}

const wsUrl = (app: FastifyInstance, query = '') => {
  const address = app.server.address() as { port: number };
  return `ws://127.0.0.1:${address.port}/api/v1/streaming${query}`;
};

describe('the streaming API, in process', () => {
  let kv: KV;
  let readModel: ReadModel;
  let social: SocialService;
  let auth: AuthService;
  let app: FastifyInstance;
  let alice: string;
  let bob: string;

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    readModel = await ReadModel.start({ kv });
    social = new SocialService({ kv, readModel });
    auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    app = await buildApp({ auth, social });
    await app.listen({ host: '127.0.0.1', port: 0 });
    alice = (await auth.signUp('alice', 'a fine password')).token;
    bob = (await auth.signUp('bob', 'a fine password')).token;
    await auth.signUp('carol', 'a fine password');
    await social.trustedActor('alice').follow('bob');
  });
  after(async () => {
    await app.close();
    await readModel.close();
    await kv.close();
  });

  it('refuses a socket without a valid token before the upgrade', async () => {
    assert.equal(await refusal(wsUrl(app, '?stream=public')), 401);
    assert.equal(await refusal(wsUrl(app, '?stream=public&access_token=nonsense')), 401);
    assert.equal(await refusal(wsUrl(app, `?stream=nonsense&access_token=${alice}`)), 422);
    const plain = await app.inject({ method: 'GET', url: '/api/v1/streaming', headers: { authorization: `Bearer ${alice}` } });
    assert.equal(plain.statusCode, 422);
    assert.match(plain.json().error, /WebSocket/);
    const health = await app.inject({ method: 'GET', url: '/api/v1/streaming/health' });
    assert.equal(health.body, 'OK');
  });

  it('streams public and user updates as Status JSON text, and deletes', async () => {
    const pub = await connect(wsUrl(app, `?stream=public&access_token=${bob}`));
    const user = await connect(wsUrl(app, '?stream=user'), { headers: { authorization: `Bearer ${alice}` } });
    const byProtocol = await connect(wsUrl(app), undefined, [alice]);
    assert.equal(byProtocol.socket.protocol, alice, 'the token protocol is echoed back');
    byProtocol.socket.send(JSON.stringify({ type: 'subscribe', stream: 'public:local' }));
    await new Promise((r) => setTimeout(r, 100));

    const post = await social.trustedActor('bob').post('hello <streams>');
    const id = statusId(post.id);
    const publicFrame = await pub.next((f) => f.event === 'update');
    assert.deepEqual(publicFrame.stream, ['public']);
    const status = JSON.parse(publicFrame.payload);
    assert.equal(status.id, id);
    assert.equal(status.content, '<p>hello &lt;streams&gt;</p>');
    assert.equal(status.account.username, 'bob');
    assert.equal(status.account.statuses_count, 1);
    const userFrame = await user.next((f) => f.event === 'update');
    assert.deepEqual(userFrame.stream, ['user']);
    assert.equal(JSON.parse(userFrame.payload).id, id);
    const localFrame = await byProtocol.next((f) => f.event === 'update');
    assert.deepEqual(localFrame.stream, ['public:local']);

    // carol is not followed by alice: public sees it, alice's user stream does not.
    const other = await social.trustedActor('carol').post('not for alice');
    await pub.next((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(other.id));
    // alice's own post is on her user stream.
    const own = await social.trustedActor('alice').post('my own');
    await user.next((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(own.id));
    assert.ok(!user.frames.some((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(other.id)));

    await social.trustedActor('bob').deletePost(post.id);
    const deleted = await pub.next((f) => f.event === 'delete');
    assert.equal(deleted.payload, id);

    byProtocol.socket.send(JSON.stringify({ type: 'unsubscribe', stream: 'public:local' }));
    byProtocol.socket.send('not json');
    await byProtocol.next((f) => (f as unknown as { error?: string }).error === 'Invalid JSON');
    for (const c of [pub, user, byProtocol]) c.socket.close();
  });

  it('keeps streaming to others when a client goes away or stops reading', async () => {
    const gone = await connect(wsUrl(app, `?stream=public&access_token=${bob}`));
    const stalled = await connect(wsUrl(app, `?stream=public&access_token=${bob}`));
    stalled.socket.pause();
    const live = await connect(wsUrl(app, `?stream=public&access_token=${alice}`));
    assert.equal(await refusal(wsUrl(app, '?stream=user&access_token=')), 401);
    gone.socket.terminate();
    const text = 'x'.repeat(250);
    for (let i = 0; i < 40; i++) await social.trustedActor('bob').post(`${text} ${i}`);
    const post = await social.trustedActor('bob').post('the last one');
    await live.next((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(post.id));
    assert.ok(stalled.frames.length < 42, 'the stalled client read nothing more');
    live.socket.close();
    stalled.socket.terminate();
  });

  it('ends the sockets of a session that logged out: the service reads as no one without a live token', async () => {
    const session = await auth.logIn('alice', 'a fine password');
    const ending = await connect(wsUrl(app, `?stream=public&access_token=${session.token}`));
    const staying = await connect(wsUrl(app, `?stream=public&access_token=${bob}`));
    const closed = once(ending.socket, 'close');
    await auth.logOut(session.token);
    const post = await social.trustedActor('carol').post('after the logout');
    await staying.next((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(post.id));
    const [code, reason] = await closed;
    assert.deepEqual([code, String(reason)], [1008, 'Session ended']);
    assert.ok(!ending.frames.some((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(post.id)));
    assert.equal(await refusal(wsUrl(app, `?stream=public&access_token=${session.token}`)), 401);
    staying.socket.close();
  });
});

describe('the streaming API across web instances over gRPC', () => {
  let kv: KV;
  let readModel: ReadModel;
  let social: SocialService;
  let auth: AuthService;
  let server: GrpcServer;
  const clients: SocialClient[] = [];
  const apps: FastifyInstance[] = [];
  let token: string;

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    readModel = await ReadModel.start({ kv });
    social = new SocialService({ kv, readModel });
    auth = new AuthService({ kv, passwordHashing: FAST_HASHING });
    server = await startGrpcServer('127.0.0.1', 0, [socialGrpcService(social, () => {})]);
    for (let i = 0; i < 2; i++) {
      const client = new SocialClient({ addresses: [`127.0.0.1:${server.port}`], deadlineMs: 5000 });
      clients.push(client);
      const app = await buildApp({ auth, social: client });
      await app.listen({ host: '127.0.0.1', port: 0 });
      apps.push(app);
    }
    token = (await auth.signUp('writer', 'a fine password')).token;
  });
  after(async () => {
    for (const app of apps) await app.close();
    for (const client of clients) client.close();
    await server.close(1000);
    await readModel.close();
    await kv.close();
  });

  it('delivers a post written through one instance to a stream held on the other within a second', async () => {
    const stream = await connect(wsUrl(apps[1]!, `?stream=user&access_token=${token}`));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const response = await apps[0]!.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: { authorization: `Bearer ${token}` },
      payload: { status: 'across instances' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const frame = await stream.next((f) => f.event === 'update', 1000);
    assert.ok(Date.now() - started < 1000);
    assert.equal(JSON.parse(frame.payload).content, '<p>across instances</p>');
    stream.socket.close();
  });

  it('subscribes again after the social instance restarts', async () => {
    const stream = await connect(wsUrl(apps[0]!, `?stream=public&access_token=${token}`));
    await new Promise((r) => setTimeout(r, 200));
    const port = server.port;
    await server.close(100);
    server = await startGrpcServer('127.0.0.1', port, [socialGrpcService(social, () => {})]);
    // The hub resubscribes with backoff; posts written meanwhile are not replayed, so keep posting.
    const deadline = Date.now() + 5000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const post = await social.trustedActor('writer').post(`after restart ${Date.now()}`);
      seen = await stream
        .next((f) => f.event === 'update' && JSON.parse(f.payload).id === statusId(post.id), 300)
        .then(() => true)
        .catch(() => false);
    }
    assert.ok(seen, 'no update arrived after the restart');
    stream.socket.close();
  });
});
