import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { SocialClient } from '../../src/clients/social-client.js';
import type { Account, Profile } from '../../src/domain/account.js';
import { DomainError } from '../../src/domain/errors.js';
import type { Notification } from '../../src/domain/notification.js';
import type { Post, PostView } from '../../src/domain/post.js';
import type { ActedStatus, PostEvent, Social } from '../../src/domain/social.js';
import { type GrpcServer, startGrpcServer } from '../../src/rpc/server.js';
import { socialGrpcService } from '../../src/services/social/grpc.js';

/**
 * The social wire on its own: the client and the adapter around a scripted
 * Social that records what reached it and answers set values, so every
 * field of issue 11 is seen crossing both ways, absent fields staying
 * absent (proto3 sends them as zero values) and present-but-empty ones
 * (a cleared bio, an empty type filter) staying present, and the token of
 * an acting call reaching `as` (never a username). The service's behaviour
 * is tested in test/services; this is only the mapping.
 */

const fullAccount: Account = { username: 'alice', createdAtMs: 1_700_000_000_000, displayName: 'Alice A.', bio: 'Hi #there @bob' };
const bareAccount: Account = { username: 'bob', createdAtMs: 1_700_000_000_001 };
const fullPost: Post = {
  id: '0000000aa00000001',
  author: 'alice',
  text: 'hi @bob #tag',
  createdAtMs: 1_700_000_000_002,
  inReplyToId: '0000000ab00000002',
  inReplyToAuthor: 'bob',
  mentions: ['bob'],
  tags: ['tag'],
};
const reblog: Post = { id: '0000000ac00000003', author: 'bob', text: '', createdAtMs: 1_700_000_000_003, reblogOf: fullPost.id };
const barePost: Post = { id: '0000000ad00000004', author: 'bob', text: 'plain', createdAtMs: 1_700_000_000_004 };
const view = (post: Post, n: number): PostView => ({
  post,
  replies: n,
  reblogs: n + 1,
  favourites: n + 2,
  favourited: n % 2 === 0,
  reblogged: n % 2 === 1,
});
const profile = (account: Account, n: number): Profile => ({ account, followers: n, following: n + 1, posts: n + 2 });
/** A status as an action left it: the reblog with its original, as bob sees them; and one with no status (gone). */
const reblogged: ActedStatus = {
  viewer: 'bob',
  post: reblog,
  described: { posts: [view(reblog, 1), view(fullPost, 0)], profiles: [profile(bareAccount, 4), profile(fullAccount, 3)] },
};
const posted: ActedStatus = {
  viewer: 'alice',
  post: fullPost,
  described: { posts: [view(fullPost, 5)], profiles: [profile(fullAccount, 6)] },
};
const gone: ActedStatus = { viewer: 'carol', post: undefined, described: { posts: [], profiles: [] } };
const mention: Notification = {
  id: '0000000ae00000005',
  recipient: 'bob',
  type: 'mention',
  actor: 'alice',
  postId: fullPost.id,
  createdAtMs: 1_700_000_000_005,
};
const follow: Notification = { id: '0000000af00000006', recipient: 'bob', type: 'follow', actor: 'alice', createdAtMs: 1_700_000_000_006 };
const events: PostEvent[] = [
  { kind: 'update', post: fullPost },
  { kind: 'notification', notification: mention },
  { kind: 'delete', id: barePost.id },
  { kind: 'notification', notification: follow },
];

/** A method reached, its arguments, and the token of the Actor it was called on (none: on Social itself). */
type Call = [method: string, args: unknown[], token?: string];

/**
 * A Social whose every method records its arguments and answers
 * `answers[method]` (or nothing); `as(token)` gives an Actor that does
 * the same, recording the token.
 */
function scriptedSocial(calls: Call[], answers: Record<string, (...args: unknown[]) => unknown>, token?: string): Social {
  return new Proxy({} as Social, {
    get(_target, method: string) {
      if (method === 'then') return undefined;
      if (method === 'as') return (actor: string) => scriptedSocial(calls, answers, actor);
      if (method === 'watchPosts') {
        return async function* (signal: AbortSignal) {
          yield* events;
          if (!signal.aborted) await once(signal, 'abort');
        };
      }
      return async (...args: unknown[]) => {
        // The wire turns `undefined` into a zero value and back; trailing absent arguments are what the service is given.
        while (args.length > 0 && args.at(-1) === undefined) args.pop();
        calls.push(token === undefined ? [method, args] : [method, args, token]);
        const answer = answers[method];
        return answer ? answer(...args) : undefined;
      };
    },
  });
}

describe('social wire (issue 11)', () => {
  let server: GrpcServer;
  let client: SocialClient;
  const calls: Call[] = [];
  const internal: unknown[] = [];
  const page = <T>(items: T[], next: string | null = null) => ({ items, next });

  before(async () => {
    const social = scriptedSocial(calls, {
      updateProfile: () => fullAccount,
      getProfiles: (names) =>
        (names as string[]).flatMap((name) =>
          name === 'alice' ? [profile(fullAccount, 1)] : name === 'bob' ? [profile(bareAccount, 2)] : [],
        ),
      describePosts: () => ({
        posts: [view(fullPost, 0), view(reblog, 1), view(barePost, 2)],
        profiles: [profile(fullAccount, 3), profile(bareAccount, 4)],
      }),
      getThread: () => ({ ancestors: [barePost], descendants: [fullPost, reblog] }),
      threadContext: (postId) => ({
        ancestors: [barePost],
        descendants: [fullPost, reblog],
        described: {
          posts: [view(fullPost, 5), view(barePost, 6), view(reblog, 7)],
          profiles: [profile(bareAccount, 8), profile(fullAccount, 9)],
        },
        viewer: postId === barePost.id ? undefined : 'carol',
      }),
      tagTimeline: () => page([fullPost], 'cursor-1'),
      reblog: () => reblogged,
      unreblog: () => posted,
      unfavourite: () => gone,
      favouritedBy: () => page([fullAccount, bareAccount], 'bob'),
      rebloggedBy: () => page([bareAccount]),
      listFavourites: () => page([barePost, fullPost]),
      listNotifications: () => page([mention, follow], 'n-cursor'),
      getNotification: (id) => {
        if (id !== mention.id) throw new DomainError('not_found', 'No such notification.');
        return mention;
      },
      notificationMarker: () => ({ lastReadId: '', unread: 3 }),
      markNotificationsRead: () => ({ lastReadId: mention.id, unread: 0 }),
      listBlocks: () => page([bareAccount], 'bob'),
      listMutes: () => page([fullAccount]),
      relationships: () => [
        { target: 'bob', following: true, followedBy: false, blocking: false, blockedBy: true, muting: true },
        { target: 'carol', following: false, followedBy: true, blocking: true, blockedBy: false, muting: false },
      ],
      favourite: (postId) => {
        if (postId === 'gone') throw new DomainError('not_found', 'No such post.');
        if (postId === 'blocked') throw new DomainError('forbidden', 'Blocked.');
        return posted;
      },
      postStatus: () => posted,
      listPosts: () => page([reblog, fullPost]),
      publicTimeline: () => page([barePost]),
    });
    server = await startGrpcServer('127.0.0.1', 0, [socialGrpcService(social, (error) => internal.push(error))]);
    client = new SocialClient({ addresses: [`127.0.0.1:${server.port}`], deadlineMs: 5000 });
  });
  after(async () => {
    client.close();
    await server.close(1000);
  });

  /** Calls `run` and returns what reached the service. */
  async function reached(run: () => Promise<unknown>): Promise<Call> {
    const before = calls.length;
    await run();
    assert.equal(calls.length, before + 1);
    return calls.at(-1)!;
  }

  /** Carol's session, as the web tier would send it for her. */
  const carol = () => client.as('carol-token');

  it('carries every post and account field, and leaves absent ones absent', async () => {
    assert.deepEqual(await carol().describePosts([fullPost.id, reblog.id, barePost.id]), {
      posts: [view(fullPost, 0), view(reblog, 1), view(barePost, 2)],
      profiles: [profile(fullAccount, 3), profile(bareAccount, 4)],
    });
    assert.deepEqual(await client.getThread(fullPost.id), { ancestors: [barePost], descendants: [fullPost, reblog] });
    // The thread's posts cross once, as views; the lists are rebuilt from their ids.
    const context = {
      ancestors: [barePost],
      descendants: [fullPost, reblog],
      described: {
        posts: [view(fullPost, 5), view(barePost, 6), view(reblog, 7)],
        profiles: [profile(bareAccount, 8), profile(fullAccount, 9)],
      },
    };
    assert.deepEqual(await carol().threadContext(fullPost.id), { ...context, viewer: 'carol' });
    assert.deepEqual(await client.threadContext(barePost.id), { ...context, viewer: undefined });
    assert.deepEqual(await carol().tagTimeline('tag', 5, 'c'), page([fullPost], 'cursor-1'));
    assert.deepEqual(await client.as('bob-token').reblog(fullPost.id), reblogged);
    assert.deepEqual(await client.as('bob-token').unreblog(reblog.id), posted);
    assert.deepEqual(await carol().favourite(fullPost.id), posted);
    assert.deepEqual(await carol().unfavourite(fullPost.id), gone, 'no status stays no status');
    assert.deepEqual(await client.as('alice-token').postStatus('hi'), posted);
    assert.deepEqual(await client.as('alice-token').post('hi'), fullPost, "post is postStatus's post");
    assert.deepEqual(await client.favouritedBy(fullPost.id), page([fullAccount, bareAccount], 'bob'));
    assert.deepEqual(await client.rebloggedBy(fullPost.id), page([bareAccount]));
    assert.deepEqual(await carol().listFavourites(), page([barePost, fullPost]));
    assert.deepEqual(await carol().listBlocks(), page([bareAccount], 'bob'));
    assert.deepEqual(await carol().listMutes(), page([fullAccount]));
    assert.deepEqual(await client.listPosts('bob'), page([reblog, fullPost]));
    // No field arrives as undefined: a domain value has absent keys, as the service's own values do.
    for (const key of Object.keys(barePost)) assert.notEqual((barePost as unknown as Record<string, unknown>)[key], undefined);
    assert.deepEqual(Object.keys((await carol().listFavourites()).items[0]!).sort(), Object.keys(barePost).sort());
  });

  it('passes tokens, options and cursors, and "not given" as absent', async () => {
    assert.deepEqual(await reached(() => carol().listPosts('bob', 3, 'c')), ['listPosts', ['bob', 3, 'c'], 'carol-token']);
    assert.deepEqual(await reached(() => client.listPosts('bob')), ['listPosts', ['bob']]);
    assert.deepEqual(await reached(() => carol().publicTimeline()), ['publicTimeline', [], 'carol-token']);
    assert.deepEqual(await reached(() => client.publicTimeline(2)), ['publicTimeline', [2]]);
    assert.deepEqual(await reached(() => client.describePosts([fullPost.id])), ['describePosts', [[fullPost.id]]]);
    assert.deepEqual(await reached(() => carol().describePosts([fullPost.id], { linearizable: true })), [
      'describePosts',
      [[fullPost.id], { linearizable: true }],
      'carol-token',
    ]);
    assert.deepEqual(await reached(() => carol().getThread(fullPost.id)), ['getThread', [fullPost.id], 'carol-token']);
    assert.deepEqual(await reached(() => carol().threadContext(fullPost.id)), ['threadContext', [fullPost.id], 'carol-token']);
    assert.deepEqual(await reached(() => client.threadContext(fullPost.id)), ['threadContext', [fullPost.id]]);
    // A post travels as postStatus, whose answer post() keeps the post of.
    assert.deepEqual(await reached(() => client.as('alice-token').post('hi', undefined, { inReplyToId: barePost.id })), [
      'postStatus',
      ['hi', undefined, { inReplyToId: barePost.id }],
      'alice-token',
    ]);
    assert.deepEqual(await reached(() => client.as('alice-token').postStatus('hi', 'key', {})), [
      'postStatus',
      ['hi', 'key'],
      'alice-token',
    ]);
    assert.deepEqual(await reached(() => client.as('alice-token').deletePost(fullPost.id)), ['deletePost', [fullPost.id], 'alice-token']);
    for (const method of ['favourite', 'unfavourite', 'unreblog'] as const) {
      assert.deepEqual(await reached(() => carol()[method](fullPost.id)), [method, [fullPost.id], 'carol-token']);
    }
    for (const method of ['follow', 'unfollow', 'block', 'unblock', 'mute', 'unmute'] as const) {
      assert.deepEqual(await reached(() => carol()[method]('bob')), [method, ['bob'], 'carol-token']);
    }
    const bob = client.as('bob-token');
    assert.deepEqual(await reached(() => bob.dismissNotification(mention.id)), ['dismissNotification', [mention.id], 'bob-token']);
    assert.deepEqual(await reached(() => bob.clearNotifications()), ['clearNotifications', [], 'bob-token']);
    assert.deepEqual(await reached(() => carol().relationships(['bob', 'nobody'])), ['relationships', [['bob', 'nobody']], 'carol-token']);
  });

  it('sends the profile reads of one turn as one GetProfiles call; an unknown or malformed name is not found', async () => {
    const before = calls.length;
    const read = await Promise.all([client.getProfile('alice'), client.getProfile('Bob'), client.getProfile('alice')]);
    assert.deepEqual(read, [profile(fullAccount, 1), profile(bareAccount, 2), profile(fullAccount, 1)]);
    assert.deepEqual(calls.slice(before), [['getProfiles', [['alice', 'bob']]]]);
    await assert.rejects(client.getProfile('nobody'), { code: 'not_found' });
    const asked = calls.length;
    await assert.rejects(client.getProfile('not a name!'), { code: 'not_found' });
    assert.equal(calls.length, asked, 'a malformed name is refused without a call');
  });

  it('sends an empty token for an Actor made without one, which the service must refuse', async () => {
    assert.deepEqual(await reached(() => client.as('').follow('bob')), ['follow', ['bob'], '']);
  });

  it('tells a cleared profile field from an unchanged one', async () => {
    const alice = client.as('alice-token');
    assert.deepEqual(await alice.updateProfile({}), fullAccount);
    assert.deepEqual(calls.at(-1), ['updateProfile', [{}], 'alice-token']);
    await alice.updateProfile({ displayName: '' });
    assert.deepEqual(calls.at(-1), ['updateProfile', [{ displayName: '' }], 'alice-token']);
    await alice.updateProfile({ displayName: 'A', bio: '' });
    assert.deepEqual(calls.at(-1), ['updateProfile', [{ displayName: 'A', bio: '' }], 'alice-token']);
  });

  it('carries notifications, their type filter (none is not all) and the read marker', async () => {
    const bob = client.as('bob-token');
    assert.deepEqual(
      await bob.listNotifications({ limit: 10, cursor: 'x', types: ['mention', 'follow'] }),
      page([mention, follow], 'n-cursor'),
    );
    assert.deepEqual(calls.at(-1), ['listNotifications', [{ limit: 10, cursor: 'x', types: ['mention', 'follow'] }], 'bob-token']);
    await bob.listNotifications();
    assert.deepEqual(calls.at(-1), ['listNotifications', [{ limit: undefined, cursor: undefined, types: undefined }], 'bob-token']);
    await bob.listNotifications({ types: [] });
    assert.deepEqual(calls.at(-1), ['listNotifications', [{ limit: undefined, cursor: undefined, types: [] }], 'bob-token']);
    assert.deepEqual(await bob.getNotification(mention.id), mention);
    await assert.rejects(bob.getNotification(follow.id), { code: 'not_found' });
    assert.deepEqual(await bob.notificationMarker(), { lastReadId: '', unread: 3 });
    assert.deepEqual(await bob.markNotificationsRead(), { lastReadId: mention.id, unread: 0 });
    assert.deepEqual(calls.at(-1), ['markNotificationsRead', [], 'bob-token']);
    await bob.markNotificationsRead(mention.id);
    assert.deepEqual(calls.at(-1), ['markNotificationsRead', [mention.id], 'bob-token']);
  });

  it('carries relationships with every flag', async () => {
    assert.deepEqual(await carol().relationships(['bob', 'carol']), [
      { target: 'bob', following: true, followedBy: false, blocking: false, blockedBy: true, muting: true },
      { target: 'carol', following: false, followedBy: true, blocking: true, blockedBy: false, muting: false },
    ]);
  });

  it('streams post and notification events in order', async () => {
    const stop = new AbortController();
    const seen: PostEvent[] = [];
    for await (const event of client.watchPosts(stop.signal)) {
      seen.push(event);
      if (seen.length === events.length) stop.abort();
    }
    assert.deepEqual(seen, events);
  });

  it('turns refusals back into the same DomainError', async () => {
    await assert.rejects(carol().favourite('gone'), (e: unknown) => e instanceof DomainError && e.code === 'not_found');
    await assert.rejects(carol().favourite('blocked'), (e: unknown) => e instanceof DomainError && e.code === 'forbidden');
    assert.deepEqual(internal, []);
  });
});
