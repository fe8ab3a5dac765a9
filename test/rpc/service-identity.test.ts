import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthClient } from '../../src/clients/auth-client.js';
import { SocialClient } from '../../src/clients/social-client.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import type { KV } from '../../src/kv/kv.js';
import type { CertificateFiles } from '../../src/local-tls/authority.js';
import { makeRpcCertificates, type RpcCertificates } from '../../src/local-tls/rpc-certificates.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { readRpcIdentity, serviceNames } from '../../src/rpc/tls.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { authGrpcService } from '../../src/services/auth/grpc.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';
import { credentialsOf, handshake, healthCheck, reflectedServices } from '../helpers/grpc-probe.js';

/**
 * Service identity with the credentials code the processes use, on
 * in-process servers: each service demands a certificate from the
 * deployment's CA and proves its own name; callers with anything less are
 * refused at the TLS handshake, before any service code runs.
 * test/integration/service-identity.test.ts checks the same on real processes.
 */
describe('service identity (mutual TLS)', () => {
  let dir: string;
  let ours: RpcCertificates;
  let theirs: RpcCertificates;
  let kv: KV;
  let authServer: GrpcServer;
  let socialServer: GrpcServer;
  const internalErrors: unknown[] = [];
  const identity = (certificates: RpcCertificates, files: CertificateFiles) =>
    readRpcIdentity({ ca: certificates.ca, cert: files.cert, key: files.key });
  const signUpOverTls = async (username: string) => {
    const auth = new AuthClient({ addresses: [`127.0.0.1:${authServer.port}`], deadlineMs: 5000, identity: identity(ours, ours.web) });
    try {
      return await auth.signUp(username, 'a fine password', '127.0.0.1');
    } finally {
      auth.close();
    }
  };
  const servers = () => [
    { name: serviceNames.auth, port: authServer.port },
    { name: serviceNames.social, port: socialServer.port },
  ];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chorus-rpc-tls-'));
    ours = await makeRpcCertificates(path.join(dir, 'ours'));
    theirs = await makeRpcCertificates(path.join(dir, 'theirs'));
    kv = await EmbeddedKV.open({ path: ':memory:' });
    const onError = (error: unknown) => internalErrors.push(error);
    authServer = await startGrpcServer(
      '127.0.0.1',
      0,
      [authGrpcService(new AuthService({ kv, passwordHashing: FAST_HASHING }), onError)],
      identity(ours, ours.auth),
    );
    socialServer = await startGrpcServer(
      '127.0.0.1',
      0,
      [socialGrpcService(new SocialService({ kv }), onError)],
      identity(ours, ours.social),
    );
  });
  after(async () => {
    await authServer?.close(1000);
    await socialServer?.close(1000);
    await kv?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps no CA key: nobody can mint another identity from the cluster's files", async () => {
    assert.deepEqual((await readdir(path.join(dir, 'ours'))).sort(), [
      'auth-key.pem',
      'auth.pem',
      'ca.pem',
      'social-key.pem',
      'social.pem',
      'web-key.pem',
      'web.pem',
    ]);
  });

  it("lets the web instances' certificate call both services, health and reflection included", async () => {
    const web = identity(ours, ours.web);
    const auth = new AuthClient({ addresses: [`127.0.0.1:${authServer.port}`], deadlineMs: 5000, identity: web });
    const social = new SocialClient({ addresses: [`127.0.0.1:${socialServer.port}`], deadlineMs: 5000, identity: web });
    try {
      const session = await auth.signUp('tls_user', 'a fine password', '127.0.0.1');
      assert.deepEqual(await auth.authenticate(session.token), session.account);
      assert.equal((await social.getProfile('tls_user')).account.username, 'tls_user');
    } finally {
      auth.close();
      social.close();
    }
    assert.deepEqual(internalErrors, []);
    for (const { name, port } of servers()) {
      const address = `127.0.0.1:${port}`;
      assert.equal(await healthCheck(address, credentialsOf(ours.ca, ours.web), name), 'SERVING', name);
      const listed = await reflectedServices(address, credentialsOf(ours.ca, ours.web), name);
      assert.ok(
        listed.includes(name === serviceNames.auth ? 'chorus.auth.v1.AuthService' : 'chorus.social.v1.SocialService'),
        listed.join(),
      );
      assert.equal(await handshake(port, ours.ca, name, ours.web), 'accepted', name);
    }
  });

  it("refuses a plaintext caller, one without a certificate and one with another CA's, at the handshake", async () => {
    for (const { name, port } of servers()) {
      const address = `127.0.0.1:${port}`;
      for (const [caller, credentials] of [
        ['plaintext', credentialsOf()],
        ['no certificate', credentialsOf(ours.ca)],
        ["another CA's web certificate", credentialsOf(ours.ca, theirs.web)],
        ["another CA's service certificate", credentialsOf(ours.ca, theirs.auth)],
      ] as const) {
        assert.match(
          await healthCheck(address, credentials, name),
          /^refused UNAVAILABLE: No connection established/,
          `${name}, ${caller}`,
        );
      }
      assert.match(await handshake(port, ours.ca, name), /^refused: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED$/, name);
      assert.match(await handshake(port, ours.ca, name, theirs.web), /^refused/, name);
    }
  });

  it('knows a service by the name in its certificate, whichever of its addresses answers', async () => {
    // 127.0.0.2 is loopback too, but in no certificate: only the service's name can vouch for it there.
    const second = await startGrpcServer(
      '127.0.0.2',
      0,
      [socialGrpcService(new SocialService({ kv }), (e) => internalErrors.push(e))],
      identity(ours, ours.social),
    );
    const social = new SocialClient({
      addresses: [`127.0.0.2:${second.port}`, `127.0.0.1:${socialServer.port}`],
      deadlineMs: 5000,
      identity: identity(ours, ours.web),
    });
    try {
      await signUpOverTls('named_user');
      for (let i = 0; i < 4; i++) assert.equal((await social.getProfile('named_user')).account.username, 'named_user');
    } finally {
      social.close();
      await second.close(100);
    }
    assert.deepEqual(internalErrors, []);
  });

  it('trusts only a server that its CA signed and that names the service asked for', async () => {
    const impostor = await startGrpcServer(
      '127.0.0.1',
      0,
      [authGrpcService(new AuthService({ kv, passwordHashing: FAST_HASHING }), () => {})],
      identity(theirs, theirs.auth),
    );
    const web = identity(ours, ours.web);
    const clients = [
      new AuthClient({ addresses: [`127.0.0.1:${impostor.port}`], deadlineMs: 1000, identity: web }),
      // The social service's own certificate, at an address given for auth.
      new AuthClient({ addresses: [`127.0.0.1:${socialServer.port}`], deadlineMs: 1000, identity: web }),
    ];
    try {
      for (const client of clients) await assert.rejects(client.authenticate('A'.repeat(43)), rejectsWith('unavailable'));
    } finally {
      for (const client of clients) client.close();
      await impostor.close(100);
    }
  });
});
