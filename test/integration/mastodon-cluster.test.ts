import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRestAPIClient, createStreamingAPIClient, type mastodon } from 'masto';
import generator from 'megalodon';
import { type Deployment, startDeployment } from '../helpers/deployment.js';
import { eventually } from '../helpers/eventually.js';
import { client, register, registerApp } from '../helpers/http.js';

const PASSWORD = 'a cluster password';

/**
 * Reads `update` events off a stream. A wait that times out leaves its
 * read pending, and the next wait takes it over: abandoning it would let
 * it swallow the next event.
 */
function updates(events: AsyncIterator<mastodon.streaming.Event>) {
  let pending: Promise<IteratorResult<mastodon.streaming.Event>> | undefined;
  return async function nextUpdate(ms: number): Promise<mastodon.v1.Status> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no update within ${ms} ms`);
      pending ??= events.next();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      });
      const result = await Promise.race([pending, timeout]);
      clearTimeout(timer);
      if (result === 'timeout') throw new Error(`no update within ${ms} ms`);
      pending = undefined;
      if (result.done) throw new Error('the stream ended');
      if (result.value.event === 'update') return result.value.payload;
    }
  };
}

/**
 * The Mastodon client libraries against the replicated deployment (a
 * 3-member etcd cluster, the services, two web instances, each its own
 * process): a person writes through one web instance while another reads
 * and holds a live stream through the other, and one etcd member dies in
 * the middle. What masto.js and megalodon see must not depend on which
 * instance they talk to.
 */
describe('Mastodon clients across two web instances and a 3-member etcd cluster', { timeout: 180_000 }, () => {
  let deployment: Deployment;

  before(async () => {
    deployment = await startDeployment({ webInstances: 2 });
  });
  after(() => deployment?.stop());

  it('writes through one instance, reads and streams through the other, and keeps going with an etcd member killed', async () => {
    const [web1, web2] = deployment.webUrls as [string, string];
    const app = await registerApp(web1);
    const alice = (await register(web1, app, 'alice_c', PASSWORD)).body.access_token as string;
    const bob = (await register(web1, app, 'bob_c', PASSWORD)).body.access_token as string;
    const aliceOnOne = createRestAPIClient({ url: web1, accessToken: alice });
    const bobOnTwo = createRestAPIClient({ url: web2, accessToken: bob });

    const aliceAccount = await bobOnTwo.v1.accounts.lookup({ acct: 'alice_c' });
    const relationship = await bobOnTwo.v1.accounts.$select(aliceAccount.id).follow();
    assert.equal(relationship.following, true);

    // Bob's live stream, held on the instance Alice does not write through.
    const instance = await bobOnTwo.v2.instance.fetch();
    const streaming = createStreamingAPIClient({
      streamingApiUrl: instance.configuration.urls.streaming,
      accessToken: bob,
      retry: false,
    });
    const subscription = streaming.user.subscribe();
    const nextUpdate = updates(subscription.values());
    try {
      // The stream sends nothing earlier than its subscription: post until one arrives, then demand each next one.
      const warmUp = new Set<string>();
      let seen: mastodon.v1.Status | undefined;
      for (let attempt = 0; attempt < 10 && !seen; attempt++) {
        warmUp.add((await aliceOnOne.v1.statuses.create({ status: `hello from instance one, try ${attempt}` })).id);
        seen = await nextUpdate(2000).catch(() => undefined);
      }
      assert.ok(seen && warmUp.has(seen.id), 'a status written on one instance reaches a stream on the other');
      assert.equal(seen.account.username, 'alice_c');

      const second = await aliceOnOne.v1.statuses.create({ status: 'and within a second, again' });
      const started = Date.now();
      let next = await nextUpdate(5000);
      // A warm-up status that arrived late may come first; nothing else may.
      while (warmUp.has(next.id)) next = await nextUpdate(5000);
      assert.equal(next.id, second.id);
      assert.ok(Date.now() - started < 5000);

      // megalodon reads the home timeline on the other instance: every status, newest first.
      const megalodon = generator('mastodon', web2, bob);
      const home = await megalodon.getHomeTimeline({ limit: 40 });
      assert.equal(home.data[0]?.id, second.id);
      assert.ok(home.data.some((status) => warmUp.has(status.id)));

      // One of the three members dies; the cluster keeps a majority.
      const leader = await deployment.etcd.leader();
      await leader.kill('SIGKILL');

      // A write whose outcome is unknown is retried with the same key: it is stored once.
      const post = client(web1);
      let third: { id: string } | undefined;
      await eventually(
        async () => {
          const reply = await post('POST', '/api/v1/statuses', {
            token: alice,
            json: { status: 'after a member died' },
            headers: { 'idempotency-key': 'after-the-kill' },
          }).catch(() => undefined);
          if (reply?.status === 200) third = reply.body;
          return third !== undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'a status written after the leader was killed' },
      );
      assert.equal((await nextUpdate(10_000)).id, third!.id);

      // Read your writes across instances, through masto.js's own paginator (pages of one).
      const paged: string[] = [];
      for await (const page of bobOnTwo.v1.timelines.home.list({ limit: 1 })) {
        paged.push(...page.map((status) => status.id));
        assert.ok(paged.length <= 10, 'the paginator ends');
      }
      const ours = [third!.id, second.id];
      assert.deepEqual(paged.slice(0, 2), ours, 'newest first, the write after the kill included');
      assert.equal(new Set(paged).size, paged.length, 'every status once');
      assert.equal(paged.filter((id) => id === third!.id).length, 1, 'the retried write is stored once');
    } finally {
      subscription.unsubscribe();
      streaming.close();
    }
  });
});
