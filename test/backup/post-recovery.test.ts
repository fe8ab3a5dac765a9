/**
 * docs/operations/recovery.md, "A mistaken mass delete": a copy of the
 * store as it was (a restored backup) gives back the posts deleted since,
 * each with its reply, tag and reblog rows, and nothing written since the
 * copy is lost or changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPostRecovery, planPostRecovery } from '../../src/backup/post-recovery.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { socialSetup } from '../helpers/social.js';

forEachEngine((engine) => {
  describe('putting back deleted posts from a restored copy', () => {
    it('restores exactly the posts the live store lost, threads and tags included, and keeps what was written since', async () => {
      const live = await socialSetup(engine, true);
      // The restored copy: a store of its own (for the etcd engine too), under the same key root.
      const copyKv = await EmbeddedKV.open({ path: ':memory:' });
      try {
        await live.signUp('alice', 'bob', 'carol', 'dave');
        const as = (name: string) => live.social.as(live.tokenOf(name));
        await as('carol').follow('alice');
        const root = await as('alice').post('the first #launch post');
        live.tick();
        const reply = await as('bob').post('a reply to it', undefined, { inReplyToId: root.id });
        live.tick();
        const second = await as('alice').post('a second one');
        live.tick();
        const reblog = (await as('bob').reblog(second.id)).post!;
        live.tick();
        const daves = await as('dave').post('dave was here');
        // The backup: every key as it is now.
        for (const { key, value } of await dumpStore(live)) await copyKv.put(key, value);
        const copy = { kv: copyKv, keys: live.keys };

        // The mistake: alice's and bob's posts and dave's account deleted; then life goes on.
        for (const [author, id] of [
          ['bob', reblog.id],
          ['bob', reply.id],
          ['alice', root.id],
          ['alice', second.id],
        ] as const)
          await as(author).deletePost(id);
        const later = await as('alice').post('written after the backup');
        await as('dave').deletePost(daves.id);
        await live.kv.delete(live.keys.account('dave'));
        const beforeRecovery = await dumpStore(live);

        const plan = await planPostRecovery(live.kv, copy.kv, live.keys);
        assert.deepEqual(
          plan.missing.map((p) => p.id),
          [root.id, reply.id, second.id, reblog.id],
        );
        assert.deepEqual(
          plan.skipped.map(({ post, why }) => [post.id, why]),
          [[daves.id, 'its author has no account any more']],
        );
        const onlyAlice = await planPostRecovery(live.kv, copy.kv, live.keys, ['alice']);
        assert.deepEqual(
          onlyAlice.missing.map((p) => p.id),
          [root.id, second.id],
        );
        assert.deepEqual(await dumpStore(live), beforeRecovery, 'planning writes nothing');

        assert.deepEqual(await applyPostRecovery(live.kv, live.keys, plan), { written: 4, refused: [] });
        const after = new Map((await dumpStore(live)).map(({ key, value }) => [key, value]));
        // Every row of a post (notifications aside) is back as it was; dave's post stays gone with dave.
        const postRows = ['posts-by', 'posts', 'tags', 'replies', 'reblogs'] as const;
        let rows = 0;
        for (const { key, value } of await dumpStore(copy)) {
          if (!postRows.some((family) => key.startsWith(live.keys.family(family))) || key.includes(daves.id)) continue;
          assert.equal(after.get(key), value, `${key} is back as it was`);
          rows++;
        }
        assert.equal(rows, 4 + 4 + 1 + 1 + 1, 'four posts, their id index, one tag, one reply and one reblog row');
        assert.equal(after.get(live.keys.post(daves.id)), undefined);
        assert.ok(after.has(live.keys.authorPost('alice', later.id)), 'the post written since the backup stays');
        await live.readModel!.waitFor(await live.kv.revision());
        const feed = await as('carol').homeFeed(10);
        assert.deepEqual(
          feed.page.items.map((p) => p.id),
          [later.id, second.id, root.id],
        );
        const thread = await live.social.getThread(root.id);
        assert.deepEqual(
          thread.descendants.map((p) => p.id),
          [reply.id],
        );

        // A second run finds nothing to do, and a post put back meanwhile is refused, not doubled.
        assert.equal((await planPostRecovery(live.kv, copy.kv, live.keys)).missing.length, 0);
        const again = await applyPostRecovery(live.kv, live.keys, plan);
        assert.equal(again.written, 0);
        assert.deepEqual(again.refused.map((p) => p.id).sort(), plan.missing.map((p) => p.id).sort());
      } finally {
        await copyKv.close();
        await live.close();
      }
    });
  });
});
