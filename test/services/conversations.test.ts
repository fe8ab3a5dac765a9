import assert from 'node:assert/strict';
import { it } from 'node:test';
import { notificationFor } from '../../src/domain/notification.js';
import type { Post } from '../../src/domain/post.js';
import { thread } from '../../src/services/social/threads.js';
import { tagTimeline } from '../../src/services/social/timelines.js';
import { collect, rejectsWith } from '../helpers/fixtures.js';
import { forEachReadPath, hidingReads } from '../helpers/social-posts.js';

forEachReadPath((open) => {
  it('stores a reply with its parent, mentions and tags, its rows, and one mention notification per account', async () => {
    const { kv, keys, social, signUp, tick, notifications, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const parent = await social.trustedActor('alice').post('what do you drink?');
      tick();
      const reply = await social.trustedActor('bob').post('@Alice @carol @ghost @bob @alice tea! #Tea #tea #Morning_2', undefined, {
        inReplyToId: parent.id,
      });
      assert.equal(reply.inReplyToId, parent.id);
      assert.equal(reply.inReplyToAuthor, 'alice');
      assert.deepEqual(reply.mentions, ['alice', 'carol', 'bob'], 'existing accounts, in order, once each');
      assert.deepEqual(reply.tags, ['tea', 'morning_2']);
      assert.deepEqual(await social.getPost(reply.id), reply);

      assert.equal((await kv.get(keys.reply(parent.id, reply.id)))?.value, 'bob');
      assert.equal((await kv.get(keys.tagPost('tea', reply.id)))?.value, 'bob');
      assert.equal((await kv.get(keys.tagPost('morning_2', reply.id)))?.value, 'bob');
      // A reply notifies the parent's author once, as a mention, though the text names her twice.
      assert.deepEqual(await notifications('alice'), [notificationFor('mention', 'bob', 'alice', reply.createdAtMs, reply.id)]);
      assert.deepEqual(await notifications('carol'), [notificationFor('mention', 'bob', 'carol', reply.createdAtMs, reply.id)]);
      assert.deepEqual(await notifications('bob'), [], 'never yourself');
      assert.equal(await kv.count(keys.family('notifications')), 2);

      // Answering yourself notifies nobody; a plain post has none of these fields.
      const own = await social.trustedActor('alice').post('and coffee', undefined, { inReplyToId: parent.id });
      assert.equal(own.inReplyToAuthor, 'alice');
      assert.equal((await notifications('alice')).length, 1);
      const plain = await social.trustedActor('carol').post('plain');
      assert.deepEqual(Object.keys(plain).sort(), ['author', 'createdAtMs', 'id', 'text']);
      assert.deepEqual((await social.describePosts([parent.id])).posts[0]?.replies, 2);
    } finally {
      await close();
    }
  });

  it('answers the original when asked to reply to a reblog', async () => {
    const { social, signUp, tick, notifications, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const original = await social.trustedActor('alice').post('original');
      const shared = (await social.trustedActor('bob').reblog(original.id)).post!;
      tick();
      const reply = await social.trustedActor('carol').post('replying', undefined, { inReplyToId: shared.id });
      assert.equal(reply.inReplyToId, original.id);
      assert.equal(reply.inReplyToAuthor, 'alice');
      assert.deepEqual(
        (await notifications('alice')).map((n) => n.type),
        ['mention', 'reblog'],
        'newest first',
      );
    } finally {
      await close();
    }
  });

  it('deletes a post with its reply row, tag rows and the notifications it caused; replies outlive a deleted parent', async () => {
    const { social, signUp, tick, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const parent = await social.trustedActor('alice').post('parent #topic');
      tick();
      const before = await dump();
      const reply = await social.trustedActor('bob').post('hi @carol #topic #other', undefined, { inReplyToId: parent.id });
      assert.notDeepEqual(await dump(), before);
      await social.trustedActor('bob').deletePost(reply.id);
      assert.deepEqual(await dump(), before, 'nothing of the reply is left');

      const standing = await social.trustedActor('bob').post('still here', undefined, { inReplyToId: parent.id });
      await social.trustedActor('alice').deletePost(parent.id);
      assert.deepEqual(await social.getPost(standing.id), standing);
      assert.deepEqual(await social.getThread(standing.id), { ancestors: [], descendants: [] });
      await assert.rejects(social.getThread(parent.id), rejectsWith('not_found'));
    } finally {
      await close();
    }
  });

  it('refuses a reply to a missing post, a reply across a block, and bad tags or too many mentions, writing nothing', async () => {
    const { social, signUp, tick, writeBlock, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const parent = await social.trustedActor('alice').post('hello');
      const gone = await social.trustedActor('alice').post('soon gone');
      await social.trustedActor('alice').deletePost(gone.id);
      await writeBlock('alice', 'carol');
      tick();
      const before = await dump();
      for (const inReplyToId of [gone.id, '00000000000000000', 'not an id', '../x']) {
        await assert.rejects(
          social.trustedActor('bob').post('reply', undefined, { inReplyToId }),
          rejectsWith('not_found', undefined, 'inReplyToId'),
        );
      }
      // Either direction of the block refuses it.
      await assert.rejects(social.trustedActor('carol').post('reply', 'key', { inReplyToId: parent.id }), rejectsWith('forbidden'));
      const carols = await social.trustedActor('carol').post('mine');
      const afterCarol = await dump();
      await assert.rejects(social.trustedActor('alice').post('reply', undefined, { inReplyToId: carols.id }), rejectsWith('forbidden'));
      assert.deepEqual(await dump(), afterCarol);
      await social.trustedActor('carol').deletePost(carols.id);

      const longTag = `#${'a'.repeat(200)}`;
      const tooManyTags = Array.from({ length: 21 }, (_, i) => `#t${i}`).join(' ');
      const tooManyMentions = Array.from({ length: 21 }, (_, i) => `@user${i}`).join(' ');
      for (const text of [longTag, tooManyTags, tooManyMentions]) {
        await assert.rejects(social.trustedActor('bob').post(text), rejectsWith('invalid', undefined, 'text'));
        await assert.rejects(social.trustedActor('bob').post(text, undefined, { inReplyToId: parent.id }), rejectsWith('invalid'));
      }
      assert.deepEqual(await dump(), before, 'no refused post wrote anything');
      // At the limits, posts are stored.
      const twenty = await social.trustedActor('bob').post(Array.from({ length: 20 }, (_, i) => `#t${i}`).join(' '));
      assert.equal(twenty.tags?.length, 20);
      assert.equal((await social.trustedActor('bob').post(`#${'b'.repeat(100)}`)).tags?.[0]?.length, 100);
    } finally {
      await close();
    }
  });

  it('retries a reply with its idempotency key as one post; skips the mention notification of an account that blocks the author', async () => {
    const { kv, keys, social, signUp, tick, writeBlock, notifications, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const parent = await social.trustedActor('alice').post('hello');
      await writeBlock('carol', 'bob');
      const reply = await social.trustedActor('bob').post('hi @carol', 'k1', { inReplyToId: parent.id });
      assert.deepEqual(reply.mentions, ['carol']);
      assert.deepEqual(await notifications('carol'), []);
      tick(1000);
      const revision = await kv.revision();
      assert.deepEqual(await social.trustedActor('bob').post('something else', 'k1', { inReplyToId: parent.id }), reply);
      assert.equal(await kv.revision(), revision);
      assert.equal(await kv.count(keys.repliesPrefix(parent.id)), 1);
      assert.equal((await notifications('alice')).length, 1);
    } finally {
      await close();
    }
  });

  it('reads a thread: ancestors oldest first, descendants depth-first with replies oldest first', async () => {
    const { social, signUp, tick, reads, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol', 'dave');
      const post = async (author: string, text: string, parent?: Post) => {
        tick();
        return social.trustedActor(author).post(text, undefined, parent ? { inReplyToId: parent.id } : undefined);
      };
      const a = await post('alice', 'a');
      const b = await post('bob', 'b', a);
      const c = await post('carol', 'c', b);
      const d = await post('dave', 'd', a);
      const e = await post('alice', 'e', c);
      await post('bob', 'f', d);
      const g = await post('carol', 'g', b);
      const ids = (posts: Post[]) => posts.map((p) => p.text);
      assert.deepEqual(await social.getThread(c.id), { ancestors: [a, b], descendants: [e] });
      const whole = await social.trustedActor('alice').getThread(a.id);
      assert.deepEqual(whole.ancestors, []);
      assert.deepEqual(ids(whole.descendants), ['b', 'c', 'e', 'g', 'd', 'f']);
      // A reblog's thread is its original's.
      const shared = (await social.trustedActor('dave').reblog(b.id)).post!;
      assert.deepEqual(await social.getThread(shared.id), await social.getThread(b.id));
      await assert.rejects(social.getThread('00000000000000000'), rejectsWith('not_found'));
      await assert.rejects(social.getThread('nope'), rejectsWith('not_found'));

      // The same thread with its posts described for the reader (the post itself first), and whom it was read for.
      await social.trustedActor('alice').favourite(e.id);
      const context = await social.trustedActor('alice').threadContext(c.id);
      assert.deepEqual([context.ancestors, context.descendants, context.viewer], [[a, b], [e], 'alice']);
      assert.deepEqual(context.described, await social.trustedActor('alice').describePosts([c.id, a.id, b.id, e.id]));
      assert.equal(context.described.posts.find((view) => view.post.id === e.id)?.favourited, true);
      const ofReblog = await social.threadContext(shared.id);
      assert.deepEqual([ofReblog.ancestors, ofReblog.descendants.map((p) => p.text), ofReblog.viewer], [[a], ['c', 'e', 'g'], undefined]);
      assert.deepEqual(
        ofReblog.described.posts.map((view) => view.post.id),
        [b.id, a.id, c.id, e.id, g.id],
      );
      assert.equal(ofReblog.described.posts.find((view) => view.post.id === e.id)?.favourited, false, 'nobody has no flags');
      await assert.rejects(social.threadContext('00000000000000000'), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('alice').threadContext('nope'), rejectsWith('not_found'));

      // What a viewer may not see is left out, and the walk goes on through it.
      const hiding = hidingReads(await reads(), { alice: ['bob'] });
      const seen = await thread(hiding, c.id, await hiding.hiddenFor('alice'));
      assert.deepEqual(seen, { root: c, ancestors: [a], descendants: [e] });
      const fromRoot = await thread(hiding, a.id, await hiding.hiddenFor('alice'));
      assert.deepEqual(ids(fromRoot!.descendants), ['c', 'e', 'g', 'd']);
    } finally {
      await close();
    }
  });

  it('bounds a thread at 40 ancestors and 100 descendants', async () => {
    const { social, signUp, tick, close } = await open();
    try {
      await signUp('alice', 'bob');
      const chain: Post[] = [await social.trustedActor('alice').post('root')];
      for (let i = 1; i < 45; i++) {
        tick();
        chain.push(await social.trustedActor(i % 2 ? 'bob' : 'alice').post(`step ${i}`, undefined, { inReplyToId: chain.at(-1)!.id }));
      }
      const last = await social.getThread(chain.at(-1)!.id);
      assert.deepEqual(last.ancestors, chain.slice(4, 44));
      const top = await social.getThread(chain[0]!.id);
      assert.deepEqual(top.descendants, chain.slice(1));

      const popular = chain[10]!;
      const replies: Post[] = [];
      for (let i = 0; i < 60; i++) {
        tick();
        replies.push(await social.trustedActor('bob').post(`reply ${i}`, undefined, { inReplyToId: popular.id }));
      }
      const around = await social.getThread(popular.id);
      assert.equal(around.descendants.length, 60 + 34);
      assert.deepEqual(around.descendants.slice(0, 34), chain.slice(11), 'the older reply first, with its own replies');
      assert.deepEqual(around.descendants.slice(34), replies);
      for (let i = 0; i < 10; i++) {
        tick();
        await social.trustedActor('alice').post(`more ${i}`, undefined, { inReplyToId: popular.id });
      }
      assert.equal((await social.getThread(popular.id)).descendants.length, 100);
    } finally {
      await close();
    }
  });

  it('lists a tag newest first, case-insensitively, across pages, without deleted posts or reblogs', async () => {
    const { social, signUp, tick, reads, close } = await open();
    try {
      await signUp('alice', 'bob');
      const tagged: Post[] = [];
      for (let i = 0; i < 9; i++) {
        tick();
        const post = await social.trustedActor(i % 2 ? 'alice' : 'bob').post(`${i} #${i % 3 ? 'Tea' : 'TEA'} ${i === 4 ? '#other' : ''}`);
        tagged.push(post);
        await social.trustedActor('alice').post(`untagged ${i}`);
      }
      await social.trustedActor('alice').reblog(tagged[0]!.id);
      const gone = tagged.splice(5, 1)[0]!;
      await social.trustedActor(gone.author).deletePost(gone.id);
      const expected = [...tagged].reverse();
      let late = 0;
      const pages = await collect(async (cursor) => {
        const page = await social.tagTimeline('#tea', 2, cursor);
        // Newer tagged posts never shift later pages.
        tick();
        await social.trustedActor('bob').post(`late ${late++} #tea`);
        return page;
      });
      assert.deepEqual(pages.flat(), expected);
      assert.deepEqual(
        pages.map((page) => page.length),
        [2, 2, 2, 2],
      );
      assert.equal((await social.tagTimeline('TEA', 100)).items.length, 8 + late);
      assert.deepEqual(
        (await social.tagTimeline('other')).items.map((p) => p.id),
        [tagged[4]!.id],
      );
      assert.deepEqual(await social.tagTimeline('nothing_here'), { items: [], next: null });
      for (const bad of ['', '#', '123', 'a-b', 'x'.repeat(101)]) {
        await assert.rejects(social.tagTimeline(bad), rejectsWith('invalid', undefined, 'tag'));
      }
      await assert.rejects(social.tagTimeline('tea', 2, 'bad cursor!'), rejectsWith('invalid', undefined, 'cursor'));

      const hiding = hidingReads(await reads(), { carol: ['bob'] });
      const seen = await tagTimeline(hiding, 'tea', { limit: 100, after: undefined }, 'carol');
      assert.ok(seen.items.length > 0 && seen.items.every((p) => p.author === 'alice'));
    } finally {
      await close();
    }
  });
});
