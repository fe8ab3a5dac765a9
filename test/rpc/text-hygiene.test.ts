import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AuthClient } from '../../src/clients/auth-client.js';
import { SocialClient } from '../../src/clients/social-client.js';
import { isWellFormed } from '../../src/domain/text-rules.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { authGrpcService } from '../../src/services/auth/grpc.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { BAD_TEXTS, malformedValues, writesSince } from '../helpers/bad-texts.js';
import { FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

/**
 * The services judge text themselves (the domain's parsers), so a caller
 * that is not the web tier meets the same rule over gRPC: each bad text is
 * INVALID_ARGUMENT, and nothing is written. Half a character cannot cross
 * the wire at all (protobuf strings are UTF-8): Chorus's clients refuse
 * it before sending, and what another client's encoder makes of it
 * arrives as well-formed text.
 */
const IP = '127.0.0.1';
const PROTO_ROOT = path.resolve(import.meta.dirname, '../../../proto');

describe('text hygiene over gRPC', () => {
  let kv: EmbeddedKV;
  let server: GrpcServer;
  let auth: AuthClient;
  let social: SocialClient;
  let token: string;
  before(async () => {
    kv = await EmbeddedKV.open({ path: ':memory:' });
    const fail = (error: unknown) => assert.fail(`internal error: ${String(error)}`);
    server = await startGrpcServer('127.0.0.1', 0, [
      authGrpcService(new AuthService({ kv, passwordHashing: FAST_HASHING }), fail),
      socialGrpcService(new SocialService({ kv }), fail),
    ]);
    const addresses = [`127.0.0.1:${server.port}`];
    auth = new AuthClient({ addresses, deadlineMs: 5000 });
    social = new SocialClient({ addresses, deadlineMs: 5000 });
    token = (await auth.signUp('ann', 'correct horse', IP)).token;
  });
  after(async () => {
    auth.close();
    social.close();
    await server.close(1000);
    await kv.close();
  });

  async function writesNothing(attempt: () => Promise<void>): Promise<void> {
    const revision = await kv.revision();
    await attempt();
    assert.deepEqual(await writesSince(kv, DEFAULT_ROOT, revision), []);
  }

  it('refuses each bad text in a post, a display name, a bio and an app name with INVALID_ARGUMENT', async () => {
    for (const bad of BAD_TEXTS) {
      await writesNothing(async () => {
        await assert.rejects(social.as(token).post(bad.text), rejectsWith('invalid', undefined, 'text'), bad.what);
        await assert.rejects(social.as(token).updateProfile({ displayName: bad.text }), rejectsWith('invalid'), bad.what);
        await assert.rejects(social.as(token).updateProfile({ bio: bad.text }), rejectsWith('invalid'), bad.what);
        const app = { name: bad.text, redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read', website: '' };
        await assert.rejects(auth.registerApp(app), rejectsWith('invalid'), bad.what);
      });
      if (bad.jsonOnly) continue;
      // The service's own message, across the wire.
      await assert.rejects(social.as(token).post(bad.text), (error: Error) => bad.message.test(error.message));
    }
  });

  it('refuses a password with half a character before it leaves the client', async () => {
    await writesNothing(async () => {
      await assert.rejects(auth.signUp('half_pass', 'correct \ud800 horse', IP), rejectsWith('invalid', undefined, 'password'));
      await assert.rejects(
        auth.changePassword(token, 'correct horse', 'new \udfff horse'),
        rejectsWith('invalid', undefined, 'newPassword'),
      );
    });
  });

  it('stores what a foreign client makes of half a character as well-formed text, never as half of one', async () => {
    const definition = protoLoader.loadSync('chorus/social/v1/social.proto', { includeDirs: [PROTO_ROOT], keepCase: true });
    const pkg = grpc.loadPackageDefinition(definition) as any;
    const client = new pkg.chorus.social.v1.SocialService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const answer = await new Promise<any>((resolve, reject) =>
        client.PostsAsSession({ requests: [{ token, text: 'half \ud800 sent' }] }, (error: Error | null, response: unknown) =>
          error ? reject(error) : resolve(response),
        ),
      );
      // protobufjs writes the half as three bytes no UTF-8 decoder accepts; the service reads them as U+FFFD.
      const text: string = answer.results[0].status.post.text;
      assert.ok(isWellFormed(text) && text.includes('\ufffd'), JSON.stringify(text));
      assert.deepEqual(await malformedValues(kv, DEFAULT_ROOT), []);
    } finally {
      client.close();
    }
  });
});
