import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AuthClient } from '../../src/clients/auth-client.js';
import { SocialClient } from '../../src/clients/social-client.js';
import { DomainError } from '../../src/domain/errors.js';
import type { ActedStatus } from '../../src/domain/social.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import type { KV } from '../../src/kv/kv.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { authGrpcService } from '../../src/services/auth/grpc.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { rejectsWith } from '../helpers/fixtures.js';

/**
 * The gRPC edge on its own: the generated clients against the adapters,
 * errors crossing the wire as the same DomainError, and the health and
 * reflection services that grpcurl and load balancers rely on.
 */
const require = createRequire(import.meta.url);
const light = { memoryCost: 256, timeCost: 1, parallelism: 1 };
/** The end user's address, which the web tier passes with every call that counts attempts per address. */
const IP = '127.0.0.1';

function loadService(file: string, includeDir: string) {
  const definition = protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, enums: String });
  return grpc.loadPackageDefinition(definition);
}

describe('gRPC services', () => {
  let kv: KV;
  let server: GrpcServer;
  let auth: AuthClient;
  let social: SocialClient;
  const internalErrors: unknown[] = [];

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    const onError = (e: unknown) => internalErrors.push(e);
    server = await startGrpcServer('127.0.0.1', 0, [
      authGrpcService(new AuthService({ kv, passwordHashing: light }), onError),
      socialGrpcService(new SocialService({ kv }), onError),
    ]);
    const addresses = [`127.0.0.1:${server.port}`];
    auth = new AuthClient({ addresses, deadlineMs: 5000 });
    social = new SocialClient({ addresses, deadlineMs: 5000 });
  });
  after(async () => {
    auth.close();
    social.close();
    await server.close(1000);
    await kv.close();
  });

  it('round-trips the domain through the wire', async () => {
    const session = await auth.signUp('Grpc_User', 'a fine password', IP);
    assert.equal(session.account.username, 'grpc_user');
    assert.deepEqual(await auth.authenticate(session.token), session.account);
    const other = await auth.signUp('other_user', 'a fine password', IP);
    await social.as(session.token).follow('other_user');
    const post = await social.as(other.token).post('hello over gRPC', 'key-1');
    assert.deepEqual(await social.as(other.token).post('hello over gRPC', 'key-1'), post);
    assert.deepEqual((await social.as(session.token).homeFeed()).page, { items: [post], next: null });
    assert.deepEqual(await social.publicTimeline(), { items: [post], next: null });
    const profile = await social.getProfile('other_user');
    assert.equal(profile.followers, 1);
    assert.equal(profile.posts, 1);
  });

  it('lists and revokes sessions over the wire, user agent included', async () => {
    const first = await auth.signUp('session_user', 'a fine password', '127.0.0.1', 'Test Browser/1.0');
    const second = await auth.logIn('session_user', 'a fine password', '127.0.0.1', 'Other Browser/2.0');
    const sessions = await auth.listSessions(first.token);
    assert.deepEqual(
      sessions.map((s) => [s.userAgent, s.current]),
      [
        ['Other Browser/2.0', false],
        ['Test Browser/1.0', true],
      ],
    );
    assert.ok(sessions.every((s) => s.lastSeenMs >= s.createdAtMs && s.createdAtMs > 0));
    await auth.revokeSession(first.token, sessions[0]!.id);
    await assert.rejects(auth.authenticate(second.token), { code: 'unauthenticated' });
    await assert.rejects(auth.revokeSession(first.token, sessions[0]!.id), { code: 'not_found' });
  });

  it('turns a service error back into the same DomainError, field included', async () => {
    await assert.rejects(auth.signUp('grpc_user', 'a fine password', IP), (e: unknown) => {
      assert.ok(e instanceof DomainError);
      assert.equal(e.code, 'conflict');
      return true;
    });
    await assert.rejects(auth.signUp('x', 'a fine password', IP), (e: unknown) => {
      assert.ok(e instanceof DomainError);
      assert.equal(e.code, 'invalid');
      assert.equal(e.field, 'username');
      assert.match(e.message, /3 to 30/);
      return true;
    });
    await assert.rejects(social.getProfile('nobody_here'), { code: 'not_found' });
    await assert.rejects(social.listPosts('grpc_user', 20, '%%%'), { code: 'invalid' });
    await assert.rejects(auth.authenticate('forged'), { code: 'unauthenticated' });
    assert.deepEqual(internalErrors, []);
  });

  it('refuses sign-up, log-in and the password grant without the client address the per-address limits count', async () => {
    const missing = rejectsWith('invalid', undefined, 'client_ip');
    await assert.rejects(auth.signUp('no_address', 'a fine password'), missing);
    await assert.rejects(auth.signUp('no_address', 'a fine password', 'not-an-address'), missing);
    // Refused before anything was written: the name is still free.
    await auth.signUp('no_address', 'a fine password', IP);
    await assert.rejects(auth.logIn('no_address', 'a fine password'), missing);
    await assert.rejects(auth.logIn('no_address', 'a fine password', '   '), missing);
    await auth.logIn('no_address', 'a fine password', '::1');
    const app = await auth.registerApp({ name: 'No address', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read', website: '' });
    const client = { clientId: app.clientId, clientSecret: app.clientSecret };
    await assert.rejects(auth.passwordGrant(client, 'no_address', 'a fine password', 'read'), missing);
    assert.deepEqual((await auth.passwordGrant(client, 'no_address', 'a fine password', 'read', IP)).scopes, ['read']);
    const appToken = await auth.clientCredentialsGrant(client, 'read');
    await assert.rejects(auth.appSignUp(appToken.token, 'no_address_2', 'a fine password'), missing);
    await auth.appSignUp(appToken.token, 'no_address_2', 'a fine password', IP);
    assert.deepEqual(internalErrors, []);
  });

  it('batches concurrent feed requests, each with its own answer or error', async () => {
    const reader = await auth.signUp('batch_reader', 'a fine password', IP);
    await social.as(reader.token).follow('other_user');
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 10 === 9 ? social.as('A'.repeat(43)).homeFeed() : social.as(reader.token).homeFeed(1 + (i % 3)),
    );
    const results = await Promise.allSettled(calls);
    results.forEach((result, i) => {
      if (i % 10 === 9) {
        assert.equal(result.status, 'rejected');
        assert.ok((result as PromiseRejectedResult).reason instanceof DomainError);
        assert.equal((result as PromiseRejectedResult).reason.code, 'unauthenticated');
      } else {
        assert.equal(result.status, 'fulfilled');
        const feed = (result as PromiseFulfilledResult<Awaited<(typeof calls)[number]>>).value;
        assert.equal(feed.account.username, 'batch_reader');
        assert.equal(feed.page.items.length, 1);
        assert.equal(feed.page.items[0]!.text, 'hello over gRPC');
      }
    });
  });

  it('batches concurrent posts, each its own transaction with its own answer', async () => {
    const writer = await auth.signUp('batch_writer', 'a fine password', IP);
    const calls = Array.from({ length: 30 }, (_, i) =>
      social.as(i === 7 ? 'B'.repeat(43) : writer.token).post(i === 11 ? '   ' : `batched ${i}`),
    );
    const results = await Promise.allSettled(calls);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as DomainError).code)),
      results.map((_, i) => (i === 7 ? 'unauthenticated' : i === 11 ? 'invalid' : 'ok')),
    );
    assert.equal((await social.getProfile('batch_writer')).posts, 28);
  });

  it('batches concurrent favourites and reblogs, each with the status it left or its own error', async () => {
    const author = await auth.signUp('batch_author', 'a fine password', IP);
    const fan = await auth.signUp('batch_fan', 'a fine password', IP);
    const post = await social.as(author.token).post('favourite me');
    const fans = social.as(fan.token);
    const results = await Promise.allSettled([
      fans.favourite(post.id),
      fans.reblog(post.id),
      fans.favourite('0000000aa00000001'),
      social.as('B'.repeat(43)).favourite(post.id),
      fans.unfavourite(post.id),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value.viewer : (r.reason as DomainError).code)),
      ['batch_fan', 'batch_fan', 'not_found', 'unauthenticated', 'batch_fan'],
    );
    const reblogged = (results[1] as PromiseFulfilledResult<ActedStatus>).value;
    assert.equal(reblogged.post?.reblogOf, post.id);
    assert.deepEqual(
      (await fans.unreblog(post.id)).described.posts.map((view) => [view.post.id, view.reblogs, view.reblogged]),
      [[post.id, 0, false]],
    );
  });

  it('reports unavailable, not a crash, when no instance answers', async () => {
    const nowhere = new SocialClient({ addresses: ['127.0.0.1:1'], deadlineMs: 300 });
    await assert.rejects(nowhere.getProfile('grpc_user'), { code: 'unavailable' });
    nowhere.close();
  });

  it('serves server reflection listing both services', async () => {
    const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const pkg = loadService(reflectionProto, path.resolve(path.dirname(reflectionProto), '../../..')) as any;
    const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (r: any) => {
        resolve(r.list_services_response.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    client.close();
    assert.ok(names.includes('chorus.auth.v1.AuthService'), names.join());
    assert.ok(names.includes('chorus.social.v1.SocialService'), names.join());
  });

  // Last: it drains the server.
  it('serves gRPC health checking, and drains to NOT_SERVING', async () => {
    const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
    const pkg = loadService(healthProto, path.dirname(healthProto)) as any;
    const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        client.Check({ service }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))),
      );
    assert.equal(await check(''), 'SERVING');
    assert.equal(await check('chorus.social.v1.SocialService'), 'SERVING');
    assert.equal(await check('chorus.auth.v1.AuthService'), 'SERVING');
    server.drain();
    assert.equal(await check(''), 'NOT_SERVING');
    assert.equal(await check('chorus.social.v1.SocialService'), 'NOT_SERVING');
    client.close();
  });
});
