/**
 * Request ids across the tiers, over a real gRPC hop: the web tier keeps a
 * valid incoming X-Request-Id (or makes one), echoes it, sends it to the
 * services in metadata, where the log lines about the request carry it,
 * and a 5xx names it in its body (API) or on the page.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AuthClient } from '../../src/clients/auth-client.js';
import { isValidRequestId } from '../../src/clients/request-id.js';
import { SocialClient } from '../../src/clients/social-client.js';
import type { Social } from '../../src/domain/social.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { createLogger } from '../../src/log.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { authGrpcService } from '../../src/services/auth/grpc.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { buildApp } from '../../src/web/app.js';
import { api, signedUpBrowser, signUp } from './web-harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Log lines (JSON) written to a stream, as a log collector reads them. */
function capturedLog(name: string) {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) {
      if (!part) continue;
      raw.push(part);
      lines.push(JSON.parse(part) as Record<string, unknown>);
    }
  });
  return { logger: createLogger({ logLevel: 'info' }, name, stream), lines, raw };
}

/** The real social service, except that while `failing.on` every call fails as a bug would (an Error, not a DomainError). */
function failable(social: Social, failing: { on: boolean }): Social {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function' || property === 'watchPosts') return value;
        if (property === 'as') return (token: string) => wrap(value.call(object, token));
        return (...args: unknown[]) => (failing.on ? Promise.reject(new Error('forced failure')) : value.apply(object, args));
      },
    });
  return wrap(social);
}

describe('request ids', () => {
  const failing = { on: false };
  const service = capturedLog('social');
  const web = capturedLog('web');
  let kv: EmbeddedKV;
  let servers: GrpcServer[];
  let authClient: AuthClient;
  let socialClient: SocialClient;
  let app: FastifyInstance;

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    const auth = new AuthService({ kv, passwordHashing: { memoryCost: 1024, timeCost: 1, parallelism: 1 } });
    const social = failable(new SocialService({ kv }), failing);
    const onInternalError = (error: unknown) => service.logger.error({ err: error }, 'internal error');
    servers = [
      await startGrpcServer('127.0.0.1', 0, [authGrpcService(auth, onInternalError)]),
      await startGrpcServer('127.0.0.1', 0, [socialGrpcService(social, onInternalError)]),
    ];
    authClient = new AuthClient({ addresses: [`127.0.0.1:${servers[0]!.port}`], deadlineMs: 5000 });
    socialClient = new SocialClient({ addresses: [`127.0.0.1:${servers[1]!.port}`], deadlineMs: 5000 });
    app = await buildApp({ auth: authClient, social: socialClient, logger: web.logger });
    await app.ready();
  });
  after(async () => {
    await app.close();
    authClient.close();
    socialClient.close();
    await Promise.all(servers.map((s) => s.close(1000)));
    await kv.close();
  });

  it('makes an id for a request that brings none, and answers with it', async () => {
    const reply = await api(app, 'GET', '/api/v1/timelines/public');
    assert.equal(reply.status, 200, reply.text);
    assert.match(String(reply.headers['x-request-id']), UUID);
    const other = await api(app, 'GET', '/api/v1/timelines/public');
    assert.notEqual(other.headers['x-request-id'], reply.headers['x-request-id']);
  });

  it('keeps a valid incoming id: echoed, in the 5xx body, and in the web’s and the service’s log lines', async () => {
    const token = await signUp(app, 'alice');
    const id = 'edge-7f3a.c0ffee:42';
    failing.on = true;
    try {
      const reply = await api(app, 'GET', '/api/v1/timelines/home', { token, headers: { 'x-request-id': id } });
      assert.equal(reply.status, 500, reply.text);
      assert.equal(reply.headers['x-request-id'], id);
      assert.deepEqual(reply.body, { error: 'Something went wrong on our side.', request_id: id });
    } finally {
      failing.on = false;
    }
    const serviceLine = service.lines.find((line) => line.msg === 'internal error' && line.reqId === id);
    assert.ok(serviceLine, `no service log line with the id: ${JSON.stringify(service.lines)}`);
    assert.equal(serviceLine.name, 'social');
    assert.ok(web.lines.some((line) => line.reqId === id && line.level === 50));
    // Each line carries the id once: Fastify's request logger binds it, and log.ts must not add it again.
    const about = [...web.raw, ...service.raw].filter((line) => line.includes(id));
    assert.ok(about.length >= 3, about.join('\n'));
    for (const line of about) assert.equal(line.split('"reqId"').length, 2, line);
  });

  it('replaces an invalid incoming id', async () => {
    for (const bad of ['has spaces', 'x'.repeat(129), '<script>', 'quote"d', '']) {
      const reply = await api(app, 'GET', '/api/v1/timelines/public', { headers: { 'x-request-id': bad } });
      assert.equal(reply.status, 200, reply.text);
      assert.match(String(reply.headers['x-request-id']), UUID, JSON.stringify(bad));
    }
    assert.ok(isValidRequestId('x'.repeat(128)));
    assert.ok(!isValidRequestId('ünïcode'));
  });

  it('shows the id on a failed page, and keeps it off a client error', async () => {
    const browser = await signedUpBrowser(app, 'bob');
    failing.on = true;
    let page: Awaited<ReturnType<typeof browser.get>>;
    try {
      page = await browser.get('/');
    } finally {
      failing.on = false;
    }
    assert.equal(page.status, 500);
    const id = String(page.headers['x-request-id']);
    assert.match(id, UUID);
    assert.match(page.body, new RegExp(`quote request id <code>${id}</code>`));

    const missing = await api(app, 'GET', '/api/v1/statuses/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.request_id, undefined);
    assert.match(String(missing.headers['x-request-id']), UUID);
  });
});
