import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { mastodon } from 'masto';
import generator from 'megalodon';
import { accountId, postIdOf, statusId } from '../../src/domain/mastodon-ids.js';
import { newPostId } from '../../src/domain/post.js';
import { keyCounts, linkPages, type MastoHarness, openMastoHarness, pagesOf, refused, scopedToken } from './masto-harness.js';
import { api, readPaths } from './web-harness.js';

/**
 * Favourites and reblogs through the Mastodon API (issue 11): each
 * idempotent, counted once, shown in the viewer's flags and in the lists
 * of who did it; a reblog as Mastodon's wrapper status in followers' home
 * timelines; refusals (a deleted or unknown status, a missing scope)
 * answer their status and write nothing.
 */
for (const reads of readPaths) {
  describe(`Mastodon favourites and reblogs (reads from the ${reads})`, () => {
    let m: MastoHarness;
    let alice: mastodon.rest.Client;
    let bob: mastodon.rest.Client;
    let carol: mastodon.rest.Client;
    before(async () => {
      m = await openMastoHarness(reads);
      alice = await m.as('alice');
      bob = await m.as('bob');
      carol = await m.as('carol');
    });
    after(() => m.close());

    const missingStatus = () => statusId(newPostId(Date.UTC(2030, 0, 1)));

    it('favourites once however often asked, shows the count and the flag, and undoes it', async () => {
      const status = await alice.v1.statuses.create({ status: 'favourite me' });
      const favourited = await bob.v1.statuses.$select(status.id).favourite();
      assert.deepEqual([favourited.id, favourited.favourited, favourited.favouritesCount], [status.id, true, 1]);
      const again = await bob.v1.statuses.$select(status.id).favourite();
      assert.deepEqual([again.favourited, again.favouritesCount], [true, 1]);
      await carol.v1.statuses.$select(status.id).favourite();

      const seenByAlice = await alice.v1.statuses.$select(status.id).fetch();
      assert.deepEqual([seenByAlice.favourited, seenByAlice.favouritesCount], [false, 2]);
      const who = await alice.v1.statuses.$select(status.id).favouritedBy.list();
      assert.deepEqual(
        who.map((account) => account.username),
        ['bob', 'carol'],
      );

      const undone = await bob.v1.statuses.$select(status.id).unfavourite();
      assert.deepEqual([undone.favourited, undone.favouritesCount], [false, 1]);
      assert.deepEqual([(await bob.v1.statuses.$select(status.id).unfavourite()).favouritesCount], [1]);
    });

    it("lists the viewer's favourites, most recently favourited first, page by page with Link", async () => {
      const dave = await m.as('dave');
      const statuses: mastodon.v1.Status[] = [];
      for (let i = 0; i < 3; i++) statuses.push(await alice.v1.statuses.create({ status: `fav ${i}` }));
      // Favourited in another order than posted: the list follows the favouriting.
      for (const i of [1, 0, 2]) await dave.v1.statuses.$select(statuses[i]!.id).favourite();
      const expected = [2, 0, 1].map((i) => statuses[i]!.id);
      assert.deepEqual(
        (await dave.v1.favourites.list()).map((s) => s.id),
        expected,
      );
      assert.ok((await dave.v1.favourites.list()).every((s) => s.favourited));
      assert.deepEqual(await pagesOf(dave.v1.favourites.list({ limit: 2 })), [expected.slice(0, 2), expected.slice(2)]);
      // A favourited status deleted since is left out.
      await alice.v1.statuses.$select(statuses[0]!.id).remove();
      assert.deepEqual(
        (await dave.v1.favourites.list()).map((s) => s.id),
        [expected[0], expected[2]],
      );
    });

    it('pages who favourited a status by the Link header, publicly', async () => {
      const status = await alice.v1.statuses.create({ status: 'popular' });
      const fans = ['fan_a', 'fan_b', 'fan_c'];
      for (const name of fans) await (await m.as(name)).v1.statuses.$select(status.id).favourite();
      assert.deepEqual(
        (await bob.v1.statuses.$select(status.id).favouritedBy.list()).map((a) => a.username),
        fans,
      );
      const pages = await linkPages(m.h, `/api/v1/statuses/${status.id}/favourited_by?limit=2`, m.tokens.get('bob'));
      assert.deepEqual(pages, [[accountId('fan_a'), accountId('fan_b')], [accountId('fan_c')]]);
      const anonymous = await api(m.h.app, 'GET', `/api/v1/statuses/${status.id}/favourited_by?limit=1`);
      assert.equal(anonymous.status, 200, anonymous.text);
      assert.equal(anonymous.body[0].username, 'fan_a');
      assert.equal(anonymous.body[0].statuses_count, 0);
      assert.match(String(anonymous.headers.link), /^<http:\/\/[^>]+max_id=[^>]+>; rel="next"$/);
    });

    it('refuses to favourite a deleted or unknown status (404), writing nothing; unfavouriting it is 404 too', async () => {
      const status = await alice.v1.statuses.create({ status: 'short-lived' });
      await alice.v1.statuses.$select(status.id).remove();
      const postId = postIdOf(status.id)!;
      const rows = [m.keys.favouritesPrefix(postId), m.keys.actorFavouritesPrefix('bob'), m.keys.notificationsPrefix('alice')];
      const before = await keyCounts(m, rows);
      await refused(bob.v1.statuses.$select(status.id).favourite(), 404);
      await refused(bob.v1.statuses.$select(missingStatus()).favourite(), 404);
      await refused(bob.v1.statuses.$select('not-an-id').favourite(), 404);
      await refused(bob.v1.statuses.$select(status.id).unfavourite(), 404);
      await refused(bob.v1.statuses.$select(status.id).favouritedBy.list(), 404);
      assert.deepEqual(await keyCounts(m, rows), before);
    });

    it('needs write:favourites to favourite and read:favourites to list them (403)', async () => {
      const status = await alice.v1.statuses.create({ status: 'scoped' });
      const readOnly = await scopedToken(m.h, 'bob', 'read');
      const refusedWrite = await api(m.h.app, 'POST', `/api/v1/statuses/${status.id}/favourite`, { token: readOnly });
      assert.equal(refusedWrite.status, 403, refusedWrite.text);
      const writeOnly = await scopedToken(m.h, 'bob', 'write:favourites');
      assert.equal((await api(m.h.app, 'POST', `/api/v1/statuses/${status.id}/favourite`, { token: writeOnly })).status, 200);
      assert.equal((await api(m.h.app, 'GET', '/api/v1/favourites', { token: writeOnly })).status, 403);
      assert.equal((await api(m.h.app, 'GET', '/api/v1/favourites')).status, 401);
    });

    it("reblogs as Mastodon's wrapper, once, into followers' home timelines, and undoes it", async () => {
      const follower = await m.as('follower');
      await follower.v1.accounts.$select(accountId('bob')).follow();
      const original = await alice.v1.statuses.create({ status: 'worth sharing' });

      const wrapper = await bob.v1.statuses.$select(original.id).reblog();
      assert.notEqual(wrapper.id, original.id);
      assert.equal(wrapper.account.username, 'bob');
      assert.equal(wrapper.reblog?.id, original.id);
      assert.equal(wrapper.reblog?.account.username, 'alice');
      assert.equal(wrapper.reblog?.content, '<p>worth sharing</p>');
      assert.deepEqual([wrapper.reblogged, wrapper.reblog?.reblogged, wrapper.reblog?.reblogsCount], [true, true, 1]);
      assert.equal((await bob.v1.statuses.$select(original.id).reblog()).id, wrapper.id, 'a repeat answers the first reblog');
      // Reblogging the wrapper reblogs the original: still one.
      assert.equal((await bob.v1.statuses.$select(wrapper.id).reblog()).id, wrapper.id);

      const home = await follower.v1.timelines.home.list();
      assert.equal(home[0]?.id, wrapper.id);
      assert.equal(home[0]?.reblog?.id, original.id);
      const fetched = await carol.v1.statuses.$select(original.id).fetch();
      assert.deepEqual([fetched.reblogsCount, fetched.reblogged], [1, false]);
      assert.deepEqual(
        (await carol.v1.statuses.$select(original.id).rebloggedBy.list()).map((a) => a.username),
        ['bob'],
      );
      const byBob = await carol.v1.accounts.$select(accountId('bob')).statuses.list();
      assert.equal(byBob[0]?.reblog?.id, original.id);
      assert.deepEqual(await carol.v1.accounts.$select(accountId('bob')).statuses.list({ excludeReblogs: true }), []);
      assert.ok(!(await carol.v1.timelines.public.list()).some((s) => s.id === wrapper.id), 'the public timeline lists no reblogs');

      const undone = await bob.v1.statuses.$select(original.id).unreblog();
      assert.deepEqual([undone.id, undone.reblogged, undone.reblogsCount], [original.id, false, 0]);
      assert.ok(!(await follower.v1.timelines.home.list()).some((s) => s.id === wrapper.id));
      await refused(carol.v1.statuses.$select(wrapper.id).fetch(), 404);
      assert.equal((await bob.v1.statuses.$select(original.id).unreblog()).reblogged, false, 'idempotent');
    });

    it('shows an original once in a home page when several followees reblogged it', async () => {
      const reader = await m.as('reader');
      await reader.v1.accounts.$select(accountId('bob')).follow();
      await reader.v1.accounts.$select(accountId('carol')).follow();
      const original = await alice.v1.statuses.create({ status: 'shared twice' });
      await bob.v1.statuses.$select(original.id).reblog();
      await carol.v1.statuses.$select(original.id).reblog();
      const home = await reader.v1.timelines.home.list();
      assert.equal(home.filter((s) => s.reblog?.id === original.id || s.id === original.id).length, 1);
    });

    it('refuses to reblog a deleted or unknown status (404), writing nothing', async () => {
      const status = await alice.v1.statuses.create({ status: 'gone before shared' });
      await alice.v1.statuses.$select(status.id).remove();
      const rows = [m.keys.reblogsPrefix(postIdOf(status.id)!), m.keys.authorPostsPrefix('carol'), m.keys.notificationsPrefix('alice')];
      const before = await keyCounts(m, rows);
      await refused(carol.v1.statuses.$select(status.id).reblog(), 404);
      await refused(carol.v1.statuses.$select(missingStatus()).reblog(), 404);
      await refused(carol.v1.statuses.$select(missingStatus()).unreblog(), 404);
      await refused(carol.v1.statuses.$select(status.id).rebloggedBy.list(), 404);
      assert.deepEqual(await keyCounts(m, rows), before);
    });

    it('megalodon favourites, reblogs and reads favourites', async () => {
      const client = generator('mastodon', m.url, m.tokens.get('carol'));
      const status = await alice.v1.statuses.create({ status: 'for megalodon' });
      const favourited = (await client.favouriteStatus(status.id)).data;
      assert.deepEqual([favourited.favourited, favourited.favourites_count], [true, 1]);
      const reblogged = (await client.reblogStatus(status.id)).data;
      assert.equal(reblogged.reblog?.id, status.id);
      assert.ok((await client.getFavourites({ limit: 40 })).data.some((s) => s.id === status.id));
      assert.equal((await client.unfavouriteStatus(status.id)).data.favourited, false);
    });
  });
}
