import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { mastodon } from 'masto';
import generator from 'megalodon';
import { accountId, postIdOf } from '../../src/domain/mastodon-ids.js';
import { keyCounts, type MastoHarness, openMastoHarness, pagesOf, refused, scopedToken } from './masto-harness.js';
import { api, readPaths } from './web-harness.js';

/**
 * Blocks and mutes through the Mastodon API (issue 11): the Relationship
 * both ways, the lists, a block removing follows both ways and refusing
 * follows, replies, mentions' notifications and favourites across it, each
 * side's statuses hidden from the other; a mute hiding an account from
 * home and the public timeline. Refusals write nothing.
 */
for (const reads of readPaths) {
  describe(`Mastodon blocks and mutes (reads from the ${reads})`, () => {
    let m: MastoHarness;
    before(async () => {
      m = await openMastoHarness(reads);
    });
    after(() => m.close());

    it('blocks and unblocks, each side seeing the Relationship, and a block removes the follows both ways', async () => {
      const alice = await m.as('b1_alice');
      const bob = await m.as('b1_bob');
      const aliceId = accountId('b1_alice');
      const bobId = accountId('b1_bob');
      await alice.v1.accounts.$select(bobId).follow();
      await bob.v1.accounts.$select(aliceId).follow();

      const blocked = await alice.v1.accounts.$select(bobId).block();
      assert.deepEqual(
        [blocked.id, blocked.blocking, blocked.blockedBy, blocked.following, blocked.followedBy],
        [bobId, true, false, false, false],
      );
      assert.equal((await alice.v1.accounts.$select(bobId).block()).blocking, true, 'idempotent');
      const [fromBob] = await bob.v1.accounts.relationships.fetch({ id: [aliceId] });
      assert.deepEqual([fromBob?.blockedBy, fromBob?.blocking, fromBob?.following], [true, false, false]);
      assert.equal((await m.social.getProfile('b1_alice')).followers, 0);
      assert.equal((await m.social.getProfile('b1_alice')).following, 0);

      const unblocked = await alice.v1.accounts.$select(bobId).unblock();
      assert.deepEqual([unblocked.blocking, unblocked.following], [false, false], 'the follows do not come back');
      assert.equal((await alice.v1.accounts.$select(bobId).unblock()).blocking, false);
    });

    it('refuses follows, replies, favourites and reblogs across a block either way (403), writing nothing', async () => {
      const alice = await m.as('b2_alice');
      const bob = await m.as('b2_bob');
      const post = await alice.v1.statuses.create({ status: 'no blocked replies please' });
      await alice.v1.accounts.$select(accountId('b2_bob')).block();
      const postId = postIdOf(post.id)!;
      const rows = [
        m.keys.authorPostsPrefix('b2_bob'),
        m.keys.followingPrefix('b2_bob'),
        m.keys.followingPrefix('b2_alice'),
        m.keys.repliesPrefix(postId),
        m.keys.favouritesPrefix(postId),
        m.keys.reblogsPrefix(postId),
        m.keys.notificationsPrefix('b2_alice'),
      ];
      const before = await keyCounts(m, rows);

      await refused(bob.v1.accounts.$select(accountId('b2_alice')).follow(), 403);
      await refused(alice.v1.accounts.$select(accountId('b2_bob')).follow(), 403);
      await refused(bob.v1.statuses.create({ status: 'let me answer', inReplyToId: post.id }), 403);
      await refused(bob.v1.statuses.$select(post.id).favourite(), 403);
      await refused(bob.v1.statuses.$select(post.id).reblog(), 403);
      assert.deepEqual(await keyCounts(m, rows), before);

      // A mention of the blocker is stored (it is bob's own post) but notifies nobody.
      const mention = await bob.v1.statuses.create({ status: '@b2_alice hello?' });
      assert.deepEqual(
        mention.mentions.map((account) => account.username),
        ['b2_alice'],
      );
      assert.equal(await m.h.kv.count(m.keys.notificationsPrefix('b2_alice')), before.at(-1));
      assert.deepEqual(await alice.v1.notifications.list(), []);
    });

    it("hides each side's statuses from the other", async () => {
      const alice = await m.as('b3_alice');
      const bob = await m.as('b3_bob');
      const byBob = await bob.v1.statuses.create({ status: 'bob speaks' });
      const byAlice = await alice.v1.statuses.create({ status: 'alice speaks' });
      await alice.v1.accounts.$select(accountId('b3_bob')).block();
      const ids = (statuses: mastodon.v1.Status[]) => statuses.map((s) => s.id);
      assert.ok(!ids(await alice.v1.timelines.public.list({ limit: 40 })).includes(byBob.id));
      assert.ok(!ids(await bob.v1.timelines.public.list({ limit: 40 })).includes(byAlice.id));
      assert.deepEqual(await alice.v1.accounts.$select(accountId('b3_bob')).statuses.list(), []);
      assert.deepEqual(await bob.v1.accounts.$select(accountId('b3_alice')).statuses.list(), []);
      const context = await alice.v1.statuses.$select(byAlice.id).context.fetch();
      assert.deepEqual(context.descendants, []);
    });

    it('lists the blocked and the muted accounts in username order, paged by Link', async () => {
      const owner = await m.as('b4_owner');
      const names = ['b4_c', 'b4_a', 'b4_b'];
      for (const name of names) {
        await m.as(name);
        await owner.v1.accounts.$select(accountId(name)).block();
        await owner.v1.accounts.$select(accountId(name)).mute();
      }
      const sorted = [...names].sort().map(accountId);
      assert.deepEqual(
        (await owner.v1.blocks.list()).map((a) => a.id),
        sorted,
      );
      assert.deepEqual((await pagesOf(owner.v1.blocks.list({ limit: 2 }))).flat(), sorted);
      assert.deepEqual((await pagesOf(owner.v1.mutes.list({ limit: 2 }))).flat(), sorted);
      await owner.v1.accounts.$select(accountId('b4_a')).unmute();
      assert.deepEqual(
        (await owner.v1.mutes.list()).map((a) => a.username),
        ['b4_b', 'b4_c'],
      );
      assert.deepEqual(await (await m.as('b4_a')).v1.blocks.list(), []);
    });

    it('mutes silently: the muted account leaves home and public timelines, and is told nothing', async () => {
      const alice = await m.as('b5_alice');
      const bob = await m.as('b5_bob');
      await alice.v1.accounts.$select(accountId('b5_bob')).follow();
      const post = await bob.v1.statuses.create({ status: 'muted soon' });
      assert.equal((await alice.v1.timelines.home.list())[0]?.id, post.id);
      const muted = await alice.v1.accounts.$select(accountId('b5_bob')).mute();
      assert.deepEqual([muted.muting, muted.mutingNotifications, muted.following], [true, true, true]);
      const [fromBob] = await bob.v1.accounts.relationships.fetch({ id: [accountId('b5_alice')] });
      assert.deepEqual(
        [fromBob?.muting, fromBob?.blockedBy, fromBob?.followedBy],
        [false, false, true],
        'a mute is not shown to the muted',
      );
      assert.deepEqual(await alice.v1.timelines.home.list(), []);
      assert.ok(!(await alice.v1.timelines.public.list({ limit: 40 })).some((s) => s.id === post.id));
      await alice.v1.accounts.$select(accountId('b5_bob')).unmute();
      assert.equal((await alice.v1.timelines.home.list())[0]?.id, post.id);
    });

    it('refuses to block or mute yourself (422), an unknown account (404), and without the scope (403)', async () => {
      const alice = await m.as('b6_alice');
      await m.as('b6_bob');
      await refused(alice.v1.accounts.$select(accountId('b6_alice')).block(), 422);
      await refused(alice.v1.accounts.$select(accountId('b6_alice')).mute(), 422);
      await refused(alice.v1.accounts.$select(accountId('nobody_here')).block(), 404);
      await refused(alice.v1.accounts.$select('not-an-id').mute(), 404);
      await refused(alice.v1.accounts.$select(accountId('b6_bob')).mute({ notifications: false }), 422);
      await refused(alice.v1.accounts.$select(accountId('b6_bob')).mute({ duration: 3600 }), 422);
      assert.equal((await alice.v1.accounts.$select(accountId('b6_bob')).mute({ notifications: true, duration: 0 })).muting, true);
      await alice.v1.accounts.$select(accountId('b6_bob')).unmute();
      const readOnly = await scopedToken(m.h, 'b6_alice', 'read');
      assert.equal((await api(m.h.app, 'POST', `/api/v1/accounts/${accountId('b6_bob')}/block`, { token: readOnly })).status, 403);
      const followScope = await scopedToken(m.h, 'b6_alice', 'follow');
      assert.equal((await api(m.h.app, 'POST', `/api/v1/accounts/${accountId('b6_bob')}/mute`, { token: followScope })).status, 200);
      assert.equal((await api(m.h.app, 'GET', '/api/v1/blocks', { token: followScope })).status, 200);
      const writeOnly = await scopedToken(m.h, 'b6_alice', 'write');
      assert.equal((await api(m.h.app, 'GET', '/api/v1/mutes', { token: writeOnly })).status, 403);
      assert.deepEqual((await m.social.trustedActor('b6_alice').listBlocks()).items, []);
      assert.deepEqual(
        (await m.social.trustedActor('b6_alice').listMutes()).items.map((a) => a.username),
        ['b6_bob'],
        'only the mute by the follow-scoped token',
      );
    });

    it('megalodon blocks, lists blocks and unblocks', async () => {
      await m.as('b7_alice');
      await m.as('b7_bob');
      const client = generator('mastodon', m.url, m.tokens.get('b7_alice'));
      assert.equal((await client.blockAccount(accountId('b7_bob'))).data.blocking, true);
      assert.deepEqual(
        (await client.getBlocks({ limit: 40 })).data.map((a) => a.username),
        ['b7_bob'],
      );
      assert.equal((await client.unblockAccount(accountId('b7_bob'))).data.blocking, false);
    });
  });
}
