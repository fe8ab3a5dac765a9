import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStreamingAPIClient, type mastodon } from 'masto';
import generator from 'megalodon';
import { accountId, statusId } from '../../src/domain/mastodon-ids.js';
import { newPostId } from '../../src/domain/post.js';
import { type MastoHarness, openMastoHarness, pagesOf, refused, scopedToken } from './masto-harness.js';
import { api, readPaths } from './web-harness.js';

/**
 * Notifications through the Mastodon API (issue 11): one per follow,
 * mention, reply, favourite and reblog, none for acting on oneself or from
 * a muted account; the list with its filters and paging, one, dismiss,
 * clear, the unread count and the read marker, and the live
 * `user:notification` and `user` streams.
 */
for (const reads of readPaths) {
  describe(`Mastodon notifications (reads from the ${reads})`, () => {
    let m: MastoHarness;
    before(async () => {
      m = await openMastoHarness(reads);
      await m.as('alice');
    });
    after(() => m.close());

    /** A fresh recipient and actor, so each case counts only its own notifications. */
    async function pair(prefix: string) {
      const recipient = await m.as(`${prefix}_to`);
      const actor = await m.as(`${prefix}_by`);
      return { recipient, actor, recipientId: accountId(`${prefix}_to`), recipientName: `${prefix}_to`, actorName: `${prefix}_by` };
    }

    it('notifies a follow, a mention, a reply, a favourite and a reblog, once each, newest first, with the status', async () => {
      const { recipient, actor, recipientId, recipientName, actorName } = await pair('five');
      await actor.v1.accounts.$select(recipientId).follow();
      const post = await recipient.v1.statuses.create({ status: 'my post' });
      const mention = await actor.v1.statuses.create({ status: `hello @${recipientName}` });
      const reply = await actor.v1.statuses.create({ status: `@${recipientName} replying`, inReplyToId: post.id });
      await actor.v1.statuses.$select(post.id).favourite();
      await actor.v1.statuses.$select(post.id).favourite();
      await actor.v1.statuses.$select(post.id).reblog();

      const notifications = await recipient.v1.notifications.list();
      assert.deepEqual(
        notifications.map((n) => [n.type, n.account.username, n.status?.id]),
        [
          ['reblog', actorName, post.id],
          ['favourite', actorName, post.id],
          ['mention', actorName, reply.id],
          ['mention', actorName, mention.id],
          ['follow', actorName, undefined],
        ],
      );
      for (const n of notifications) assert.match(n.id, /^[1-9]\d{26}$/);
      assert.deepEqual(
        notifications.map((n) => n.id),
        [...notifications.map((n) => n.id)].sort().reverse(),
        'ids grow with time',
      );
      assert.equal(notifications[2]!.status?.inReplyToId, post.id);
      // The recipient's own actions notify nobody.
      await recipient.v1.statuses.$select(post.id).favourite();
      await recipient.v1.statuses.create({ status: `me, @${recipientName}` });
      assert.equal((await recipient.v1.notifications.list()).length, 5);
    });

    it('filters by types[], exclude_types[] and account_id, and pages by Link', async () => {
      const { recipient, actor, recipientId, recipientName } = await pair('filter');
      const other = await m.as('filter_other');
      await actor.v1.accounts.$select(recipientId).follow();
      await other.v1.accounts.$select(recipientId).follow();
      for (let i = 0; i < 3; i++) await actor.v1.statuses.create({ status: `@${recipientName} number ${i}` });

      const types = (list: mastodon.v1.Notification[]) => list.map((n) => n.type);
      assert.deepEqual(types(await recipient.v1.notifications.list({ types: ['follow'] })), ['follow', 'follow']);
      assert.deepEqual(types(await recipient.v1.notifications.list({ excludeTypes: ['follow'] })), ['mention', 'mention', 'mention']);
      assert.deepEqual(types(await recipient.v1.notifications.list({ types: ['poll'] })), [], 'a type Chorus never makes finds nothing');
      assert.deepEqual(
        (await recipient.v1.notifications.list({ accountId: accountId('filter_other') })).map((n) => n.account.username),
        ['filter_other'],
      );
      const all = (await recipient.v1.notifications.list()).map((n) => n.id);
      assert.equal(all.length, 5);
      assert.deepEqual((await pagesOf(recipient.v1.notifications.list({ limit: 2 }))).flat(), all);
      const since = await recipient.v1.notifications.list({ sinceId: all[2] });
      assert.deepEqual(
        since.map((n) => n.id),
        all.slice(0, 2),
      );
      const older = await recipient.v1.notifications.list({ maxId: all[2] });
      assert.deepEqual(
        older.map((n) => n.id),
        all.slice(3),
      );
    });

    it('fetches, dismisses and clears notifications; another account cannot see or dismiss them', async () => {
      const { recipient, actor, recipientId } = await pair('dismiss');
      await actor.v1.accounts.$select(recipientId).follow();
      const post = await recipient.v1.statuses.create({ status: 'something' });
      await actor.v1.statuses.$select(post.id).favourite();
      const [favourite, follow] = await recipient.v1.notifications.list();
      assert.equal((await recipient.v1.notifications.$select(favourite!.id).fetch()).type, 'favourite');
      await refused(actor.v1.notifications.$select(favourite!.id).fetch(), 404);
      await refused(recipient.v1.notifications.$select('42').fetch(), 404);
      await refused(recipient.v1.notifications.$select(statusId(newPostId(Date.UTC(2030, 0, 1)))).fetch(), 404);

      await actor.v1.notifications.$select(favourite!.id).dismiss();
      assert.equal((await recipient.v1.notifications.list()).length, 2, "another account's dismiss changes nothing");
      await recipient.v1.notifications.$select(favourite!.id).dismiss();
      await recipient.v1.notifications.$select(favourite!.id).dismiss();
      assert.deepEqual(
        (await recipient.v1.notifications.list()).map((n) => n.id),
        [follow!.id],
      );
      await refused(recipient.v1.notifications.$select(favourite!.id).fetch(), 404);
      await recipient.v1.notifications.clear();
      assert.deepEqual(await recipient.v1.notifications.list(), []);
    });

    it('counts the unread ones and keeps the read marker, which never moves back', async () => {
      const { recipient, actor, recipientName } = await pair('marker');
      for (let i = 0; i < 3; i++) await actor.v1.statuses.create({ status: `@${recipientName} ping ${i}` });
      assert.deepEqual(await recipient.v1.markers.fetch({ timeline: ['notifications'] }), {});
      assert.equal((await recipient.v1.notifications.unreadCount.fetch()).count, 3);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch({ limit: 2 })).count, 2);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch({ types: ['follow'] })).count, 0);

      const [newest, middle] = await recipient.v1.notifications.list();
      const marked = await recipient.v1.markers.create({ notifications: { lastReadId: middle!.id } });
      assert.equal(marked.notifications?.lastReadId, middle!.id);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch()).count, 1);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch({ types: ['mention'] })).count, 1);
      await recipient.v1.markers.create({ notifications: { lastReadId: newest!.id } });
      const stale = await recipient.v1.markers.create({ notifications: { lastReadId: middle!.id } });
      assert.equal(stale.notifications?.lastReadId, newest!.id, 'an older id leaves the marker where it was');
      const fetched = await recipient.v1.markers.fetch({ timeline: ['home', 'notifications'] });
      assert.equal(fetched.notifications?.lastReadId, newest!.id);
      assert.equal(fetched.home, undefined);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch()).count, 0);

      const token = m.tokens.get(recipientName)!;
      const bad = await api(m.h.app, 'POST', '/api/v1/markers', { token, json: { notifications: { last_read_id: 'abc' } } });
      assert.equal(bad.status, 422, bad.text);
      const unknown = await api(m.h.app, 'POST', '/api/v1/markers', { token, json: { bookmarks: { last_read_id: newest!.id } } });
      assert.equal(unknown.status, 422, unknown.text);
      assert.equal((await recipient.v1.markers.fetch({ timeline: ['notifications'] })).notifications?.lastReadId, newest!.id);
    });

    it('needs read:notifications to read and write:notifications to dismiss (403)', async () => {
      const readStatuses = await scopedToken(m.h, 'alice', 'read:statuses');
      assert.equal((await api(m.h.app, 'GET', '/api/v1/notifications', { token: readStatuses })).status, 403);
      const readOnly = await scopedToken(m.h, 'alice', 'read');
      assert.equal((await api(m.h.app, 'GET', '/api/v1/notifications', { token: readOnly })).status, 200);
      assert.equal((await api(m.h.app, 'POST', '/api/v1/notifications/clear', { token: readOnly })).status, 403);
      assert.equal((await api(m.h.app, 'GET', '/api/v1/notifications')).status, 401);
    });

    it("leaves out a muted account's notifications", async () => {
      const { recipient, actor, recipientName, actorName } = await pair('muted');
      await recipient.v1.accounts.$select(accountId(actorName)).mute();
      await actor.v1.statuses.create({ status: `@${recipientName} can you hear me?` });
      assert.deepEqual(await recipient.v1.notifications.list(), []);
      assert.equal((await recipient.v1.notifications.unreadCount.fetch({ types: ['mention'] })).count, 0);
      await recipient.v1.accounts.$select(accountId(actorName)).unmute();
      assert.equal((await recipient.v1.notifications.list()).length, 1, 'a mute hides, it does not delete');
    });

    it('streams a notification on user:notification and on user, as the Notification entity', async () => {
      const { recipient, actor, recipientName, actorName } = await pair('stream');
      const instance = await recipient.v2.instance.fetch();
      const streaming = createStreamingAPIClient({
        streamingApiUrl: instance.configuration.urls.streaming,
        accessToken: m.tokens.get(recipientName)!,
        retry: false,
      });
      const onlyNotifications = streaming.user.notification.subscribe();
      const user = streaming.user.subscribe();
      try {
        const notificationFrom = async (events: AsyncIterator<mastodon.streaming.Event>) => {
          for (let i = 0; i < 50; i++) {
            const { value, done } = await events.next();
            if (done) throw new Error('the stream ended');
            if (value.event === 'notification') return value;
          }
          throw new Error('no notification among 50 events');
        };
        const waiting = Promise.all([notificationFrom(onlyNotifications.values()), notificationFrom(user.values())]);
        // The stream sends nothing from before its subscription: mention until it is surely open.
        let arrived: Awaited<typeof waiting> | undefined;
        for (let attempt = 0; attempt < 10 && !arrived; attempt++) {
          await actor.v1.statuses.create({ status: `@${recipientName} are you there? ${attempt}` });
          arrived = await Promise.race([waiting, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000))]);
        }
        assert.ok(arrived, 'a notification arrived on both streams');
        for (const event of arrived) {
          assert.equal(event.payload.type, 'mention');
          assert.equal(event.payload.account.username, actorName);
          assert.match(event.payload.status?.content ?? '', /are you there\?/);
        }
        assert.deepEqual(
          arrived.map((event) => event.stream),
          [['user:notification'], ['user']],
        );
      } finally {
        onlyNotifications.unsubscribe();
        user.unsubscribe();
        streaming.close();
      }
    });

    it('streams a follow without a status, and nothing from a muted account', async () => {
      const { recipient, actor, recipientName, recipientId, actorName } = await pair('stream_follow');
      const muted = await m.as('stream_follow_muted');
      await recipient.v1.accounts.$select(accountId('stream_follow_muted')).mute();
      const instance = await recipient.v2.instance.fetch();
      const streaming = createStreamingAPIClient({
        streamingApiUrl: instance.configuration.urls.streaming,
        accessToken: m.tokens.get(recipientName)!,
        retry: false,
      });
      const subscription = streaming.user.notification.subscribe();
      try {
        const events = subscription.values();
        const next = events.next();
        // The stream sends nothing from before its subscription: the muted account follows (and is not told),
        // then the other follows and unfollows until its follow arrives.
        let arrived: IteratorResult<mastodon.streaming.Event> | undefined;
        for (let attempt = 0; attempt < 10 && !arrived; attempt++) {
          await muted.v1.accounts.$select(recipientId).follow();
          await muted.v1.accounts.$select(recipientId).unfollow();
          await actor.v1.accounts.$select(recipientId).follow();
          arrived = await Promise.race([next, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000))]);
          if (!arrived) await actor.v1.accounts.$select(recipientId).unfollow();
        }
        assert.ok(arrived && !arrived.done, 'a follow arrived');
        assert.equal(arrived.value.event, 'notification');
        if (arrived.value.event !== 'notification') return;
        assert.deepEqual(arrived.value.stream, ['user:notification']);
        assert.deepEqual([arrived.value.payload.type, arrived.value.payload.account.username], ['follow', actorName]);
        assert.equal(arrived.value.payload.status, undefined);
      } finally {
        subscription.unsubscribe();
        streaming.close();
      }
    });

    it('megalodon reads and dismisses notifications', async () => {
      const follower = await m.as('meg_follower');
      await follower.v1.accounts.$select(accountId('alice')).follow();
      const client = generator('mastodon', m.url, m.tokens.get('alice'));
      const list = (await client.getNotifications({ limit: 40 })).data;
      const follow = list.find((n) => n.type === 'follow' && n.account?.username === 'meg_follower');
      assert.ok(follow, 'the follow is listed');
      assert.equal((await client.getNotification(follow.id)).data.id, follow.id);
      await client.dismissNotification(follow.id);
      assert.ok(!(await client.getNotifications({ limit: 40 })).data.some((n) => n.id === follow.id));
    });
  });
}
