import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { mastodon } from 'masto';
import { accountId, statusId } from '../../src/domain/mastodon-ids.js';
import { newPostId } from '../../src/domain/post.js';
import { type MastoHarness, openMastoHarness, pagesOf, refused } from './masto-harness.js';
import { api, readPaths, testClient } from './web-harness.js';

/**
 * Conversations through the Mastodon API (issue 11): replies
 * (in_reply_to_id, the context of a status, reply counts, a deleted
 * parent), mentions and hashtags (listed, linked, the tag timeline,
 * search), each through masto.js, and each refusal with its status and
 * nothing written.
 */
for (const reads of readPaths) {
  describe(`Mastodon conversations (reads from the ${reads})`, () => {
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

    const postsOf = async (username: string) => (await m.social.getProfile(username)).posts;
    const missingStatus = () => statusId(newPostId(Date.UTC(2030, 0, 1)));

    it('answers a reply with its parent and parent author, and counts it on the parent', async () => {
      const parent = await bob.v1.statuses.create({ status: 'what do you think?' });
      const reply = await alice.v1.statuses.create({ status: '@bob I agree', inReplyToId: parent.id });
      assert.equal(reply.inReplyToId, parent.id);
      assert.equal(reply.inReplyToAccountId, accountId('bob'));
      assert.equal((await carol.v1.statuses.$select(parent.id).fetch()).repliesCount, 1);
      assert.equal((await carol.v1.statuses.$select(reply.id).fetch()).inReplyToId, parent.id);
    });

    it('gives a status its context: ancestors oldest first, descendants depth first, replies oldest first', async () => {
      const root = await bob.v1.statuses.create({ status: 'root' });
      const first = await alice.v1.statuses.create({ status: 'first answer', inReplyToId: root.id });
      const second = await carol.v1.statuses.create({ status: 'second answer', inReplyToId: root.id });
      const nested = await bob.v1.statuses.create({ status: 'answer to the first', inReplyToId: first.id });
      const deeper = await alice.v1.statuses.create({ status: 'and deeper', inReplyToId: nested.id });

      const ofRoot = await carol.v1.statuses.$select(root.id).context.fetch();
      assert.deepEqual(ofRoot.ancestors, []);
      assert.deepEqual(
        ofRoot.descendants.map((s) => s.id),
        [first.id, nested.id, deeper.id, second.id],
      );
      const ofNested = await carol.v1.statuses.$select(nested.id).context.fetch();
      assert.deepEqual(
        ofNested.ancestors.map((s) => s.id),
        [root.id, first.id],
      );
      assert.deepEqual(
        ofNested.descendants.map((s) => s.id),
        [deeper.id],
      );
      // Public, as on Mastodon: no token needed.
      const anonymous = await api(m.h.app, 'GET', `/api/v1/statuses/${nested.id}/context`);
      assert.equal(anonymous.status, 200, anonymous.text);
      assert.deepEqual(
        anonymous.body.ancestors.map((s: { id: string }) => s.id),
        [root.id, first.id],
      );
      assert.equal(anonymous.body.descendants[0].favourited, undefined, 'no viewer, no viewer flags');
      // An app token acts for no one: it reads as nobody does; a bad token is refused, as the auth service refuses it.
      const asApp = await api(m.h.app, 'GET', `/api/v1/statuses/${nested.id}/context`, { token: (await testClient(m.h.app)).appToken });
      assert.equal(asApp.status, 200, asApp.text);
      assert.equal(asApp.text, anonymous.text);
      const badToken = await api(m.h.app, 'GET', `/api/v1/statuses/${nested.id}/context`, { token: 'x'.repeat(43) });
      assert.equal(badToken.status, 401, badToken.text);
      // Read as carol, the thread has her flags: her own status is pinned: false, as Mastodon marks the author's.
      await carol.v1.statuses.$select(deeper.id).favourite();
      const asCarol = await carol.v1.statuses.$select(root.id).context.fetch();
      assert.deepEqual(
        asCarol.descendants.map((s) => [s.id, s.favourited, s.pinned]),
        [
          [first.id, false, undefined],
          [nested.id, false, undefined],
          [deeper.id, true, undefined],
          [second.id, false, false],
        ],
      );
    });

    it('refuses a reply to a status that does not exist (404), or an id that is none (422), writing nothing', async () => {
      const before = await postsOf('alice');
      await refused(alice.v1.statuses.create({ status: 'into the void', inReplyToId: missingStatus() }), 404);
      await refused(alice.v1.statuses.create({ status: 'into the void', inReplyToId: 'not-an-id' }), 422);
      assert.equal(await postsOf('alice'), before);
      await refused(alice.v1.statuses.$select(missingStatus()).context.fetch(), 404);
      await refused(alice.v1.statuses.$select('123').context.fetch(), 404);
    });

    it('keeps replies standing when their parent is deleted, still answering it; a new reply to it is 404', async () => {
      const parent = await bob.v1.statuses.create({ status: 'soon gone' });
      const reply = await alice.v1.statuses.create({ status: 'an answer', inReplyToId: parent.id });
      await bob.v1.statuses.$select(parent.id).remove();
      const kept = await carol.v1.statuses.$select(reply.id).fetch();
      assert.deepEqual([kept.inReplyToId, kept.inReplyToAccountId], [parent.id, accountId('bob')]);
      assert.deepEqual((await carol.v1.statuses.$select(reply.id).context.fetch()).ancestors, []);
      const before = await postsOf('carol');
      await refused(carol.v1.statuses.create({ status: 'too late', inReplyToId: parent.id }), 404);
      assert.equal(await postsOf('carol'), before);
    });

    it('lists and links the mentions of existing accounts only', async () => {
      const status = await alice.v1.statuses.create({ status: 'hi @Bob and @carol, not @nobody_here' });
      assert.deepEqual(
        status.mentions.map((mention) => [mention.username, mention.acct, mention.id, mention.url]),
        [
          ['bob', 'bob', accountId('bob'), `${m.url}/u/bob`],
          ['carol', 'carol', accountId('carol'), `${m.url}/u/carol`],
        ],
      );
      assert.match(status.content, new RegExp(`<a href="${m.url}/u/bob" class="u-url mention">@<span>Bob</span></a>`));
      assert.doesNotMatch(status.content, /u\/nobody_here/);
      assert.match(status.content, /not @nobody_here/);
    });

    it('lists and links hashtags, and the tag timeline finds them case-insensitively, newest first, page by page', async () => {
      const tagged = [];
      for (const text of ['#Chorus one', 'two #chorus', 'three #CHORUS and #other'])
        tagged.push(await carol.v1.statuses.create({ status: text }));
      await carol.v1.statuses.create({ status: 'no tag here #chorusless' });
      const last = tagged.at(-1)!;
      assert.deepEqual(
        last.tags.map((tag) => [tag.name, tag.url]),
        [
          ['chorus', `${m.url}/tags/chorus`],
          ['other', `${m.url}/tags/other`],
        ],
      );
      assert.match(last.content, new RegExp(`<a href="${m.url}/tags/chorus" class="mention hashtag" rel="tag">#<span>CHORUS</span></a>`));

      const newestFirst = tagged.map((s) => s.id).reverse();
      assert.deepEqual(
        (await bob.v1.timelines.tag.$select('ChOrUs').list()).map((s) => s.id),
        newestFirst,
      );
      assert.deepEqual(await pagesOf(bob.v1.timelines.tag.$select('chorus').list({ limit: 2 })), [
        newestFirst.slice(0, 2),
        newestFirst.slice(2),
      ]);
      const anonymous = await api(m.h.app, 'GET', '/api/v1/timelines/tag/chorus?limit=1');
      assert.equal(anonymous.status, 200, anonymous.text);
      assert.deepEqual(
        anonymous.body.map((s: { id: string }) => s.id),
        [newestFirst[0]],
      );
      assert.match(String(anonymous.headers.link), /rel="next"/);
      assert.deepEqual(await bob.v1.timelines.tag.$select('nothing_tagged').list(), []);
    });

    it('refuses a hashtag of 200 characters in a status (422, nothing written) and in the tag timeline (422)', async () => {
      const long = `a${'b'.repeat(199)}`;
      const before = await postsOf('alice');
      await refused(alice.v1.statuses.create({ status: `too long: #${long}` }), 422);
      assert.equal(await postsOf('alice'), before);
      await refused(bob.v1.timelines.tag.$select(long).list(), 422);
      await refused(bob.v1.timelines.tag.$select('no-dashes').list(), 422);
      const combined = await api(m.h.app, 'GET', '/api/v1/timelines/tag/chorus?any[]=other');
      assert.equal(combined.status, 422, combined.text);
    });

    it('searches a hashtag by name and a status by its URL', async () => {
      const status = await alice.v1.statuses.create({ status: 'find me #findable' });
      const tags = await bob.v2.search.list({ q: '#Findable', type: 'hashtags' });
      assert.deepEqual(
        tags.hashtags.map((tag) => [tag.name, tag.url]),
        [['findable', `${m.url}/tags/findable`]],
      );
      assert.deepEqual((await bob.v2.search.list({ q: 'never_used_tag', type: 'hashtags' })).hashtags, []);
      const found = await bob.v2.search.list({ q: status.url!, type: 'statuses' });
      assert.deepEqual(
        found.statuses.map((s) => s.id),
        [status.id],
      );
      const all = await bob.v2.search.list({ q: 'findable' });
      assert.deepEqual([all.hashtags.length, all.statuses.length], [1, 0]);
      assert.deepEqual((await bob.v2.search.list({ q: `${m.url}/p/${'0'.repeat(17)}`, type: 'statuses' })).statuses, []);
    });

    it("answers a hashtag's Tag entity, 404 for one nobody used or that cannot be a tag", async () => {
      await carol.v1.statuses.create({ status: 'about #Entities' });
      const tag = await bob.v1.tags.$select('ENTITIES').fetch();
      assert.deepEqual([tag.name, tag.url, tag.history, tag.following], ['entities', `${m.url}/tags/entities`, [], false]);
      await refused(bob.v1.tags.$select('unused_tag').fetch(), 404);
      await refused(bob.v1.tags.$select('not-a-tag').fetch(), 404);
      assert.deepEqual(await bob.v1.followedTags.list(), []);
    });

    it("shows a reply in a follower's home only when they follow whom it answers (Mastodon's rule)", async () => {
      const dave = await m.as('dave');
      const erin = await m.as('erin');
      await dave.v1.accounts.$select(accountId('alice')).follow();
      await erin.v1.accounts.$select(accountId('alice')).follow();
      await erin.v1.accounts.$select(accountId('carol')).follow();
      const parent = await carol.v1.statuses.create({ status: 'a question for everyone' });
      const reply = await alice.v1.statuses.create({ status: 'an answer', inReplyToId: parent.id });
      const own = await alice.v1.statuses.create({ status: 'a thread', inReplyToId: reply.id });
      assert.deepEqual(
        (await dave.v1.timelines.home.list()).map((s) => s.id).filter((id) => [reply.id, own.id].includes(id)),
        [own.id],
        "dave follows alice, not carol: alice's answer to herself only",
      );
      assert.deepEqual(
        (await erin.v1.timelines.home.list()).map((s) => s.id).filter((id) => [reply.id, own.id].includes(id)),
        [own.id, reply.id],
      );
    });

    it("leaves replies to others out of an account's statuses with exclude_replies, and keeps a tag with tagged", async () => {
      const frank = await m.as('frank');
      const parent = await bob.v1.statuses.create({ status: 'hello frank' });
      const answer = await frank.v1.statuses.create({ status: 'hello bob', inReplyToId: parent.id });
      const thread = await frank.v1.statuses.create({ status: 'and more #frankly', inReplyToId: answer.id });
      const plain = await frank.v1.statuses.create({ status: 'plain' });
      const statuses = (params: mastodon.rest.v1.ListAccountStatusesParams) =>
        bob.v1.accounts.$select(accountId('frank')).statuses.list(params);
      assert.deepEqual(
        (await statuses({})).map((s) => s.id),
        [plain.id, thread.id, answer.id],
      );
      assert.deepEqual(
        (await statuses({ excludeReplies: true })).map((s) => s.id),
        [plain.id, thread.id],
      );
      assert.deepEqual(
        (await statuses({ tagged: 'Frankly' })).map((s) => s.id),
        [thread.id],
      );
    });
  });
}
