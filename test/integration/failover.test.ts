import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { client } from '../helpers/http.js';

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
    const signUp = await api('POST', '/api/v1/accounts', { json: { username: 'writer', password: 'failover password' } });
    assert.equal(signUp.status, 201);
    const token = signUp.body.token as string;

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
          const r = await api('POST', '/api/v1/posts', { token, json: { text: `post ${key}` }, headers: { 'idempotency-key': key } });
          if (r.status === 201) {
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

    const stored = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await api(
        'GET',
        `/api/v1/accounts/writer/posts?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.status, 200);
      for (const post of page.body.posts) stored.set(post.text, (stored.get(post.text) ?? 0) + 1);
      cursor = page.body.next;
    } while (cursor);
    for (const key of acknowledged.keys()) {
      assert.equal(stored.get(`post ${key}`), 1, `acknowledged post ${key} is stored exactly once`);
    }
  });
});
