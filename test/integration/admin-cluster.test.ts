import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Deployment, startDeployment } from '../helpers/deployment.js';

/** Signs up through the site's own form, as a browser without JavaScript does, and returns the cookies. */
async function signUp(web: string, username: string): Promise<string> {
  const form = await fetch(`${web}/signup`);
  const csrfCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  assert.ok(token);
  const reply = await fetch(`${web}/signup`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web, cookie: csrfCookie.join('; ') },
    body: new URLSearchParams({ username, password: 'correct horse', _csrf: token }),
  });
  assert.equal(reply.status, 303);
  return [...csrfCookie, ...reply.headers.getSetCookie().map((c) => c.split(';')[0]!)].join('; ');
}

/**
 * The status page on the replicated deployment: the web instance asks
 * every service process over mutual TLS (the status RPC), and the social
 * service reports each etcd member as the member itself does.
 */
describe('the status page /admin on an etcd cluster', { timeout: 180_000 }, () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startDeployment({ webInstances: 1, env: { CHORUS_ADMINS: 'cluster_admin' } });
  });
  after(() => deployment?.stop());

  it('is not found for a member who is not an administrator', async () => {
    const web = deployment.webUrls[0]!;
    const cookie = await signUp(web, 'cluster_member');
    assert.equal((await fetch(`${web}/admin`, { headers: { cookie } })).status, 404);
    assert.equal((await fetch(`${web}/admin`)).status, 404);
  });

  it('shows the administrator every etcd member, one leader, the services and the charts', async () => {
    const web = deployment.webUrls[0]!;
    const cookie = await signUp(web, 'cluster_admin');
    const reply = await fetch(`${web}/admin`, { headers: { cookie } });
    assert.equal(reply.status, 200);
    const body = await reply.text();
    assert.match(body, /Store: etcd cluster/);
    for (const endpoint of deployment.etcd.endpoints) assert.ok(body.includes(`<th scope="row">${endpoint}<br>`), endpoint);
    assert.equal((body.match(/<td>leader<\/td>/g) ?? []).length, 1, 'one leader');
    assert.equal((body.match(/<td>follower<\/td>/g) ?? []).length, deployment.etcd.endpoints.length - 1);
    assert.match(body, /of 2\.0 GiB \(0 %\)/);
    assert.doesNotMatch(body, /Not answering/);
    for (const address of [deployment.authAddress, deployment.socialAddress]) {
      assert.match(body, new RegExp(`<td>${address}</td><td>ready</td><td>0\\.1\\.0</td>`), address);
    }
    assert.match(body, /web \(this one\)/);
    assert.match(body, /Read model lag: \d+ revisions? behind the store/);
    assert.equal((body.match(/<svg [^>]*role="img"/g) ?? []).length, 4);
  });
});
