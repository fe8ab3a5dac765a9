import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Page, PageRequest } from '../../src/domain/page.js';
import type { Post } from '../../src/domain/post.js';
import { FILTER_ROUNDS, MIN_ROUND } from '../../src/services/social/filtered-page.js';
import { authorPosts, homeFeed, publicTimeline } from '../../src/services/social/timelines.js';
import { collect } from '../helpers/fixtures.js';
import { forEachReadPath, hidingReads } from '../helpers/social-posts.js';

const texts = (page: Page<Post>) => page.items.map((post) => post.text);
const first = (limit = 100, after?: string): PageRequest => ({ limit, after });

forEachReadPath((open) => {
  it('shows a reply at home only when it answers its author, the reader or someone the reader follows', async () => {
    const { social, signUp, tick, homeFeed: home, close } = await open();
    try {
      await signUp('reader', 'alice', 'bob', 'carol');
      await social.trustedActor('reader').follow('alice');
      await social.trustedActor('reader').follow('bob');
      const post = async (author: string, text: string, parent?: Post) => {
        tick();
        return social.trustedActor(author).post(text, undefined, parent && { inReplyToId: parent.id });
      };
      const byBob = await post('bob', 'by bob');
      const byCarol = await post('carol', 'by carol');
      const byReader = await post('reader', 'by reader');
      const byAlice = await post('alice', 'by alice');
      await post('alice', 'to bob', byBob);
      await post('alice', 'to carol', byCarol);
      await post('alice', 'to reader', byReader);
      await post('alice', 'to herself', byAlice);
      await post('carol', 'carol to bob', byBob);
      assert.deepEqual(texts(await home('reader')), ['to herself', 'to reader', 'to bob', 'by alice', 'by bob']);
      await social.trustedActor('reader').follow('carol');
      assert.deepEqual(texts(await home('reader')), [
        'carol to bob',
        'to herself',
        'to reader',
        'to carol',
        'to bob',
        'by alice',
        'by carol',
        'by bob',
      ]);
    } finally {
      await close();
    }
  });

  it('shows reblogs at home, each original once per page, never one of a deleted post; the public timeline has none', async () => {
    const { social, signUp, tick, homeFeed: home, close } = await open();
    try {
      await signUp('reader', 'alice', 'bob', 'carol', 'dave');
      for (const name of ['alice', 'bob', 'carol']) await social.trustedActor('reader').follow(name);
      tick();
      const popular = await social.trustedActor('dave').post('popular');
      tick();
      const doomed = await social.trustedActor('dave').post('doomed');
      tick();
      const own = await social.trustedActor('alice').post('own');
      for (const name of ['alice', 'bob', 'carol']) {
        tick();
        await social.trustedActor(name).reblog(popular.id);
      }
      tick();
      await social.trustedActor('bob').reblog(doomed.id);
      tick();
      const ownShared = (await social.trustedActor('carol').reblog(own.id)).post!;
      await social.trustedActor('dave').deletePost(doomed.id);

      const page = await home('reader');
      assert.deepEqual(
        page.items.map((post) => [post.author, post.reblogOf ?? post.id]),
        [
          ['carol', own.id],
          ['carol', popular.id],
        ],
        'the newest share of each original, and never both an original and its reblog',
      );
      assert.equal(page.items[0]!.id, ownShared.id);
      // Across pages an original may come again: the rule is per page.
      const pages = await collect((cursor) => home('reader', 1, cursor));
      assert.deepEqual(
        pages.flat().map((post) => [post.author, post.reblogOf ?? post.id]),
        [
          ['carol', own.id],
          ['carol', popular.id],
          ['bob', popular.id],
          ['alice', popular.id],
          ['alice', own.id],
        ],
      );

      const timeline = await social.publicTimeline(100);
      assert.deepEqual(texts(timeline), ['own', 'popular']);
      assert.ok((await collect((cursor) => social.publicTimeline(1, cursor))).flat().every((post) => post.reblogOf === undefined));
      assert.deepEqual(
        (await social.listPosts('bob')).items.map((post) => post.reblogOf),
        [popular.id],
        'a reblog of a deleted post is left out of its author’s posts too',
      );
    } finally {
      await close();
    }
  });

  it('pages past long runs of posts the rules leave out, skipping and repeating nothing', async () => {
    const { social, signUp, tick, homeFeed: home, close } = await open();
    try {
      await signUp('reader', 'alice', 'stranger');
      await social.trustedActor('reader').follow('alice');
      const elsewhere = await social.trustedActor('stranger').post('elsewhere');
      const shown: Post[] = [];
      const runs = [3, 0, MIN_ROUND * FILTER_ROUNDS + 5, 1, 30];
      for (const [i, run] of runs.entries()) {
        tick();
        shown.push(await social.trustedActor('alice').post(`shown ${i}`));
        for (let j = 0; j < run; j++) {
          tick();
          await social.trustedActor('alice').post(`aside ${i}.${j}`, undefined, { inReplyToId: elsewhere.id });
        }
      }
      const expected = shown.reverse();
      for (const limit of [1, 2, 5]) {
        const pages = await collect((cursor) => home('reader', limit, cursor));
        assert.deepEqual(pages.flat(), expected, `limit ${limit}`);
        assert.ok(pages.every((page) => page.length <= limit));
        assert.ok(
          pages.slice(0, -1).some((page) => page.length < limit),
          'a long run costs a short page (with a cursor to go on), not an unbounded read',
        );
      }

      // The public timeline reads past a run of reblogs (which the store's id index holds) the same way.
      const originals = (await social.publicTimeline(MIN_ROUND + 5)).items;
      for (const original of [...originals].reverse()) {
        tick();
        await social.trustedActor('reader').reblog(original.id);
      }
      assert.deepEqual((await social.publicTimeline(1)).items, [originals[0]]);
      assert.deepEqual((await collect((cursor) => social.publicTimeline(7, cursor))).flat().length, expected.length + 1 + 3 + 85 + 1 + 30);
    } finally {
      await close();
    }
  });

  it('leaves out hidden accounts, their reblogged posts and replies to them, in every listing', async () => {
    const { social, signUp, tick, reads, close } = await open();
    try {
      await signUp('reader', 'alice', 'bob', 'muted');
      for (const name of ['alice', 'bob', 'muted']) await social.trustedActor('reader').follow(name);
      const post = async (author: string, text: string, parent?: Post) => {
        tick();
        return social.trustedActor(author).post(text, undefined, parent && { inReplyToId: parent.id });
      };
      const hiddenPost = await post('muted', 'hidden');
      const bobs = await post('bob', 'by bob');
      await post('alice', 'to muted', hiddenPost);
      await post('alice', 'to bob', bobs);
      tick();
      await social.trustedActor('alice').reblog(hiddenPost.id);
      tick();
      await social.trustedActor('muted').reblog(bobs.id);
      const hiding = hidingReads(await reads(), { reader: ['muted'] });

      assert.deepEqual(texts((await homeFeed(hiding, 'reader', first()))!), ['to bob', 'by bob']);
      assert.deepEqual(texts(await publicTimeline(hiding, first(), 'reader')), ['to bob', 'to muted', 'by bob']);
      assert.deepEqual(
        texts(await publicTimeline(hiding, first())),
        ['to bob', 'to muted', 'by bob', 'hidden'],
        'no viewer, nothing hidden',
      );
      assert.deepEqual(await authorPosts(hiding, 'muted', first(), 'reader'), { items: [], next: null });
      assert.equal((await authorPosts(hiding, 'muted', first()))!.items.length, 2);
      assert.deepEqual(
        (await authorPosts(hiding, 'alice', first(), 'reader'))!.items.map((p) => p.text),
        ['to bob', 'to muted'],
        "alice's reblog of the hidden post is left out",
      );
      assert.equal(await authorPosts(hiding, 'ghost', first(), 'reader'), undefined);
      assert.equal(await homeFeed(hiding, 'ghost', first()), undefined);
    } finally {
      await close();
    }
  });
});
