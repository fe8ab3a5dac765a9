import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countingKv } from '../../bench/counting-kv.js';
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
