import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Post } from '../../src/domain/post.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { forEachEngine } from '../helpers/engines.js';
import { collect, FAST_HASHING } from '../helpers/fixtures.js';

forEachEngine((engine) => {
  it('lists and watches replies, tags, favourites and reblogs so the view answers as the store does', async () => {
    const { kv, keys, close } = await engine.open();
    const auth = new AuthService({ kv, keys, passwordHashing: FAST_HASHING });
    const writer = new SocialService({ kv, keys });
    const names = ['ann', 'ben', 'cat', 'dan'];
    for (const name of names) await auth.signUp(name, 'correct horse');
    const posts: Post[] = [];
    let step = 0;
    /** A mix of every action, some undone, touching earlier posts. */
    const act = async (rounds: number) => {
      for (let i = 0; i < rounds; i++, step++) {
        const actor = names[step % names.length]!;
        const earlier = posts[(step * 7) % Math.max(posts.length, 1)];
        const parent = step % 3 === 0 ? earlier : undefined;
        posts.push(
          await writer.trustedActor(actor).post(`#${step % 2 ? 'odd' : 'even'} @${names[(step + 1) % 4]} ${step}`, undefined, {
            inReplyToId: parent?.id,
          }),
        );
        if (earlier && earlier.author !== actor) {
          await writer.trustedActor(actor).favourite(earlier.id);
          const shared = (await writer.trustedActor(actor).reblog(earlier.id)).post!;
          if (step % 4 === 0) await writer.trustedActor(actor).unfavourite(earlier.id);
          if (step % 5 === 0) await writer.trustedActor(actor).unreblog(shared.id);
        }
        if (step % 6 === 5) await writer.trustedActor(names[(step - 1) % 4]!).deletePost(posts.splice(posts.length - 2, 1)[0]!.id);
      }
    };
    try {
      await act(20);
      // Small pages and slices, so rows arrive by several interleaved listings.
      const model = await ReadModel.start({ kv, keys, pageSize: 3, sliceKeys: 4 });
      try {
        const reader = new SocialService({ kv, keys, readModel: model });
        await act(12);
        const ids = posts.map((post) => post.id);
        for (const viewer of [undefined, ...names]) {
          const as = (service: SocialService) => (viewer === undefined ? service : service.trustedActor(viewer));
          assert.deepEqual(await as(reader).describePosts(ids), await as(writer).describePosts(ids), `as ${viewer}`);
        }
        for (const post of posts) assert.deepEqual(await reader.getThread(post.id), await writer.getThread(post.id));
        for (const tag of ['odd', 'even']) {
          const all = (service: SocialService) => collect((cursor) => service.tagTimeline(tag, 4, cursor));
          assert.deepEqual(await all(reader), await all(writer));
        }
        for (const name of names) {
          const favourites = (service: SocialService) => collect((cursor) => service.trustedActor(name).listFavourites(3, cursor));
          assert.deepEqual(await favourites(reader), await favourites(writer));
          const own = (service: SocialService) => collect((cursor) => service.listPosts(name, 3, cursor));
          assert.deepEqual(await own(reader), await own(writer));
        }
        const described = await writer.trustedActor('ann').describePosts(ids);
        assert.ok(described.posts.some((view) => view.favourites > 0 && view.reblogs > 0 && view.replies > 0));
      } finally {
        await model.close();
      }
    } finally {
      await close();
    }
  });
});
