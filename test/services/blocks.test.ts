import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notificationFor } from '../../src/domain/notification.js';
import { encodeCursor } from '../../src/domain/page.js';
import type { Relationship } from '../../src/domain/social.js';
import { StoreReads } from '../../src/services/social/store-reads.js';
import { ViewReads } from '../../src/services/social/view-reads.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { collect, rejectsWith } from '../helpers/fixtures.js';
import { socialSetup, writeNotification } from '../helpers/social.js';

const none = { following: false, followedBy: false, blocking: false, blockedBy: false, muting: false };
const relation = (target: string, flags: Partial<Relationship> = {}): Relationship => ({ target, ...none, ...flags });

forEachEngine((engine) => {
  for (const withView of [false, true]) {
    describe(withView ? 'reading from the watch-fed view' : 'reading from the store', () => {
      const setup = () => socialSetup(engine, withView);

      it('blocks in one txn: the follows both ways and their notifications go, and follows are refused both ways', async () => {
        const { kv, keys, social, signUp, tick, now, close } = await setup();
        try {
          await signUp('alice', 'bob', 'carol');
          const aliceFollowedAt = now();
          await social.trustedActor('alice').follow('bob');
          tick();
          const bobFollowedAt = now();
          await social.trustedActor('bob').follow('alice');
          await social.trustedActor('carol').follow('bob');
          const revision = await kv.revision();

          await social.trustedActor('Alice').block('BOB');
          assert.equal(await kv.revision(), revision + 1, 'one txn');
          assert.equal(await social.isFollowing('alice', 'bob'), false);
          assert.equal(await social.isFollowing('bob', 'alice'), false);
          for (const key of [
            keys.following('alice', 'bob'),
            keys.follower('bob', 'alice'),
            keys.following('bob', 'alice'),
            keys.follower('alice', 'bob'),
            keys.notification('bob', notificationFor('follow', 'alice', 'bob', aliceFollowedAt).id),
            keys.notification('alice', notificationFor('follow', 'bob', 'alice', bobFollowedAt).id),
          ]) {
            assert.equal(await kv.get(key), undefined, key);
          }
          assert.ok(await kv.get(keys.block('alice', 'bob')));
          assert.ok(await kv.get(keys.blockedBy('bob', 'alice')));
          assert.deepEqual(
            (await social.trustedActor('bob').listNotifications()).items.map((n) => n.actor),
            ['carol'],
            "others' follows stay",
          );
          assert.deepEqual(await social.trustedActor('alice').listNotifications(), { items: [], next: null });
          assert.equal((await social.getProfile('bob')).followers, 1);

          const blocked = await dumpStore({ kv, keys });
          await social.trustedActor('alice').block('bob');
          await assert.rejects(
            social.trustedActor('bob').follow('alice'),
            rejectsWith('forbidden', 'You cannot follow an account that has blocked you.'),
          );
          await assert.rejects(
            social.trustedActor('alice').follow('bob'),
            rejectsWith('forbidden', 'Unblock this account before following it.'),
          );
          assert.deepEqual(await dumpStore({ kv, keys }), blocked, 'a repeated block and refused follows write nothing');

          await social.trustedActor('alice').unblock('bob');
          assert.equal(await kv.get(keys.block('alice', 'bob')), undefined);
          assert.equal(await kv.get(keys.blockedBy('bob', 'alice')), undefined);
          const unblocked = await kv.revision();
          await social.trustedActor('alice').unblock('bob');
          assert.equal(await kv.revision(), unblocked, 'a repeated unblock writes nothing');
          await social.trustedActor('bob').follow('alice');
          assert.equal(await social.isFollowing('bob', 'alice'), true);
          assert.deepEqual(
            (await social.trustedActor('alice').listNotifications()).items.map((n) => n.actor),
            ['bob'],
          );
        } finally {
          await close();
        }
      });

      it('refuses blocking or muting yourself and unknown accounts, writing nothing', async () => {
        const { kv, keys, social, signUp, close } = await setup();
        try {
          await signUp('alice');
          const before = await dumpStore({ kv, keys });
          await assert.rejects(social.trustedActor('alice').block('ALICE'), rejectsWith('invalid', 'You cannot block yourself.'));
          await assert.rejects(social.trustedActor('alice').mute('alice'), rejectsWith('invalid', 'You cannot mute yourself.'));
          await assert.rejects(social.trustedActor('alice').unblock('alice'), rejectsWith('invalid'));
          await assert.rejects(social.trustedActor('alice').unmute('alice'), rejectsWith('invalid'));
          const alice = social.trustedActor('alice');
          for (const call of [alice.block, alice.unblock, alice.mute, alice.unmute]) {
            await assert.rejects(call('ghost'), rejectsWith('not_found', 'No such user.'));
            await assert.rejects(call('../x'), rejectsWith('not_found'));
          }
          assert.deepEqual(await dumpStore({ kv, keys }), before);
        } finally {
          await close();
        }
      });

      it('hides blocked (either way) and muted accounts from notifications, and shows them again when undone', async () => {
        const { social, signUp, now, close, ...store } = await setup();
        try {
          await signUp('rita', 'amy', 'ben', 'cat');
          const post = await social.trustedActor('rita').post('hello');
          for (const [i, actor] of ['amy', 'ben', 'cat'].entries()) {
            await writeNotification(store, 'favourite', actor, 'rita', now() + i, post.id);
          }
          const actors = async () => (await social.trustedActor('rita').listNotifications()).items.map((n) => n.actor);
          assert.deepEqual(await actors(), ['cat', 'ben', 'amy']);
          await social.trustedActor('rita').mute('amy');
          const muted = await store.kv.revision();
          await social.trustedActor('rita').mute('AMY');
          assert.equal(await store.kv.revision(), muted, 'a repeated mute writes nothing');
          await social.trustedActor('rita').block('ben');
          await social.trustedActor('cat').block('rita');
          assert.deepEqual(await actors(), []);
          assert.equal((await social.trustedActor('rita').notificationMarker()).unread, 0);
          await social.trustedActor('rita').unmute('amy');
          await social.trustedActor('rita').unmute('amy');
          await social.trustedActor('rita').unblock('ben');
          await social.trustedActor('cat').unblock('rita');
          assert.deepEqual(await actors(), ['cat', 'ben', 'amy']);
          assert.equal((await social.trustedActor('rita').notificationMarker()).unread, 3);
          // A mute is one-way: what rita's mute hides from her, amy still sees of rita.
          await social.trustedActor('rita').mute('amy');
          await writeNotification(store, 'favourite', 'rita', 'amy', now() + 10, (await social.trustedActor('amy').post('mine')).id);
          assert.equal((await social.trustedActor('amy').listNotifications()).items.length, 1);
        } finally {
          await close();
        }
      });

      it('tells how an account relates to others, in the order asked', async () => {
        const { social, signUp, close } = await setup();
        try {
          await signUp('myself', 'friend', 'fan', 'idol', 'foe', 'hater', 'bore');
          await social.trustedActor('myself').follow('friend');
          await social.trustedActor('friend').follow('myself');
          await social.trustedActor('fan').follow('myself');
          await social.trustedActor('myself').follow('idol');
          await social.trustedActor('myself').block('foe');
          await social.trustedActor('hater').block('myself');
          await social.trustedActor('myself').mute('bore');
          await social.trustedActor('myself').follow('bore');
          assert.deepEqual(
            await social
              .trustedActor('MYSELF')
              .relationships(['bore', 'friend', 'ghost', 'FAN', 'idol', 'foe', 'hater', 'myself', 'not valid!']),
            [
              relation('bore', { following: true, muting: true }),
              relation('friend', { following: true, followedBy: true }),
              relation('fan', { followedBy: true }),
              relation('idol', { following: true }),
              relation('foe', { blocking: true }),
              relation('hater', { blockedBy: true }),
              relation('myself'),
            ],
          );
          assert.deepEqual(await social.trustedActor('myself').relationships([]), []);
          const many = Array.from({ length: 100 }, (_, i) => (i % 2 ? 'friend' : 'foe'));
          assert.equal((await social.trustedActor('myself').relationships(many)).length, 100);
          await assert.rejects(social.trustedActor('myself').relationships([...many, 'fan']), rejectsWith('invalid', undefined, 'targets'));
        } finally {
          await close();
        }
      });

      it('lists blocks and mutes in username order, page by page', async () => {
        const { social, signUp, close } = await setup();
        try {
          const others = ['usr_e', 'usr_a', 'usr_d', 'usr_c', 'usr_b'];
          await signUp('myself', ...others);
          for (const other of others) await social.trustedActor('myself').block(other);
          for (const other of others.slice(0, 2)) await social.trustedActor('myself').mute(other);
          const pages = await collect((cursor) => social.trustedActor('myself').listBlocks(2, cursor));
          assert.deepEqual(
            pages.map((page) => page.map((account) => account.username)),
            [['usr_a', 'usr_b'], ['usr_c', 'usr_d'], ['usr_e']],
          );
          assert.deepEqual(
            (await social.trustedActor('myself').listMutes()).items.map((account) => account.username),
            ['usr_a', 'usr_e'],
          );
          assert.deepEqual(await social.trustedActor('usr_a').listBlocks(), { items: [], next: null }, 'blocks have a direction');
          await assert.rejects(social.trustedActor('ghost').listBlocks(), rejectsWith('not_found'));
          await assert.rejects(
            social.trustedActor('myself').listMutes(10, encodeCursor('NOT/A/NAME')),
            rejectsWith('invalid', 'Malformed cursor.'),
          );
        } finally {
          await close();
        }
      });

      it('hides blocked and muted accounts from the reads every feed filters with', async () => {
        const { social, signUp, readModel, close, ...store } = await setup();
        try {
          await signUp('myself', 'foe', 'hater', 'bore', 'friend');
          await social.trustedActor('myself').block('foe');
          await social.trustedActor('hater').block('myself');
          await social.trustedActor('myself').mute('bore');
          await social.trustedActor('friend').mute('myself');
          const reads = readModel
            ? ((await readModel.waitFor(await store.kv.revision())) && new ViewReads(readModel.view)) || assert.fail('view is stale')
            : new StoreReads(store);
          const hidden = await reads.hiddenFor('myself');
          assert.deepEqual(['foe', 'hater', 'bore', 'friend', 'myself', 'ghost'].map(hidden), [true, true, true, false, false, false]);
          const friendHides = await reads.hiddenFor('friend');
          assert.equal(friendHides('myself'), true);
          assert.equal((await reads.hiddenFor('foe'))('myself'), true, 'a block hides both ways');
          assert.equal((await reads.hiddenFor('bore'))('myself'), false, 'a mute hides one way');
        } finally {
          await close();
        }
      });
    });
  }
});
