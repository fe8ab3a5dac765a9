import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthClient } from '../../src/clients/auth-client.js';
import { makeRpcCertificates, type RpcCertificates } from '../../src/local-tls/rpc-certificates.js';
import { readRpcIdentity, serviceNames } from '../../src/rpc/tls.js';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { credentialsOf, handshake, healthCheck } from '../helpers/grpc-probe.js';
import { client, logIn, register, registerApp } from '../helpers/http.js';

/**
 * Issue 14's probe, replayed against the deployment `chorus cluster` runs
 * (auth, social and web as processes, certificates made as the cluster
 * makes them): a grpc-js client on this machine without the cluster's
 * certificate reaches neither service; the web instance's certificate does.
 */
describe('service identity in a cluster deployment', { timeout: 120_000 }, () => {
  let deployment: Deployment;
  let dir: string;
  let theirs: RpcCertificates;
  const services = () => [
    { name: serviceNames.auth, address: deployment.authAddress },
    { name: serviceNames.social, address: deployment.socialAddress },
  ];
  const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chorus-identity-'));
    theirs = await makeRpcCertificates(path.join(dir, 'theirs'));
    deployment = await startDeployment({ webInstances: 1 });
  });
  after(async () => {
    await deployment?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a caller without a certificate, or with one from another CA, at both services', async () => {
    const { rpc } = deployment;
    for (const { name, address } of services()) {
      for (const [caller, credentials] of [
        ['plaintext', credentialsOf()],
        ['TLS without a certificate', credentialsOf(rpc.ca)],
        ["another CA's web certificate", credentialsOf(rpc.ca, theirs.web)],
        ["another CA's certificate for this very service", credentialsOf(rpc.ca, name === serviceNames.auth ? theirs.auth : theirs.social)],
      ] as const) {
        assert.match(
          await healthCheck(address, credentials, name),
          /^refused UNAVAILABLE: No connection established/,
          `${name}, ${caller}`,
        );
      }
      assert.match(await handshake(portOf(address), rpc.ca, name), /^refused/, name);
      assert.match(await handshake(portOf(address), rpc.ca, name, theirs.web), /^refused/, name);
    }
  });

  it("accepts the web instance's certificate, and the web instance serves through it", async () => {
    const { rpc } = deployment;
    for (const { name, address } of services()) {
      assert.equal(await healthCheck(address, credentialsOf(rpc.ca, rpc.web), name), 'SERVING', name);
      assert.equal(await handshake(portOf(address), rpc.ca, name, rpc.web), 'accepted', name);
    }
    const web = deployment.webUrls[0]!;
    const app = await registerApp(web);
    const signedUp = await register(web, app, 'through_mtls', 'a fine password');
    const loggedIn = await logIn(web, app, 'through_mtls', 'a fine password');
    assert.equal(loggedIn.status, 200, JSON.stringify(loggedIn.body));
    assert.equal(signedUp.status, 200, JSON.stringify(signedUp.body));
    const posted = await client(web)('POST', '/api/v1/statuses', { token: signedUp.body.access_token, json: { status: 'over mTLS' } });
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
  });

  it('refuses sign-up and log-in without the client address, even from a caller it trusts', async () => {
    const { rpc } = deployment;
    const auth = new AuthClient({
      addresses: [deployment.authAddress],
      deadlineMs: 5000,
      identity: readRpcIdentity({ ca: rpc.ca, cert: rpc.web.cert, key: rpc.web.key }),
    });
    try {
      await assert.rejects(auth.signUp('no_address', 'a fine password'), rejectsWith('invalid', undefined, 'client_ip'));
      await auth.signUp('no_address', 'a fine password', '192.0.2.7');
      await assert.rejects(auth.logIn('no_address', 'a fine password'), rejectsWith('invalid', undefined, 'client_ip'));
      await auth.logIn('no_address', 'a fine password', '192.0.2.7');
    } finally {
      auth.close();
    }
  });
});
