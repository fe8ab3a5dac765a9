import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { DomainError } from '../../domain/errors.js';
import { type Notification, notificationFor } from '../../domain/notification.js';
import { newPostId, type Post } from '../../domain/post.js';
import type { Actor, PostDescriptions, PostEvent, Relationship, Social } from '../../domain/social.js';
import { StreamHub, type StreamListener, type StreamName } from './hub.js';

/**
 * The hub's choices, who gets which event on which stream, over a
 * scripted Social: who follows, blocks and mutes whom is a table, and the
 * post events are fed by hand. The streaming routes and the real service
 * are tested end to end in test/web.
 */

let clock = Date.UTC(2026, 0, 1);
function post(author: string, extra: Partial<Post> = {}): Post {
  clock += 1000;
  return { id: newPostId(clock, () => 0.5), author, text: `by ${author}`, createdAtMs: clock, ...extra };
}

interface Table {
  follows: [string, string][];
  blocks?: [string, string][];
  mutes?: [string, string][];
  /** Posts describePosts knows (deleted ones are left out). */
  posts: Post[];
  /** Whose relationships read fails. */
  failing?: string[];
  /** Whose tokens the service refuses (a session that ended). */
  ended?: string[];
}

/** The token a scripted listener holds: it names its user, as a real token stands for its session's account. */
const tokenOf = (username: string) => `token-of-${username}`;

function scripted(table: Table, events: PostEvent[]): Social {
  const has = (pairs: [string, string][] | undefined, a: string, b: string) => (pairs ?? []).some(([x, y]) => x === a && y === b);
  const relationship = (actor: string, target: string): Relationship => ({
    target,
    following: has(table.follows, actor, target),
    followedBy: has(table.follows, target, actor),
    blocking: has(table.blocks, actor, target),
    blockedBy: has(table.blocks, target, actor),
    muting: has(table.mutes, actor, target),
  });
  const describePosts = async (ids: readonly string[]): Promise<PostDescriptions> => {
    const found = table.posts.filter((p) => ids.includes(p.id));
    const originals = table.posts.filter((p) => found.some((f) => f.reblogOf === p.id));
    const views = [...found, ...originals].map((p) => ({
      post: p,
      replies: 0,
      reblogs: 0,
      favourites: 0,
      favourited: false,
      reblogged: false,
    }));
    return { posts: views, profiles: [] };
  };
  const social: Partial<Social> = {
    async *watchPosts(signal: AbortSignal) {
      yield* events;
      if (!signal.aborted) await once(signal, 'abort');
    },
    describePosts,
    as(token) {
      const actor = token.slice(tokenOf('').length);
      const actorPart: Partial<Actor> = {
        async relationships(targets) {
          if (table.ended?.includes(actor)) throw new DomainError('unauthenticated', 'Log in first.');
          if (table.failing?.includes(actor)) throw new Error('unavailable');
          return targets.map((target) => relationship(actor, target));
        },
        describePosts,
      };
      return actorPart as Actor;
    },
    async getProfiles() {
      return [];
    },
  };
  return social as Social;
}

interface Seen {
  updates: [string, StreamName[]][];
  notifications: [string, StreamName[]][];
  deletes: string[];
  ended: number;
}

function listener(username: string, streams: StreamName[]): StreamListener & { seen: Seen } {
  const seen: Seen = { updates: [], notifications: [], deletes: [], ended: 0 };
  return {
    username,
    token: tokenOf(username),
    streams: new Set(streams),
    seen,
    update: (p, _described, names) => seen.updates.push([p.id, names]),
    delete: (id) => seen.deletes.push(id),
    notification: (n: Notification, _context, names) => seen.notifications.push([n.id, names]),
    ended: () => seen.ended++,
  };
}

/** Runs the events through a hub with these listeners and answers once every event was handled. */
async function run(table: Table, events: PostEvent[], listeners: Array<StreamListener & { seen: Seen }>): Promise<void> {
  const done = post('nobody');
  const sentinel = listener('sentinel', ['public']);
  const hub = new StreamHub(scripted({ ...table, posts: [...table.posts, done] }, [...events, { kind: 'update', post: done }]));
  for (const l of [...listeners, sentinel]) hub.add(l);
  for (let i = 0; i < 200 && !sentinel.seen.updates.some(([id]) => id === done.id); i++) await new Promise((r) => setTimeout(r, 5));
  await hub.close();
  assert.ok(sentinel.seen.updates.length > 0, 'every event was handled');
  // The sentinel post is public: whoever holds a public stream got it too.
  for (const l of listeners) l.seen.updates = l.seen.updates.filter(([id]) => id !== done.id);
}

const idsOf = (seen: Seen) => seen.updates.map(([id, names]) => [id, names]);

describe('stream hub', () => {
  it("sends the user stream what the home timeline shows: own posts, followees' posts and replies by Mastodon's rule", async () => {
    const own = post('reader');
    const followed = post('alice');
    const stranger = post('stranger');
    const replyToStranger = post('alice', { inReplyToId: stranger.id, inReplyToAuthor: 'stranger' });
    const replyToSelf = post('alice', { inReplyToId: followed.id, inReplyToAuthor: 'alice' });
    const replyToReader = post('alice', { inReplyToId: own.id, inReplyToAuthor: 'reader' });
    const replyToFollowed = post('alice', { inReplyToId: own.id, inReplyToAuthor: 'bob' });
    const all = [own, followed, stranger, replyToStranger, replyToSelf, replyToReader, replyToFollowed];
    const reader = listener('reader', ['user']);
    await run(
      {
        follows: [
          ['reader', 'alice'],
          ['reader', 'bob'],
        ],
        posts: all,
      },
      all.map((p) => ({ kind: 'update', post: p })),
      [reader],
    );
    assert.deepEqual(
      idsOf(reader.seen),
      [own, followed, replyToSelf, replyToReader, replyToFollowed].map((p) => [p.id, ['user']]),
    );
  });

  it('keeps blocked and muted accounts, and their reblogged posts, off every stream; reblogs off the public ones', async () => {
    const byBlocked = post('blocked');
    const byMuted = post('muted');
    const byBlocker = post('blocker');
    const original = post('muted');
    const reblogOfMuted = post('alice', { text: '', reblogOf: original.id });
    const fine = post('alice');
    const reblogOfFine = post('bob', { text: '', reblogOf: fine.id });
    const all = [byBlocked, byMuted, byBlocker, original, reblogOfMuted, fine, reblogOfFine];
    const reader = listener('reader', ['user', 'public', 'public:local']);
    await run(
      {
        follows: ['blocked', 'muted', 'blocker', 'alice', 'bob'].map((name) => ['reader', name] as [string, string]),
        blocks: [
          ['reader', 'blocked'],
          ['blocker', 'reader'],
        ],
        mutes: [['reader', 'muted']],
        posts: all,
      },
      all.map((p) => ({ kind: 'update', post: p })),
      [reader],
    );
    assert.deepEqual(idsOf(reader.seen), [
      [fine.id, ['user', 'public', 'public:local']],
      [reblogOfFine.id, ['user']],
    ]);
  });

  it('leaves out a post already deleted, a reblog of a deleted post, and a user whose relationships could not be read', async () => {
    const gone = post('alice');
    const deletedOriginal = post('alice');
    const reblogOfGone = post('bob', { text: '', reblogOf: deletedOriginal.id });
    const kept = post('alice');
    const reader = listener('reader', ['user']);
    const failing = listener('failing', ['user', 'public']);
    await run(
      {
        follows: [
          ['reader', 'alice'],
          ['reader', 'bob'],
          ['failing', 'alice'],
        ],
        posts: [reblogOfGone, kept],
        failing: ['failing'],
      },
      [gone, reblogOfGone, kept].map((p) => ({ kind: 'update', post: p })),
      [reader, failing],
    );
    assert.deepEqual(idsOf(reader.seen), [[kept.id, ['user']]]);
    assert.deepEqual(idsOf(failing.seen), []);
    assert.equal(failing.seen.ended, 0, 'a read that failed for another reason keeps the listener');
  });

  it('ends the listeners of a token the service refuses, once, and sends them nothing more', async () => {
    const first = post('alice');
    const second = post('alice');
    const note = notificationFor('follow', 'alice', 'gone', clock + 1);
    const gone = listener('gone', ['user', 'public', 'user:notification']);
    const alsoGone = listener('gone', ['public']);
    const reader = listener('reader', ['user']);
    await run(
      {
        follows: [
          ['reader', 'alice'],
          ['gone', 'alice'],
        ],
        posts: [first, second],
        ended: ['gone'],
      },
      [
        { kind: 'update', post: first },
        { kind: 'notification', notification: note },
        { kind: 'update', post: second },
      ],
      [gone, alsoGone, reader],
    );
    assert.deepEqual(idsOf(reader.seen), [
      [first.id, ['user']],
      [second.id, ['user']],
    ]);
    for (const ended of [gone, alsoGone]) {
      assert.equal(ended.seen.ended, 1);
      assert.deepEqual(idsOf(ended.seen), []);
      assert.deepEqual(ended.seen.notifications, []);
    }
  });

  it('sends a notification to its recipient only, on user and user:notification, unless they mute the actor', async () => {
    const first = notificationFor('follow', 'alice', 'reader', clock + 1);
    const muted = notificationFor('follow', 'muted', 'reader', clock + 2);
    const toOther = notificationFor('follow', 'alice', 'other', clock + 3);
    const both = listener('reader', ['user', 'user:notification', 'public']);
    const onlyPublic = listener('reader', ['public']);
    const other = listener('other', ['user:notification']);
    await run(
      { follows: [], mutes: [['reader', 'muted']], posts: [] },
      [first, muted, toOther].map((notification) => ({ kind: 'notification', notification })),
      [both, onlyPublic, other],
    );
    assert.deepEqual(both.seen.notifications, [[first.id, ['user', 'user:notification']]]);
    assert.deepEqual(onlyPublic.seen.notifications, []);
    assert.deepEqual(other.seen.notifications, [[toOther.id, ['user:notification']]]);
  });

  it('sends deletes to the status streams only', async () => {
    const statuses = listener('reader', ['public']);
    const notificationsOnly = listener('reader', ['user:notification']);
    await run({ follows: [], posts: [] }, [{ kind: 'delete', id: 'gone' }], [statuses, notificationsOnly]);
    assert.deepEqual(statuses.seen.deletes, ['gone']);
    assert.deepEqual(notificationsOnly.seen.deletes, []);
  });
});
