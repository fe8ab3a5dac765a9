import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Actor } from '../../src/domain/social.js';
import type { KV, TxnRequest } from '../../src/kv/kv.js';
import { DeletionSweeper } from '../../src/services/social/deletion-sweeper.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { socialSetup } from '../helpers/social.js';

/** Keys that name the account as one of their parts, or whose record is by it or for it. */
const keysOf = async (store: Parameters<typeof dumpStore>[0], name: string) =>
  (await dumpStore(store))
    .filter(({ key, value }) => {
      if (key.slice(store.keys.root.length).split('/').includes(name) || value === name) return true;
      const record = value.startsWith('{') ? (JSON.parse(value) as Record<string, unknown>) : {};
      return [record.author, record.actor, record.recipient].includes(name);
    })
    .map((entry) => entry.key)
    .sort();

/**
 * The kv the social service writes through, which can be told to run
 * something just before the next txn that puts a key: an action's write,
 * after every read it made before it. Deleting an account there is the
 * race at its worst: the action saw the account, the tombstone lands, and
 * then the action's txn.
 */
function hooked(kv: KV) {
  let before: (() => Promise<void>) | undefined;
  const wrapped = new Proxy(kv, {
    get(target, name, receiver) {
      if (name !== 'txn') return Reflect.get(target, name, receiver);
      return async (request: TxnRequest) => {
        const run = before;
        if (run && request.success.some((op) => op.type === 'put')) {
          before = undefined;
          await run();
        }
        return target.txn(request);
      };
    },
  });
  return { kv: wrapped, beforeNextWrite: (run: () => Promise<void>) => (before = run) };
}

forEachEngine((engine) => {
  describe(`an action racing an account's deletion (${engine.name})`, () => {
    // With the view, a favourite or reblog first tries its one txn (one-txn-reactions.ts): the race fails that txn, then the careful path's.
    for (const withView of [false, true]) {
      it(`writes no row of the account once its tombstone is written: refused, or a mention left as plain text (${withView ? 'view' : 'store'} reads)`, async () => {
        let hook: ReturnType<typeof hooked> | undefined;
        const setup = await socialSetup(engine, withView, {
          wrapKv: (kv) => {
            hook = hooked(kv);
            return hook.kv;
          },
        });
        const { kv, keys, social, auth, signUp, tokenOf, close } = setup;
        try {
          const victims = ['mentioned', 'parent', 'favourited', 'reblogged', 'followed', 'blocked', 'muted'];
          const actingVictims = ['favours', 'follows', 'blocks', 'mutes', 'reads', 'reblogs'];
          await signUp('bob', ...victims, ...actingVictims);
          const bob = social.trustedActor('bob');
          const bobPost = await bob.post('hello @reads');
          const postOf = new Map<string, string>();
          for (const name of ['parent', 'favourited', 'reblogged'])
            postOf.set(name, (await social.trustedActor(name).post(`by ${name}`)).id);
          // With the view caught up, a favourite or reblog takes its one txn first, and the race fails that txn.
          if (setup.readModel) assert.ok(await setup.readModel.waitFor(await kv.revision()));

          /** Runs `act`, deleting `victim` just before its write; returns the outcome and the victim's keys before and after. */
          const race = async <T>(victim: string, act: () => Promise<T>) => {
            let atTombstone: string[] | undefined;
            hook?.beforeNextWrite(async () => {
              await auth.deleteAccount(tokenOf(victim), 'correct horse');
              atTombstone = await keysOf({ kv, keys }, victim);
            });
            const outcome = await act().then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            );
            assert.ok(atTombstone, `${victim}: the deletion ran inside the action`);
            assert.deepEqual(await keysOf({ kv, keys }, victim), atTombstone, `${victim}: no row written after the tombstone`);
            return outcome;
          };
          const refused = async (victim: string, act: (actor: Actor) => Promise<unknown>, as = bob) => {
            const outcome = await race(victim, () => act(as));
            assert.ok('error' in outcome, `${victim}: refused`);
            await assert.rejects(Promise.reject(outcome.error), rejectsWith('not_found'));
          };

          const mention = await race('mentioned', () => bob.post('hi @mentioned and @bob'));
          assert.ok('value' in mention, 'a post mentioning a deleted account is written');
          assert.deepEqual(mention.value.mentions, ['bob'], 'the deleted account is plain text; a live one stays a mention');

          await refused('parent', (a) => a.post('an answer', undefined, { inReplyToId: postOf.get('parent') }));
          await refused('favourited', (a) => a.favourite(postOf.get('favourited') ?? ''));
          await refused('reblogged', (a) => a.reblog(postOf.get('reblogged') ?? ''));
          await refused('followed', (a) => a.follow('followed'));
          await refused('blocked', (a) => a.block('blocked'));
          await refused('muted', (a) => a.mute('muted'));

          // The deleted account's own requests still in flight.
          const as = (name: string) => social.trustedActor(name);
          await refused('favours', (a) => a.favourite(bobPost.id), as('favours'));
          await refused('follows', (a) => a.follow('bob'), as('follows'));
          await refused('blocks', (a) => a.block('bob'), as('blocks'));
          await refused('mutes', (a) => a.mute('bob'), as('mutes'));
          await refused('reads', (a) => a.markNotificationsRead(), as('reads'));
          await refused('reblogs', (a) => a.reblog(bobPost.id), as('reblogs'));

          assert.equal(await social.sweepDeletedAccounts(), victims.length + actingVictims.length);
          for (const name of [...victims, ...actingVictims])
            assert.deepEqual(await keysOf({ kv, keys }, name), [keys.deletedAccount(name)]);
          assert.deepEqual((await social.getProfile('bob')).posts, 2, "bob's post and the one with a plain-text mention");
        } finally {
          await close();
        }
      });
    }
  });

  for (const withView of [false, true]) {
    it(`leaves a deleted followee's posts out of the home feed before any sweep (${withView ? 'view' : 'store'} reads)`, async () => {
      const { social, auth, signUp, tokenOf, tick, close } = await socialSetup(engine, withView);
      try {
        await signUp('alice', 'bob', 'carol');
        const bob = social.trustedActor('bob');
        await bob.follow('alice');
        await bob.follow('carol');
        const carolPost = await social.trustedActor('carol').post('from carol');
        tick();
        const alicePost = await social.trustedActor('alice').post('from alice');
        const ids = async () => (await bob.homeFeed()).page.items.map((post) => post.id);
        assert.deepEqual(await ids(), [alicePost.id, carolPost.id]);
        await auth.deleteAccount(tokenOf('alice'), 'correct horse');
        assert.deepEqual(await ids(), [carolPost.id]);
      } finally {
        await close();
      }
    });
  }

  describe(`sweeping a deleted account (${engine.name})`, () => {
    it('starts at once on the tombstone, not on the timer', async (t) => {
      const { kv, keys, social, auth, signUp, tokenOf, tick, close } = await socialSetup(engine, true);
      const errors: unknown[] = [];
      // The timer alone would not sweep within this test.
      const sweeper = new DeletionSweeper({
        sweep: () => social.sweepDeletedAccounts(),
        onError: (error) => errors.push(error),
        kv,
        tombstonesPrefix: keys.deletedAccountsPrefix(),
        intervalMs: 60_000,
      });
      try {
        await signUp('alice', 'bob', 'carol');
        const alice = social.trustedActor('alice');
        const bob = social.trustedActor('bob');
        await bob.follow('alice');
        await alice.follow('carol');
        const bobPost = await bob.post('from bob');
        tick();
        const alicePost = await alice.post('from alice');
        await alice.favourite(bobPost.id);
        assert.ok((await bob.homeFeed()).page.items.some((post) => post.id === alicePost.id));
        sweeper.start();
        // Let the start-up sweep (nothing to do) pass, so only the watch can start the next.
        await sleep(100);

        const began = Date.now();
        await auth.deleteAccount(tokenOf('alice'), 'correct horse');
        const deletedAt = Date.now();
        const clean = async () => {
          const [feed, bobProfile, carol, view] = await Promise.all([
            bob.homeFeed(),
            social.getProfile('bob'),
            social.getProfile('carol'),
            social.describePosts([bobPost.id]),
          ]);
          return (
            feed.page.items.every((post) => post.author !== 'alice') &&
            bobProfile.following === 0 &&
            carol.followers === 0 &&
            view.posts[0]?.favourites === 0 &&
            (await keysOf({ kv, keys }, 'alice')).length === 1
          );
        };
        while (!(await clean())) {
          assert.ok(Date.now() - deletedAt < 1_500, 'swept within 1.5 s of the deletion returning');
          await sleep(20);
        }
        t.diagnostic(`deletion call ${deletedAt - began} ms; gone from reads and the store ${Date.now() - deletedAt} ms after it returned`);
        assert.deepEqual(await keysOf({ kv, keys }, 'alice'), [keys.deletedAccount('alice')]);
        assert.deepEqual(errors, []);
      } finally {
        await sweeper.close();
        await close();
      }
    });
  });
});
