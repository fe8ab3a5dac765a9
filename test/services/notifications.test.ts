import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { NOTIFICATION_TYPES, type Notification, notificationFor } from '../../src/domain/notification.js';
import { encodeCursor } from '../../src/domain/page.js';
import type { PostEvent } from '../../src/domain/social.js';
import type { KV, TxnRequest } from '../../src/kv/kv.js';
import { trimNotifications } from '../../src/services/social/notification-trim.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { eventually } from '../helpers/eventually.js';
import { collect, rejectsWith } from '../helpers/fixtures.js';
import { socialSetup, writeNotification } from '../helpers/social.js';

/** A KV whose next `count` writing txns apply and then fail as if the reply was lost (an unknown outcome). */
function losingReplies(kv: KV): { kv: KV; lose: (count: number) => void } {
  let left = 0;
  const lossy = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'txn') return typeof value === 'function' ? value.bind(target) : value;
      return async (request: TxnRequest) => {
        const result = await target.txn(request);
        if (left > 0 && request.success.some((op) => op.type !== 'get')) {
          left--;
          throw new DomainError('unavailable', 'The store did not answer in time.');
        }
        return result;
      };
    },
  });
  return { kv: lossy, lose: (count) => (left = count) };
}

forEachEngine((engine) => {
  for (const withView of [false, true]) {
    describe(withView ? 'reading from the watch-fed view' : 'reading from the store', () => {
      const setup = (options?: Parameters<typeof socialSetup>[2]) => socialSetup(engine, withView, options);

      it('writes a follow notification with the follow and deletes it with the unfollow, exactly once', async () => {
        const { kv, keys, social, signUp, tick, now, close } = await setup();
        try {
          await signUp('alice', 'bob');
          const followedAt = now();
          await social.trustedActor('alice').follow('BOB');
          const expected = notificationFor('follow', 'alice', 'bob', followedAt);
          assert.deepEqual(expected, { id: expected.id, recipient: 'bob', type: 'follow', actor: 'alice', createdAtMs: followedAt });
          assert.deepEqual(await social.trustedActor('bob').listNotifications(), { items: [expected], next: null });
          assert.deepEqual(await social.trustedActor('bob').getNotification(expected.id), expected);
          assert.deepEqual(await social.trustedActor('alice').listNotifications(), { items: [], next: null });

          tick(10);
          const revision = await kv.revision();
          await social.trustedActor('alice').follow('bob');
          assert.equal(await kv.revision(), revision, 'a repeated follow writes nothing');
          assert.equal(await kv.count(keys.notificationsPrefix('bob')), 1);

          await social.trustedActor('alice').unfollow('bob');
          assert.equal(await kv.count(keys.notificationsPrefix('bob')), 0);
          assert.deepEqual(await social.trustedActor('bob').listNotifications(), { items: [], next: null });
          await assert.rejects(social.trustedActor('bob').getNotification(expected.id), rejectsWith('not_found', 'No such notification.'));

          tick(10);
          const again = now();
          await social.trustedActor('alice').follow('bob');
          assert.deepEqual(await social.trustedActor('bob').listNotifications(), {
            items: [notificationFor('follow', 'alice', 'bob', again)],
            next: null,
          });
        } finally {
          await close();
        }
      });

      it('stores one follow and one notification when a follow or unfollow is retried after an unknown outcome', async () => {
        let lose: (count: number) => void = () => {};
        const { kv, keys, social, signUp, tick, now, close } = await setup({
          wrapKv: (inner) => {
            const lossy = losingReplies(inner);
            lose = lossy.lose;
            return lossy.kv;
          },
        });
        try {
          await signUp('alice', 'bob');
          const firstAt = now();
          lose(1);
          await assert.rejects(social.trustedActor('alice').follow('bob'), rejectsWith('unavailable'));
          tick(500);
          await social.trustedActor('alice').follow('bob');
          const stored = await kv.range({ prefix: keys.notificationsPrefix('bob') });
          assert.deepEqual(
            stored.items.map((item) => JSON.parse(item.value) as Notification),
            [notificationFor('follow', 'alice', 'bob', firstAt)],
          );
          assert.equal((await social.trustedActor('bob').listNotifications()).items.length, 1);
          assert.equal((await social.getProfile('bob')).followers, 1);

          lose(1);
          await assert.rejects(social.trustedActor('alice').unfollow('bob'), rejectsWith('unavailable'));
          await social.trustedActor('alice').unfollow('bob');
          assert.equal(await kv.count(keys.notificationsPrefix('bob')), 0);
          assert.equal(await social.isFollowing('alice', 'bob'), false);
        } finally {
          await close();
        }
      });

      it('lists newest first, by type, leaving out hidden accounts and deleted posts, with pages that stay whole', async () => {
        const { social, signUp, now, close, ...store } = await setup();
        try {
          await signUp('rita', 'amy', 'ben', 'cat', 'dan');
          const kept = await social.trustedActor('rita').post('still here');
          const gone = await social.trustedActor('rita').post('soon gone');
          const actors = ['amy', 'ben', 'cat', 'dan'];
          const written: Notification[] = [];
          for (let i = 0; i < 24; i++) {
            const type = NOTIFICATION_TYPES[i % 4]!;
            const postId = type === 'follow' ? undefined : i % 3 === 0 ? gone.id : kept.id;
            written.push(await writeNotification(store, type, actors[(i + Math.floor(i / 4)) % 4]!, 'rita', now() + i * 1000, postId));
          }
          await social.trustedActor('rita').deletePost(gone.id);
          await social.trustedActor('rita').mute('dan');
          await social.trustedActor('cat').block('rita');
          const shown = (n: Notification) => (n.actor === 'amy' || n.actor === 'ben') && n.postId !== gone.id;
          const expected = written.filter(shown).sort((a, b) => (a.id < b.id ? -1 : 1));
          for (const left of [
            (n: Notification) => n.actor === 'cat',
            (n: Notification) => n.actor === 'dan',
            (n: Notification) => n.postId === gone.id,
          ]) {
            assert.ok(written.some(left) && !expected.some(left), 'each rule leaves some out');
          }
          assert.ok(expected.length >= 10);
          assert.equal(expected[0]!.createdAtMs, Math.max(...expected.map((n) => n.createdAtMs)), 'newest first');

          assert.deepEqual(await social.trustedActor('rita').listNotifications({ limit: 100 }), { items: expected, next: null });
          for (const limit of [1, 2, 5]) {
            const pages = await collect((cursor) => social.trustedActor('rita').listNotifications({ limit, cursor }));
            assert.ok(pages.every((page) => page.length <= limit));
            assert.deepEqual(pages.flat(), expected, `pages of ${limit}`);
          }

          const favourites = expected.filter((n) => n.type === 'favourite');
          assert.ok(favourites.length > 0);
          assert.deepEqual((await social.trustedActor('rita').listNotifications({ types: ['favourite'] })).items, favourites);
          assert.deepEqual(
            (await social.trustedActor('rita').listNotifications({ types: ['follow', 'reblog'] })).items,
            expected.filter((n) => n.type === 'follow' || n.type === 'reblog'),
          );
          const typed = await collect((cursor) =>
            social.trustedActor('rita').listNotifications({ limit: 1, cursor, types: ['favourite'] }),
          );
          assert.deepEqual(typed.flat(), favourites);
          assert.deepEqual(await social.trustedActor('rita').listNotifications({ types: [] }), { items: [], next: null });

          await assert.rejects(
            social.trustedActor('rita').listNotifications({ types: ['poll' as 'follow'] }),
            rejectsWith('invalid', undefined, 'types'),
          );
          await assert.rejects(
            social.trustedActor('rita').listNotifications({ cursor: encodeCursor('nope') }),
            rejectsWith('invalid', 'Malformed cursor.'),
          );
          await assert.rejects(social.trustedActor('rita').listNotifications({ limit: 101 }), rejectsWith('invalid', undefined, 'limit'));
          await assert.rejects(social.trustedActor('no one!').listNotifications(), rejectsWith('not_found'));
        } finally {
          await close();
        }
      });

      it("gets only the recipient's own shown notifications", async () => {
        const { social, signUp, now, close, ...store } = await setup();
        try {
          await signUp('rita', 'amy', 'ben');
          const post = await social.trustedActor('rita').post('hello');
          const fromAmy = await writeNotification(store, 'favourite', 'amy', 'rita', now(), post.id);
          const fromBen = await writeNotification(store, 'reblog', 'ben', 'rita', now() + 1, post.id);
          assert.deepEqual(await social.trustedActor('RITA').getNotification(fromAmy.id), fromAmy);
          await assert.rejects(social.trustedActor('amy').getNotification(fromAmy.id), rejectsWith('not_found', 'No such notification.'));
          for (const id of ['', 'x', fromAmy.id.toUpperCase(), '../../accounts/amy']) {
            await assert.rejects(social.trustedActor('rita').getNotification(id), rejectsWith('not_found'));
          }
          await social.trustedActor('rita').mute('ben');
          await assert.rejects(social.trustedActor('rita').getNotification(fromBen.id), rejectsWith('not_found'));
          await social.trustedActor('rita').unmute('ben');
          assert.deepEqual(await social.trustedActor('rita').getNotification(fromBen.id), fromBen);
          await social.trustedActor('rita').deletePost(post.id);
          await assert.rejects(social.trustedActor('rita').getNotification(fromAmy.id), rejectsWith('not_found'));
        } finally {
          await close();
        }
      });

      it('dismisses one notification idempotently and clears them all', async () => {
        const { social, signUp, now, close, ...store } = await setup();
        try {
          await signUp('rita', 'amy', 'ben', 'cat');
          for (const fan of ['amy', 'ben', 'cat']) await social.trustedActor(fan).follow('rita');
          await social.trustedActor('rita').follow('amy');
          const [newest, middle, oldest] = (await social.trustedActor('rita').listNotifications()).items;
          assert.deepEqual(
            [newest, middle, oldest].map((n) => n?.actor),
            ['cat', 'ben', 'amy'],
          );
          await social.trustedActor('rita').dismissNotification(middle!.id);
          assert.deepEqual((await social.trustedActor('rita').listNotifications()).items, [newest, oldest]);
          const revision = await store.kv.revision();
          await social.trustedActor('rita').dismissNotification(middle!.id);
          await social.trustedActor('amy').dismissNotification(newest!.id);
          assert.equal(await store.kv.revision(), revision, "dismissing a missing or another's notification writes nothing");
          await assert.rejects(social.trustedActor('rita').dismissNotification('not-an-id'), rejectsWith('not_found'));
          assert.equal(await social.isFollowing('ben', 'rita'), true, 'dismissing leaves the follow');

          await writeNotification(store, 'mention', 'ben', 'rita', now() + 5, (await social.trustedActor('ben').post('hi @rita')).id);
          await social.trustedActor('rita').clearNotifications();
          assert.deepEqual(await social.trustedActor('rita').listNotifications(), { items: [], next: null });
          assert.equal(await store.kv.count(store.keys.notificationsPrefix('rita')), 0);
          assert.equal((await social.trustedActor('amy').listNotifications()).items.length, 1, "another account's notifications stay");
          await social.trustedActor('rita').clearNotifications();
        } finally {
          await close();
        }
      });

      it('counts unread notifications past the marker, which only moves forward', async () => {
        const { kv, keys, social, signUp, tick, now, close } = await setup();
        try {
          await signUp('rita', 'amy', 'ben');
          assert.deepEqual(await social.trustedActor('rita').notificationMarker(), { lastReadId: '', unread: 0 });
          assert.deepEqual(await social.trustedActor('rita').markNotificationsRead(), { lastReadId: '', unread: 0 });
          assert.equal(await kv.get(keys.notificationMark('rita')), undefined, 'nothing to mark, nothing written');

          await social.trustedActor('amy').follow('rita');
          tick();
          await social.trustedActor('ben').follow('rita');
          assert.deepEqual(await social.trustedActor('rita').notificationMarker(), { lastReadId: '', unread: 2 });
          const [fromBen, fromAmy] = (await social.trustedActor('rita').listNotifications()).items;
          assert.deepEqual(await social.trustedActor('rita').markNotificationsRead(), { lastReadId: fromBen!.id, unread: 0 });

          const post = await social.trustedActor('rita').post('hello');
          const later = await writeNotification({ kv, keys }, 'favourite', 'amy', 'rita', now() + 100, post.id);
          assert.deepEqual(await social.trustedActor('rita').notificationMarker(), { lastReadId: fromBen!.id, unread: 1 });

          const revision = await kv.revision();
          assert.deepEqual(await social.trustedActor('rita').markNotificationsRead(fromAmy!.id), { lastReadId: fromBen!.id, unread: 1 });
          assert.equal(await kv.revision(), revision, 'the marker never moves back');

          await social.trustedActor('rita').mute('amy');
          assert.deepEqual(
            await social.trustedActor('rita').notificationMarker(),
            { lastReadId: fromBen!.id, unread: 0 },
            'muted accounts are not counted',
          );
          await social.trustedActor('rita').unmute('amy');
          assert.equal((await social.trustedActor('rita').notificationMarker()).unread, 1);

          assert.deepEqual(await social.trustedActor('rita').markNotificationsRead(later.id), { lastReadId: later.id, unread: 0 });
          await assert.rejects(social.trustedActor('rita').markNotificationsRead('nope'), rejectsWith('invalid', undefined, 'lastReadId'));
          assert.equal((await kv.get(keys.notificationMark('rita')))?.value, later.id);
        } finally {
          await close();
        }
      });

      it("keeps an account's newest notifications within the bound", async () => {
        const { kv, keys, social, signUp, tick, close } = await setup({ notificationBound: { kept: 5, slack: 2 } });
        try {
          const fans = Array.from({ length: 8 }, (_, i) => `fan_${i}`);
          await signUp('star', ...fans);
          for (const fan of fans.slice(0, 7)) {
            await social.trustedActor(fan).follow('star');
            tick();
          }
          assert.equal(await kv.count(keys.notificationsPrefix('star')), 7, 'within kept + slack, nothing is trimmed');
          await social.trustedActor(fans[7]!).follow('star');
          await eventually(async () => (await kv.count(keys.notificationsPrefix('star'))) === 5, {
            timeoutMs: 10_000,
            what: 'the trim to the newest 5',
          });
          assert.deepEqual(
            (await social.trustedActor('star').listNotifications()).items.map((n) => n.actor),
            ['fan_7', 'fan_6', 'fan_5', 'fan_4', 'fan_3'],
          );
          assert.equal((await social.getProfile('star')).followers, 8, 'trimming notifications leaves the follows');
        } finally {
          await close();
        }
      });

      it('streams a notification event when one is written', async () => {
        const { social, signUp, close } = await setup();
        const controller = new AbortController();
        try {
          await signUp('alice', 'bob');
          const events = social.watchPosts(controller.signal)[Symbol.asyncIterator]();
          // The stream carries only what is written after it is established: probe until a post comes through.
          let next = events.next();
          for (let probe = 0; ; probe++) {
            assert.ok(probe < 100, 'the stream never started');
            await social.trustedActor('alice').post(`probe ${probe}`);
            const first = await Promise.race([next, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
            if (first !== undefined) break;
          }
          await social.trustedActor('alice').follow('bob');
          let event: PostEvent | undefined;
          for (let i = 0; i < 200 && event?.kind !== 'notification'; i++) {
            next = events.next();
            event = (await next).value as PostEvent;
          }
          assert.equal(event?.kind, 'notification');
          const { notification } = event as PostEvent & { kind: 'notification' };
          assert.deepEqual([notification.recipient, notification.type, notification.actor], ['bob', 'follow', 'alice']);
          await social.trustedActor('alice').unfollow('bob');
        } finally {
          controller.abort();
          await close();
        }
      });
    });
  }

  describe('trimNotifications with the default bound', () => {
    it('deletes the oldest beyond 1,000 once an account has more than 1,100', async () => {
      const store = await engine.open();
      try {
        const start = 1_700_000_000_000;
        const write = async (from: number, to: number) => {
          for (let i = from; i < to; i += 100) {
            const batch = Array.from({ length: Math.min(100, to - i) }, (_, j) =>
              notificationFor('follow', `fan_${i + j}`, 'star', start + i + j),
            );
            await store.kv.txn({
              compare: [],
              success: batch.map((n) => ({ type: 'put', key: store.keys.notification('star', n.id), value: JSON.stringify(n) })),
            });
          }
        };
        await write(0, 1100);
        assert.equal(await trimNotifications(store, 'star'), 0, '1,100 is within the bound');
        await write(1100, 1110);
        const before = await dumpStore(store);
        assert.equal(await trimNotifications(store, 'star'), 110);
        const left = await store.kv.range({ prefix: store.keys.notificationsPrefix('star') });
        assert.equal(left.items.length, 1000);
        assert.deepEqual(
          left.items.map((item) => item.key),
          before.slice(0, 1000).map((item) => item.key),
          'the newest are kept',
        );
        assert.equal((JSON.parse(left.items.at(-1)!.value) as Notification).actor, 'fan_110');
      } finally {
        await store.close();
      }
    });
  });
});
