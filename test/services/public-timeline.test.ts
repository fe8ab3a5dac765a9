import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Post } from '../../src/domain/post.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { forEachEngine } from '../helpers/engines.js';
import { collect, FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

/** Every page of the public timeline at `limit`, followed to the end. */
const wholeTimeline = (social: SocialService, limit: number): Promise<Post[][]> =>
  collect((cursor) => social.publicTimeline(limit, cursor));

forEachEngine((engine) => {
  for (const withView of [false, true]) {
    describe(`public timeline ${withView ? 'from the watch-fed view' : 'from the store'}`, () => {
      it('lists everyone’s posts newest first, each once, across pages, without deleted ones', async () => {
        const store = await engine.open();
        let clock = 1_700_000_000_000;
        let readModel: ReadModel | undefined;
        try {
          let seed = 1;
          const random = () => {
            seed = (seed * 16807) % 2147483647;
            return (seed - 1) / 2147483646;
          };
          const social = new SocialService({ kv: store.kv, keys: store.keys, now: () => clock, random });
          const auth = new AuthService({ kv: store.kv, keys: store.keys, now: () => clock, passwordHashing: FAST_HASHING });
          for (const name of ['alice', 'bob', 'carol']) await auth.signUp(name, 'correct horse');
          const made: Post[] = [];
          // Posts written before the view starts reach it by its listing ...
          for (let i = 0; i < 5; i++) {
            made.push(await social.trustedActor(['alice', 'bob', 'carol'][i % 3]!).post(`before ${i}`));
            clock += 7;
          }
          readModel = withView ? await ReadModel.start({ kv: store.kv, keys: store.keys }) : undefined;
          const reader = new SocialService({ kv: store.kv, keys: store.keys, now: () => clock, random, readModel });
          // ... and later ones by its watch, one from a clock behind the others' (another instance's).
          for (let i = 0; i < 6; i++) {
            clock += i === 3 ? -20 : 5;
            made.push(await social.trustedActor(['carol', 'alice', 'bob'][i % 3]!).post(`after ${i}`));
          }
          const deleted = made.splice(2, 1)[0]!;
          await social.trustedActor(deleted.author).deletePost(deleted.id);
          const gone = made.splice(7, 1)[0]!;
          await social.trustedActor(gone.author).deletePost(gone.id);

          const expected = [...made].sort((a, b) => (a.id < b.id ? -1 : 1));
          const pages = await wholeTimeline(reader, 2);
          assert.deepEqual(pages.flat(), expected);
          assert.ok(pages.slice(0, -1).every((page) => page.length === 2));
          assert.deepEqual((await reader.publicTimeline()).items, expected);
          assert.deepEqual((await reader.publicTimeline(3)).items, expected.slice(0, 3));
        } finally {
          await readModel?.close();
          await store.close();
        }
      });

      it('is empty with no posts, and refuses a malformed cursor or limit', async () => {
        const store = await engine.open();
        const readModel = withView ? await ReadModel.start({ kv: store.kv, keys: store.keys }) : undefined;
        try {
          const social = new SocialService({ kv: store.kv, keys: store.keys, readModel });
          assert.deepEqual(await social.publicTimeline(), { items: [], next: null });
          await assert.rejects(social.publicTimeline(10, 'not a cursor!'), rejectsWith('invalid', undefined, 'cursor'));
          await assert.rejects(social.publicTimeline(1000), rejectsWith('invalid', undefined, 'limit'));
        } finally {
          await readModel?.close();
          await store.close();
        }
      });
    });
  }
});
