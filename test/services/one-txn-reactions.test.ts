import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countingKv } from '../../bench/counting-kv.js';
import type { ActedStatus } from '../../src/domain/social.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { socialSetup } from '../helpers/social.js';

forEachEngine((engine) => {
  describe(`reactions in one txn (${engine.name})`, () => {
    it('a favourite, unfavourite, reblog and unreblog through a token each cost one txn and no read once the view has the post', async () => {
      let counter: ReturnType<typeof countingKv> | undefined;
      const { kv, keys, social, readModel, signUp, tokenOf, tick, close } = await socialSetup(engine, true, {
        wrapKv: (inner) => {
          counter = countingKv(inner);
          return counter.kv;
        },
      });
      try {
        await signUp('alice', 'bob');
        const post = await social.trustedActor('alice').post('like me');
        const caughtUp = async () => assert.ok(await readModel!.waitFor(await kv.revision()));
        const bob = social.as(tokenOf('bob'));
        // The view's fence (a write the read model makes when a reader waits) is no row of any action.
        const stored = async () => (await dumpStore({ kv, keys })).filter(({ key }) => key !== keys.fence());
        /** The store calls `act` makes, once the view has caught up with everything before it. */
        const callsOf = async (act: () => Promise<unknown>) => {
          await caughtUp();
          tick();
          counter!.reset();
          await act();
          return Object.fromEntries(counter!.calls);
        };

        assert.deepEqual(await callsOf(() => bob.favourite(post.id)), { txn: 1 });
        assert.ok(await kv.get(keys.favourite(post.id, 'bob')));
        const before = await stored();
        assert.deepEqual(await callsOf(() => bob.favourite(post.id)), { txn: 1 }, 'a repeat: one txn that writes nothing');
        assert.deepEqual(await stored(), before);
        assert.deepEqual(await callsOf(() => bob.unfavourite(post.id)), { txn: 1 });
        assert.equal(await kv.get(keys.favourite(post.id, 'bob')), undefined);
        const undone = await stored();
        assert.deepEqual(await callsOf(() => bob.unfavourite(post.id)), { txn: 1 }, 'nothing to undo: one txn that writes nothing');
        assert.deepEqual(await stored(), undone);

        let reblogId = '';
        assert.deepEqual(
          await callsOf(async () => {
            reblogId = (await bob.reblog(post.id)).post!.id;
          }),
          { txn: 1 },
        );
        assert.equal((await kv.get(keys.reblog(post.id, 'bob')))?.value, reblogId);
        assert.deepEqual(await callsOf(() => bob.unreblog(reblogId)), { txn: 1 });
        assert.equal(await kv.get(keys.reblog(post.id, 'bob')), undefined);
        assert.equal(await kv.get(keys.post(reblogId)), undefined);
      } finally {
        await close();
      }
    });

    it('each answers the status as the action left it, for the actor: its own write and every earlier one counted', async () => {
      const { kv, social, readModel, signUp, tokenOf, close } = await socialSetup(engine, true);
      try {
        await signUp('alice', 'bob', 'carol');
        const post = await social.trustedActor('alice').post('like me');
        assert.ok(await readModel!.waitFor(await kv.revision()));
        const bob = social.as(tokenOf('bob'));
        const carol = social.as(tokenOf('carol'));
        /** The answer's status (by id) as [id, favourites, reblogs, favourited, reblogged], and whom the flags are for. */
        const shown = (acted: ActedStatus, id = acted.post?.id) => {
          const view = acted.described.posts.find((v) => v.post.id === id);
          return [acted.viewer, view && [view.post.id, view.favourites, view.reblogs, view.favourited, view.reblogged]];
        };
        assert.deepEqual(shown(await bob.favourite(post.id)), ['bob', [post.id, 1, 0, true, false]]);
        assert.deepEqual(shown(await bob.favourite(post.id)), ['bob', [post.id, 1, 0, true, false]], 'a repeat');
        assert.deepEqual(shown(await carol.favourite(post.id)), ['carol', [post.id, 2, 0, true, false]]);
        assert.deepEqual(shown(await bob.unfavourite(post.id)), ['bob', [post.id, 1, 0, false, false]]);
        const reblogged = await bob.reblog(post.id);
        const reblog = reblogged.post!;
        assert.deepEqual([reblog.author, reblog.reblogOf], ['bob', post.id]);
        assert.deepEqual(shown(reblogged, post.id), ['bob', [post.id, 1, 1, false, true]], 'the original comes with its reblog');
        assert.ok(reblogged.described.posts.some((v) => v.post.id === reblog.id));
        const alice = social.as(tokenOf('alice'));
        assert.deepEqual(
          shown(await alice.favourite(reblog.id)),
          ['alice', [post.id, 2, 1, true, false]],
          'through a reblog: the original',
        );
        assert.deepEqual(shown(await bob.unreblog(reblog.id)), ['bob', [post.id, 2, 0, false, false]], 'unreblog answers the original');
        const posted = await bob.postStatus('mine', 'key-1');
        assert.deepEqual(shown(posted), ['bob', [posted.post!.id, 0, 0, false, false]]);
        assert.equal(posted.described.profiles.find((p) => p.account.username === 'bob')?.posts, 1, 'the author counted with the post');
        assert.deepEqual((await bob.postStatus('mine', 'key-1')).post, posted.post, 'a repeat answers the first post');
        await social.trustedActor('alice').deletePost(post.id);
        const gone = await carol.unfavourite(post.id);
        assert.deepEqual([gone.post, gone.described.posts], [undefined, []], 'a deleted post unfavourited: nothing to show');
      } finally {
        await close();
      }
    });

    it('a hint the store no longer bears out writes nothing and gets the careful answer: gone, blocked, logged out', async () => {
      const { kv, keys, social, readModel, auth, signUp, tokenOf, close } = await socialSetup(engine, true);
      try {
        await signUp('alice', 'bob', 'carol');
        const post = await social.trustedActor('alice').post('like me');
        assert.ok(await readModel!.waitFor(await kv.revision()));
        // The view keeps what it knew (a lagging view): only the store changes.
        const stale = async (write: () => Promise<unknown>) => {
          await readModel!.close();
          await write();
        };
        await kv.txn({ compare: [], success: [{ type: 'put', key: keys.block('alice', 'carol'), value: '1' }] });
        await assert.rejects(social.as(tokenOf('carol')).favourite(post.id), rejectsWith('forbidden'));
        await auth.logOut(tokenOf('bob'));
        await assert.rejects(social.as(tokenOf('bob')).favourite(post.id), rejectsWith('unauthenticated'));
        await stale(() => social.trustedActor('alice').deletePost(post.id));
        await assert.rejects(social.trustedActor('carol').unfavourite(post.id), rejectsWith('not_found'));
        await assert.rejects(social.trustedActor('carol').favourite(post.id), rejectsWith('not_found'));
        assert.equal((await kv.range({ prefix: keys.favouritesPrefix(post.id) })).items.length, 0);
      } finally {
        await close();
      }
    });
  });
});
