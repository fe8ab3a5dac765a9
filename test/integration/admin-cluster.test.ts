import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { eventually } from '../helpers/eventually.js';

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
 * service reports each etcd member as the member itself does. Web
 * instances report themselves through the same RPC every second here
 * (CHORUS_STATUS_REPORT_EVERY=1s, so their records live 3 s): one that
 * stops leaves the page at once, one that is killed is shown late, then
 * leaves when its lease runs out.
 */
describe('the status page /admin on an etcd cluster', { timeout: 180_000 }, () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await startDeployment({
      webInstances: 3,
      env: { CHORUS_ADMINS: 'cluster_admin,cluster_admin2', CHORUS_STATUS_REPORT_EVERY: '1s' },
    });
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

  it('lists every web instance; one that stops leaves at once, one that is killed is late, then gone', async () => {
    const [web1, web2, web3] = deployment.webUrls as [string, string, string];
    const cookie = await signUp(web1, 'cluster_admin2');
    const page = async () => {
      const reply = await fetch(`${web1}/admin`, { headers: { cookie } });
      assert.equal(reply.status, 200);
      return reply.text();
    };
    // Uptime, then this minute's requests (none counted yet for a whole minute).
    const row = (url: string, name: string, state: string) =>
      new RegExp(
        `<th scope="row">${name.replace(/[()]/g, '\\$&')}</th><td>${url} on [^<]+</td><td[^>]*>${state}</td><td>0\\.1\\.0</td><td>\\d+ s</td><td>\\d+/min`,
      );
    await eventually(async () => row(web2, 'web', 'ready').test(await page()) && row(web3, 'web', 'ready').test(await page()), {
      timeoutMs: 5000,
      intervalMs: 200,
      what: 'both other web instances on the page',
    });
    const body = await page();
    assert.match(body, row(web1, 'web (this one)', 'ready'));
    assert.equal((body.match(/<th scope="row">web/g) ?? []).length, 3, 'three web instances, each once');

    const [, second, third] = deployment.processes.filter((p) => p.role === 'web');
    await second!.child.stop({ graceMs: 5000 });
    // Removed as it stopped, not by its lease running out 3 s later.
    assert.ok(!(await page()).includes(`${web2} on `), 'a stopped instance is gone at once');

    await third!.child.kill('SIGKILL');
    await eventually(async () => row(web3, 'web', 'late: no report for \\d+ s').test(await page()), {
      timeoutMs: 5000,
      intervalMs: 200,
      what: 'the killed instance shown late',
    });
    await eventually(async () => !(await page()).includes(`${web3} on `), {
      timeoutMs: 6000,
      intervalMs: 200,
      what: 'the killed instance gone once its lease ran out',
    });
    assert.match(await page(), row(web1, 'web (this one)', 'ready'));
  });
});
