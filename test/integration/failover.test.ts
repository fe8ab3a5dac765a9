import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../../src/domain/mastodon-ids.js';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { client, nextPath, register, registerApp } from '../helpers/http.js';

/**
 * SIGKILL the etcd leader while clients post through the full chain.
 * Writes must resume within a few seconds, and every post that was
 * acknowledged must be there afterwards, exactly once.
 */
describe('etcd leader failover under posting', () => {
  let deployment: Deployment;

  before(async () => {
    deployment = await startDeployment({ webInstances: 1 });
  });
  after(() => deployment?.stop());

  it('resumes writes after the leader is killed and loses no acknowledged post', async () => {
    const api = client(deployment.webUrls[0]!);
    const app = await registerApp(deployment.webUrls[0]!);
    const signUp = await register(deployment.webUrls[0]!, app, 'writer', 'failover password');
    assert.equal(signUp.status, 200);
    const token = signUp.body.access_token as string;

    const acknowledged = new Map<string, string>(); // idempotency key → post id
    const successTimes: number[] = [];
    let failures = 0;
    let n = 0;
    const started = Date.now();
    const runFor = 12_000;
    let killedAt = 0;

    const worker = async () => {
      while (Date.now() - started < runFor) {
        const key = `k-${n++}`;
        try {
          const r = await api('POST', '/api/v1/statuses', { token, json: { status: `post ${key}` }, headers: { 'idempotency-key': key } });
          if (r.status === 200) {
            acknowledged.set(key, r.body.id);
            successTimes.push(Date.now());
          } else {
            failures++;
            await sleep(50);
          }
        } catch {
          failures++;
        }
      }
    };
    const killer = (async () => {
      await sleep(3_000);
      const leader = await deployment.etcd.leader();
      killedAt = Date.now();
      await leader.kill('SIGKILL');
    })();
    await Promise.all([worker(), worker(), worker(), worker(), killer]);

    const afterKill = successTimes.filter((t) => t > killedAt);
    assert.ok(afterKill.length > 0, 'writes resumed after the leader was killed');
    const resumedAfter = afterKill[0]! - killedAt;
    assert.ok(resumedAfter < 8_000, `writes resumed ${resumedAfter} ms after the kill`);
    const sorted = [...successTimes].sort((x, y) => x - y);
    const longestGap = Math.max(...sorted.slice(1).map((t, i) => t - sorted[i]!));
    console.log(
      `failover: ${acknowledged.size} posts acknowledged, ${failures} failed requests, ` +
        `first write ${resumedAfter} ms after the kill, longest gap ${longestGap} ms`,
    );

    // Texts of plain letters, digits and spaces: the status's content is `<p>text</p>`.
    const stored = new Map<string, number>();
    let path: string | undefined = `/api/v1/accounts/${accountId('writer')}/statuses?limit=40`;
    while (path !== undefined) {
      const page: { status: number; body: any; headers: Headers } = await api('GET', path, { token });
      assert.equal(page.status, 200);
      for (const status of page.body) {
        const text = status.content.replace(/^<p>|<\/p>$/g, '');
        stored.set(text, (stored.get(text) ?? 0) + 1);
      }
      path = page.body.length === 0 ? undefined : nextPath(page.headers);
    }
    for (const key of acknowledged.keys()) {
      assert.equal(stored.get(`post ${key}`), 1, `acknowledged post ${key} is stored exactly once`);
    }
  });
});
