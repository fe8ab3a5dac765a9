import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SocialClient } from '../../src/clients/social-client.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { findFreePort } from '../../src/supervisor/ports.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

/**
 * What the web tier's gRPC channel does when an instance cannot be reached:
 * a call that never left the client goes to another instance, or waits for
 * one, even for a method that is not safe to repeat (a post without an
 * idempotency key). Only a call that reached a server may fail as unknown.
 */
describe('gRPC channel failover for calls that never left', () => {
  let kv: EmbeddedKV;
  let server: GrpcServer;
  let port: number;
  /** The writer's session: the service posts as the owner of the token a call carries. */
  let token: string;
  const social = () => socialGrpcService(new SocialService({ kv }), () => {});

  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    ({ token } = await new AuthService({ kv, passwordHashing: FAST_HASHING }).signUp('failover_writer', 'a fine password'));
    server = await startGrpcServer('127.0.0.1', 0, [social()]);
    port = server.port;
  });
  after(async () => {
    await server.close(500);
    await kv.close();
  });

  it('sends non-idempotent calls to the live instance when another refuses connections', async () => {
    const dead = await findFreePort();
    const client = new SocialClient({ addresses: [`127.0.0.1:${dead}`, `127.0.0.1:${port}`], deadlineMs: 3000 });
    try {
      for (let i = 0; i < 20; i++) await client.as(token).post(`round robin ${i}`);
      assert.equal((await client.getProfile('failover_writer')).posts, 20);
    } finally {
      client.close();
    }
  });

  it('holds a non-idempotent call while the only instance restarts, instead of failing it', async () => {
    const client = new SocialClient({ addresses: [`127.0.0.1:${port}`], deadlineMs: 5000 });
    try {
      await client.as(token).post('before the restart');
      await server.close(500);
      const posted = client
        .as(token)
        .post('during the restart')
        .catch((error: unknown) => error);
      await sleep(300);
      server = await startGrpcServer('127.0.0.1', port, [social()]);
      assert.equal(((await posted) as { text?: string }).text, 'during the restart', `the post failed: ${String(await posted)}`);
    } finally {
      client.close();
    }
  });
});
