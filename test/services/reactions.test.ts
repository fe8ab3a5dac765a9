import assert from 'node:assert/strict';
import { it } from 'node:test';
import { notificationFor } from '../../src/domain/notification.js';
import type { Post } from '../../src/domain/post.js';
import { favouriteListId } from '../../src/services/social/reactions.js';
import { collect, rejectsWith } from '../helpers/fixtures.js';
import { forEachReadPath } from '../helpers/social-posts.js';

forEachReadPath((open) => {
  it('favourites once per account and post, with its list row and one notification; unfavourite removes all three', async () => {
    const { kv, keys, social, signUp, tick, notifications, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const post = await social.trustedActor('alice').post('like me');
      tick();
      const before = await dump();
      const at = tick();
      await social.trustedActor('Bob').favourite(post.id);
      assert.equal((await kv.get(keys.favourite(post.id, 'bob')))?.value, String(at));
      assert.equal((await kv.get(keys.actorFavourite('bob', favouriteListId(at, 'bob', post.id))))?.value, post.id);
      assert.deepEqual(await notifications('alice'), [notificationFor('favourite', 'bob', 'alice', at, post.id)]);

      tick();
      const revision = await kv.revision();
      await social.trustedActor('bob').favourite(post.id);
      assert.equal(await kv.revision(), revision, 'a repeated favourite writes nothing');
      await social.trustedActor('alice').favourite(post.id);
      assert.equal((await notifications('alice')).length, 1, 'no notification for your own post');

      const seenBy = async (viewer?: string) =>
        (await (viewer === undefined ? social : social.trustedActor(viewer)).describePosts([post.id])).posts[0]!;
      assert.deepEqual(
        { ...(await seenBy('bob')), post: undefined },
        {
          post: undefined,
          replies: 0,
          reblogs: 0,
          favourites: 2,
          favourited: true,
          reblogged: false,
        },
      );
      assert.equal((await seenBy('carol')).favourited, false);
      assert.equal((await seenBy()).favourited, false);
      assert.deepEqual(
        (await social.favouritedBy(post.id)).items.map((a) => a.username),
        ['alice', 'bob'],
      );
      assert.deepEqual((await social.trustedActor('bob').listFavourites()).items, [post]);

      await social.trustedActor('alice').unfavourite(post.id);
      await social.trustedActor('bob').unfavourite(post.id);
      assert.deepEqual(await dump(), before, 'every row and the notification went with the favourite');
      const afterUndo = await kv.revision();
      await social.trustedActor('bob').unfavourite(post.id);
      assert.equal(await kv.revision(), afterUndo, 'a repeated unfavourite writes nothing');
      assert.equal((await seenBy('bob')).favourites, 0);
      assert.deepEqual(await social.trustedActor('bob').listFavourites(), { items: [], next: null });
    } finally {
      await close();
    }
  });

  it('refuses to favourite a deleted or unknown post or across a block, writing nothing; a deleted post can be unfavourited', async () => {
    const { social, signUp, writeBlock, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const kept = await social.trustedActor('alice').post('kept');
      const gone = await social.trustedActor('alice').post('gone');
      await social.trustedActor('carol').favourite(gone.id);
      await social.trustedActor('alice').deletePost(gone.id);
      await writeBlock('carol', 'alice');
      const before = await dump();
      await assert.rejects(social.trustedActor('bob').favourite(gone.id), rejectsWith('not_found', 'No such post.'));
      for (const id of ['00000000000000000', 'nope', '']) {
        await assert.rejects(social.trustedActor('bob').favourite(id), rejectsWith('not_found'));
        await assert.rejects(social.trustedActor('bob').unfavourite(id), rejectsWith('not_found'));
      }
      await assert.rejects(social.trustedActor('carol').favourite(kept.id), rejectsWith('forbidden'));
      const carols = await social.trustedActor('carol').post('by carol');
      const withCarols = await dump();
      await assert.rejects(social.trustedActor('alice').favourite(carols.id), rejectsWith('forbidden'), 'a block refuses both ways');
      assert.deepEqual(await dump(), withCarols);
      await social.trustedActor('carol').deletePost(carols.id);
      assert.deepEqual(await dump(), before);

      // The deleted post's favourite is left out of carol's list, and can still be undone.
      assert.deepEqual(await social.trustedActor('carol').listFavourites(), { items: [], next: null });
      await social.trustedActor('carol').unfavourite(gone.id);
      await assert.rejects(social.favouritedBy(gone.id), rejectsWith('not_found'));
    } finally {
      await close();
    }
  });

  it('applies a favourite of a reblog to its original', async () => {
    const { social, signUp, tick, notifications, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const original = await social.trustedActor('alice').post('original');
      const shared = (await social.trustedActor('bob').reblog(original.id)).post!;
      tick();
      await social.trustedActor('carol').favourite(shared.id);
      const [wrapper, inner] = (await social.trustedActor('carol').describePosts([shared.id])).posts;
      assert.equal(wrapper!.post.id, shared.id);
      assert.equal(inner!.post.id, original.id);
      assert.equal(inner!.favourites, 1);
      assert.equal(inner!.favourited, true);
      assert.deepEqual(
        (await notifications('alice')).map((n) => [n.type, n.actor, n.postId]),
        [
          ['favourite', 'carol', original.id],
          ['reblog', 'bob', original.id],
        ],
      );
      await social.trustedActor('carol').unfavourite(shared.id);
      assert.equal((await social.trustedActor('carol').describePosts([original.id])).posts[0]!.favourites, 0);
    } finally {
      await close();
    }
  });

  it('reblogs once per account and original, as a post of its own with its row and notification; unreblog by either id', async () => {
    const { kv, keys, social, signUp, tick, notifications, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const original = await social.trustedActor('alice').post('share me');
      tick();
      const before = await dump();
      const at = tick();
      const shared = (await social.trustedActor('bob').reblog(original.id)).post!;
      assert.deepEqual(shared, { id: shared.id, author: 'bob', text: '', createdAtMs: at, reblogOf: original.id });
      assert.deepEqual(await social.getPost(shared.id), shared);
      assert.equal((await kv.get(keys.reblog(original.id, 'bob')))?.value, shared.id);
      assert.deepEqual(await notifications('alice'), [notificationFor('reblog', 'bob', 'alice', at, original.id)]);
      assert.deepEqual((await social.listPosts('bob')).items, [shared]);
      assert.equal((await social.getProfile('bob')).posts, 1);

      tick();
      const revision = await kv.revision();
      assert.deepEqual((await social.trustedActor('bob').reblog(original.id)).post, shared, 'a repeat returns the first reblog');
      assert.deepEqual((await social.trustedActor('bob').reblog(shared.id)).post, shared, 'a reblog of a reblog shares the original');
      assert.equal(await kv.revision(), revision);

      const mine = (await social.trustedActor('alice').reblog(shared.id)).post!;
      assert.equal(mine.reblogOf, original.id);
      assert.equal((await notifications('alice')).length, 1, 'no notification for your own post');
      const view = (await social.trustedActor('bob').describePosts([original.id])).posts[0]!;
      assert.equal(view.reblogs, 2);
      assert.equal(view.reblogged, true);
      assert.equal((await social.trustedActor('carol').describePosts([original.id])).posts[0]!.reblogged, false);
      assert.deepEqual(
        (await social.rebloggedBy(shared.id)).items.map((a) => a.username),
        ['alice', 'bob'],
      );

      await social.trustedActor('bob').unreblog(original.id);
      await social.trustedActor('alice').unreblog(mine.id);
      assert.deepEqual(await dump(), before, 'the reblog, its rows and its notification are gone');
      const afterUndo = await kv.revision();
      await social.trustedActor('bob').unreblog(original.id);
      assert.equal(await kv.revision(), afterUndo, 'a repeated unreblog writes nothing');
      await assert.rejects(social.getPost(shared.id), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('bob').unreblog('00000000000000000'), rejectsWith('not_found'));

      // Deleting the reblog as a post takes its rows too.
      const again = (await social.trustedActor('carol').reblog(original.id)).post!;
      await social.trustedActor('carol').deletePost(again.id);
      assert.deepEqual(await dump(), before);
    } finally {
      await close();
    }
  });

  it('refuses to reblog a deleted post or across a block, writing nothing; reblogs of a deleted post can be undone', async () => {
    const { social, signUp, writeBlock, dump, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol');
      const kept = await social.trustedActor('alice').post('kept');
      const gone = await social.trustedActor('alice').post('gone');
      const early = (await social.trustedActor('carol').reblog(gone.id)).post!;
      await social.trustedActor('alice').deletePost(gone.id);
      await writeBlock('alice', 'bob');
      const before = await dump();
      await assert.rejects(social.trustedActor('carol').reblog(gone.id), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('bob').reblog(gone.id), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('bob').reblog('nope'), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('bob').reblog(kept.id), rejectsWith('forbidden'));
      assert.deepEqual(await dump(), before);
      // A reblog whose original is gone is left out of listings, and can still be undone.
      assert.deepEqual((await social.listPosts('carol')).items, []);
      await social.trustedActor('carol').unreblog(early.id);
      await assert.rejects(social.getPost(early.id), rejectsWith('not_found'));
      assert.equal((await social.getProfile('carol')).posts, 0);
    } finally {
      await close();
    }
  });

  it('pages favourited_by and reblogged_by in username order', async () => {
    const { social, signUp, close } = await open();
    try {
      const fans = ['fan_g', 'fan_a', 'fan_e', 'fan_c', 'fan_b', 'fan_f', 'fan_d'];
      await signUp('star', ...fans);
      const post = await social.trustedActor('star').post('popular');
      for (const fan of fans) {
        await social.trustedActor(fan).favourite(post.id);
        await social.trustedActor(fan).reblog(post.id);
      }
      for (const list of [social.favouritedBy.bind(social), social.rebloggedBy.bind(social)]) {
        const pages = await collect((cursor) => list(post.id, 3, cursor));
        assert.deepEqual(
          pages.map((page) => page.length),
          [3, 3, 1],
        );
        assert.deepEqual(
          pages.flat().map((a) => a.username),
          [...fans].sort(),
        );
        await assert.rejects(list(post.id, 3, 'bad!'), rejectsWith('invalid', undefined, 'cursor'));
        await assert.rejects(list('00000000000000000'), rejectsWith('not_found'));
      }
    } finally {
      await close();
    }
  });

  it('lists favourites most recently favourited first, across pages, leaving out deleted posts', async () => {
    const { social, signUp, tick, close } = await open();
    try {
      await signUp('alice', 'bob');
      const posts: Post[] = [];
      for (let i = 0; i < 12; i++) {
        tick();
        posts.push(await social.trustedActor('alice').post(`post ${i}`));
      }
      // Favourited in an order of their own: the list follows it, not the posts' ages.
      const order = [3, 0, 7, 11, 5, 1, 9, 2, 10, 4, 8, 6];
      for (const i of order) {
        tick();
        await social.trustedActor('bob').favourite(posts[i]!.id);
      }
      for (const i of [7, 5, 9, 2, 4]) await social.trustedActor('alice').deletePost(posts[i]!.id);
      const expected = order
        .filter((i) => ![7, 5, 9, 2, 4].includes(i))
        .reverse()
        .map((i) => posts[i]);
      const pages = await collect((cursor) => social.trustedActor('bob').listFavourites(2, cursor));
      assert.deepEqual(pages.flat(), expected);
      assert.ok(pages.every((page) => page.length <= 2));
      await assert.rejects(social.trustedActor('bob').listFavourites(2, 'bad!'), rejectsWith('invalid', undefined, 'cursor'));
      assert.deepEqual(await social.trustedActor('alice').listFavourites(), { items: [], next: null });
    } finally {
      await close();
    }
  });

  it('describes posts in one call: views in the order asked, then originals, and every profile they name', async () => {
    const { social, signUp, tick, close } = await open();
    try {
      await signUp('alice', 'bob', 'carol', 'dave');
      await social.trustedActor('alice').updateProfile({ displayName: 'Alice A.' });
      const root = await social.trustedActor('alice').post('root');
      tick();
      const reply = await social.trustedActor('bob').post('reply', undefined, { inReplyToId: root.id });
      const nested = await social.trustedActor('alice').post('nested', undefined, { inReplyToId: reply.id });
      const shared = (await social.trustedActor('dave').reblog(reply.id)).post!;
      await social.trustedActor('carol').favourite(reply.id);
      await social.trustedActor('carol').reblog(reply.id);
      await social.trustedActor('alice').deletePost(nested.id);

      const described = await social
        .trustedActor('carol')
        .describePosts([shared.id, 'nope', root.id, nested.id, root.id, '00000000000000000']);
      assert.deepEqual(
        described.posts.map((view) => view.post.id),
        [shared.id, root.id, reply.id],
      );
      const byId = new Map(described.posts.map((view) => [view.post.id, view]));
      assert.deepEqual(byId.get(root.id), { post: root, replies: 1, reblogs: 0, favourites: 0, favourited: false, reblogged: false });
      assert.deepEqual(byId.get(reply.id), { post: reply, replies: 0, reblogs: 2, favourites: 1, favourited: true, reblogged: true });
      assert.deepEqual(
        described.profiles.map((profile) => profile.account.username),
        ['dave', 'alice', 'bob'],
      );
      assert.equal(described.profiles[1]!.account.displayName, 'Alice A.');
      assert.deepEqual(await social.describePosts([]), { posts: [], profiles: [] });
      await assert.rejects(social.describePosts(Array.from({ length: 101 }, () => root.id)), rejectsWith('invalid'));
    } finally {
      await close();
    }
  });
});
