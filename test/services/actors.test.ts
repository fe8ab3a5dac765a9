import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ClientCredentials } from '../../src/domain/auth.js';
import { ACTOR_SCOPES, type Actor } from '../../src/domain/social.js';
import { DEFAULT_SESSION_IDLE_SECONDS } from '../../src/services/auth/auth-service.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { forEachReadPath, type SocialHarness } from '../helpers/social-posts.js';

/**
 * No trusted usernames: the social service acts only as the owner of the
 * token a call carries (Social.as), judged by the auth service's rules
 * (revocation, idle expiry, app tokens act for no one) and the OAuth
 * scope each action needs (ACTOR_SCOPES). The gRPC edge is checked with a
 * raw client in test/rpc/acting-tokens.test.ts.
 */

const PASSWORD = 'correct horse';

/** One call of every Actor method, aimed at `target` (an account) and `postId`: the type makes the list complete. */
function everyCall(target: string, postId: string): Record<keyof Actor, (actor: Actor) => Promise<unknown>> {
  return {
    homeFeed: (a) => a.homeFeed(),
    post: (a) => a.post('hello'),
    postStatus: (a) => a.postStatus('hello'),
    deletePost: (a) => a.deletePost(postId),
    follow: (a) => a.follow(target),
    unfollow: (a) => a.unfollow(target),
    updateProfile: (a) => a.updateProfile({ displayName: 'Taken over' }),
    favourite: (a) => a.favourite(postId),
    unfavourite: (a) => a.unfavourite(postId),
    reblog: (a) => a.reblog(postId),
    unreblog: (a) => a.unreblog(postId),
    listFavourites: (a) => a.listFavourites(),
    listNotifications: (a) => a.listNotifications(),
    getNotification: (a) => a.getNotification(postId),
    dismissNotification: (a) => a.dismissNotification(postId),
    clearNotifications: (a) => a.clearNotifications(),
    notificationMarker: (a) => a.notificationMarker(),
    markNotificationsRead: (a) => a.markNotificationsRead(),
    block: (a) => a.block(target),
    unblock: (a) => a.unblock(target),
    mute: (a) => a.mute(target),
    unmute: (a) => a.unmute(target),
    listBlocks: (a) => a.listBlocks(),
    listMutes: (a) => a.listMutes(),
    relationships: (a) => a.relationships([target]),
    listPosts: (a) => a.listPosts(target),
    publicTimeline: (a) => a.publicTimeline(),
    tagTimeline: (a) => a.tagTimeline('tag'),
    getThread: (a) => a.getThread(postId),
    threadContext: (a) => a.threadContext(postId),
    describePosts: (a) => a.describePosts([postId]),
  };
}

const methods = (scopes: (need: readonly string[]) => boolean) =>
  (Object.keys(ACTOR_SCOPES) as (keyof Actor)[]).filter((method) => scopes(ACTOR_SCOPES[method]));
const writes = methods((needs) => needs.some((need) => need.startsWith('write')));

/** The store as the actions left it: sessions (whose last use a valid token may record) set aside. */
async function actionRows(h: SocialHarness) {
  return (await h.dump()).filter((entry) => !/\/(user-)?sessions\//.test(entry.key));
}

/** An OAuth access token of `username`'s, granted `scope` through a registered app. */
async function oauthToken(h: SocialHarness, username: string, scope: string): Promise<string> {
  const app = await h.auth.registerApp({
    name: 'Client',
    redirectUris: ['urn:ietf:wg:oauth:2.0:oob'],
    scopes: 'read write follow',
    website: '',
  });
  const client: ClientCredentials = { clientId: app.clientId, clientSecret: app.clientSecret };
  return (await h.auth.passwordGrant(client, username, PASSWORD, scope, '127.0.0.1')).token;
}

forEachReadPath((open) => {
  it("acts as the token's owner, whoever the call is about", async () => {
    const h = await open();
    try {
      await h.signUp('alice', 'bob', 'carol');
      const alice = h.social.as(h.tokenOf('alice'));
      const byBob = await h.social.as(h.tokenOf('bob')).post('by bob #tag');
      await alice.follow('bob');
      await alice.favourite(byBob.id);
      const reblog = (await alice.reblog(byBob.id)).post!;
      await alice.mute('carol');
      const account = await alice.updateProfile({ displayName: 'Alice' });
      const own = await alice.post('by alice');
      assert.equal(own.author, 'alice');
      assert.equal(reblog.author, 'alice');
      assert.equal(account.username, 'alice');
      assert.equal((await h.social.getProfile('alice')).account.displayName, 'Alice');
      assert.equal((await h.social.getProfile('bob')).account.displayName, undefined);
      assert.ok(await h.social.isFollowing('alice', 'bob'));
      assert.deepEqual(
        (await h.social.favouritedBy(byBob.id)).items.map((a) => a.username),
        ['alice'],
      );
      assert.deepEqual(await alice.relationships(['bob', 'carol']), [
        { target: 'bob', following: true, followedBy: false, blocking: false, blockedBy: false, muting: false },
        { target: 'carol', following: false, followedBy: false, blocking: false, blockedBy: false, muting: true },
      ]);
      const [view] = (await alice.describePosts([byBob.id])).posts;
      assert.deepEqual([view?.favourited, view?.reblogged], [true, true], "alice's flags, read as alice");
      const [anonymous] = (await h.social.describePosts([byBob.id])).posts;
      assert.deepEqual([anonymous?.favourited, anonymous?.reblogged], [false, false]);
      const bobsNotifications = await h.social.as(h.tokenOf('bob')).listNotifications();
      assert.deepEqual(bobsNotifications.items.map((n) => [n.type, n.actor]).sort(), [
        ['favourite', 'alice'],
        ['follow', 'alice'],
        ['reblog', 'alice'],
      ]);
      assert.deepEqual((await alice.listNotifications()).items, [], "alice reads her own notifications, not bob's");
      const home = await alice.homeFeed();
      assert.equal(home.account.username, 'alice');
      await assert.rejects(h.social.as(h.tokenOf('bob')).deletePost(own.id), rejectsWith('forbidden'));
      await alice.deletePost(own.id);
    } finally {
      await h.close();
    }
  });

  it('refuses a missing, malformed, unknown, revoked or idle session, and an app token, for every action, writing nothing', async () => {
    const h = await open();
    try {
      await h.signUp('alice', 'bob');
      const post = await h.social.as(h.tokenOf('bob')).post('by bob');
      const revoked = (await h.auth.logIn('alice', PASSWORD)).token;
      await h.auth.logOut(revoked);
      const app = await h.auth.registerApp({ name: 'App', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read write', website: '' });
      const appToken = (await h.auth.clientCredentialsGrant({ clientId: app.clientId, clientSecret: app.clientSecret }, 'read write'))
        .token;
      const before = await actionRows(h);
      const calls = everyCall('bob', post.id);
      for (const [name, token] of [
        ['none', ''],
        ['malformed', 'alice'],
        ['unknown', 'A'.repeat(43)],
        ['revoked', revoked],
        ['an app token', appToken],
      ] as const) {
        for (const [method, call] of Object.entries(calls)) {
          await assert.rejects(call(h.social.as(token)), rejectsWith('unauthenticated'), `${method} with ${name}`);
        }
      }
      h.tick((DEFAULT_SESSION_IDLE_SECONDS + 1) * 1000);
      for (const [method, call] of Object.entries(calls)) {
        await assert.rejects(call(h.social.as(h.tokenOf('alice'))), rejectsWith('unauthenticated'), `${method} when idle`);
      }
      assert.deepEqual(await actionRows(h), before);
    } finally {
      await h.close();
    }
  });

  it('needs the scope of each action from an OAuth token; a session of the site has them all', async () => {
    const h = await open();
    try {
      await h.signUp('alice', 'bob');
      const post = await h.social.as(h.tokenOf('bob')).post('by bob');
      const calls = everyCall('bob', post.id);
      const readOnly = h.social.as(await oauthToken(h, 'alice', 'read'));
      const before = await actionRows(h);
      for (const method of writes) {
        await assert.rejects(calls[method](readOnly), rejectsWith('forbidden'), `${method} with a read token`);
      }
      assert.deepEqual(await actionRows(h), before, 'a read-scoped token wrote nothing');
      for (const method of methods((needs) => !needs.some((need) => need.startsWith('write')))) {
        if (method === 'getNotification') continue; // no such notification: not_found, checked below
        await calls[method](readOnly);
      }
      await assert.rejects(calls.getNotification(readOnly), rejectsWith('not_found'));

      const writeOnly = h.social.as(await oauthToken(h, 'alice', 'write'));
      for (const method of ['homeFeed', 'listNotifications', 'listBlocks', 'listMutes', 'listFavourites', 'notificationMarker'] as const) {
        await assert.rejects(calls[method](writeOnly), rejectsWith('forbidden'), `${method} with a write token`);
      }
      // Reading as oneself needs no scope: rendering what a write answers needs the writer's flags.
      await writeOnly.describePosts([post.id]);
      await writeOnly.relationships(['bob']);

      const followsOnly = h.social.as(await oauthToken(h, 'alice', 'write:follows'));
      await followsOnly.follow('bob');
      await assert.rejects(followsOnly.block('bob'), rejectsWith('forbidden'));
      await assert.rejects(followsOnly.post('no'), rejectsWith('forbidden'));
      // `follow`, Mastodon's old scope, covers blocks and mutes.
      await h.social.as(await oauthToken(h, 'alice', 'follow')).mute('bob');
      // The markers API reads and moves the notifications marker with the statuses scopes.
      const statuses = h.social.as(await oauthToken(h, 'alice', 'read:statuses write:statuses'));
      await statuses.notificationMarker();
      await statuses.markNotificationsRead();
      assert.deepEqual(await h.social.as(h.tokenOf('alice')).relationships(['bob']), [
        { target: 'bob', following: true, followedBy: false, blocking: false, blockedBy: false, muting: true },
      ]);
    } finally {
      await h.close();
    }
  });

  it('refuses a session revoked a moment ago on the next call, views and stores alike', async () => {
    const h = await open();
    try {
      await h.signUp('alice', 'bob');
      const alice = h.social.as(h.tokenOf('alice'));
      await alice.follow('bob');
      await h.auth.logOut(h.tokenOf('alice'));
      await assert.rejects(alice.unfollow('bob'), rejectsWith('unauthenticated'));
      await assert.rejects(alice.post('after logout'), rejectsWith('unauthenticated'));
      await assert.rejects(alice.homeFeed(), rejectsWith('unauthenticated'));
      assert.ok(await h.social.isFollowing('alice', 'bob'));
      assert.equal((await h.social.getProfile('alice')).posts, 0);
    } finally {
      await h.close();
    }
  });
});
