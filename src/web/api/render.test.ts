import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Profile } from '../../domain/account.js';
import { statusId } from '../../domain/mastodon-ids.js';
import { notificationFor } from '../../domain/notification.js';
import { newPostId, type Post, type PostView } from '../../domain/post.js';
import type { PostDescriptions } from '../../domain/social.js';
import { wellFormedJson } from '../unicode.js';
import { jsonArray, notificationsFrom, statusesFrom, statusesJsonFrom } from './render.js';

const origin = 'https://chorus.example';
let clock = Date.UTC(2026, 0, 1);
const postBy = (author: string, extra: Partial<Post> = {}): Post => {
  clock += 1000;
  return { id: newPostId(clock, () => 0.5), author, text: `by ${author}`, createdAtMs: clock, ...extra };
};
const view = (post: Post, favourites = 0): PostView => ({ post, replies: 0, reblogs: 0, favourites, favourited: false, reblogged: false });
const profile = (username: string, posts: number): Profile => ({
  account: { username, createdAtMs: 0, displayName: username.toUpperCase() },
  followers: 0,
  following: 0,
  posts,
});

describe('statuses from their descriptions', () => {
  const original = postBy('alice');
  const reblog = postBy('bob', { text: '', reblogOf: original.id });
  const gone = postBy('carol');
  const reblogOfGone = postBy('bob', { text: '', reblogOf: gone.id });
  const described: PostDescriptions = {
    posts: [view(reblog), view(original, 5), view(reblogOfGone)],
    profiles: [profile('alice', 7), profile('bob', 8)],
  };

  it('renders in the order asked, each with its author, counts and reblogged original', () => {
    const statuses = statusesFrom(origin, [original, reblog], described, 'dave');
    assert.deepEqual(
      statuses.map((s) => s.id),
      [statusId(original.id), statusId(reblog.id)],
    );
    assert.equal(statuses[0]!.favourites_count, 5);
    assert.equal(statuses[0]!.account.display_name, 'ALICE');
    assert.equal(statuses[0]!.account.statuses_count, 7);
    assert.equal(statuses[1]!.account.username, 'bob');
    assert.equal(statuses[1]!.reblog?.id, statusId(original.id));
    assert.equal(statuses[1]!.reblog?.favourites_count, 5);
  });

  it('leaves out a post deleted since it was listed, and a reblog whose original is gone', () => {
    assert.deepEqual(
      statusesFrom(origin, [gone, reblogOfGone, original], described, undefined).map((s) => s.id),
      [statusId(original.id)],
    );
  });

  it("falls back to a plain account when an author's profile was not read", () => {
    const [status] = statusesFrom(origin, [original], { posts: [view(original)], profiles: [] }, undefined);
    assert.equal(status?.account.username, 'alice');
    assert.equal(status?.account.statuses_count, 0);
  });
});

describe('notifications from their descriptions', () => {
  const mine = postBy('alice');
  const deleted = postBy('alice');
  const described: PostDescriptions = { posts: [view(mine, 1)], profiles: [profile('alice', 1)] };
  const actors = [profile('bob', 2)];

  it('renders follow without a status and the others with theirs, the actor as account', () => {
    const entities = notificationsFrom(
      origin,
      [notificationFor('follow', 'bob', 'alice', clock + 1), notificationFor('favourite', 'bob', 'alice', clock + 2, mine.id)],
      described,
      actors,
      'alice',
    );
    assert.deepEqual(
      entities.map((e) => [e.type, e.account.display_name, e.status?.id]),
      [
        ['follow', 'BOB', undefined],
        ['favourite', 'BOB', statusId(mine.id)],
      ],
    );
    assert.equal(entities[1]!.status?.favourites_count, 1);
  });

  it('leaves out a notification whose status is gone', () => {
    const entities = notificationsFrom(
      origin,
      [notificationFor('reblog', 'bob', 'alice', clock + 3, deleted.id)],
      described,
      actors,
      'alice',
    );
    assert.deepEqual(entities, []);
  });
});

describe('statuses from their descriptions as JSON text', () => {
  const original = postBy('alice', { text: 'hi @bob #tag', mentions: ['bob'], tags: ['tag'] });
  const reply = postBy('bob', { text: 'yes', inReplyToId: original.id, inReplyToAuthor: 'alice' });
  const reblog = postBy('carol', { text: '', reblogOf: original.id });
  const gone = postBy('carol');
  const reblogOfGone = postBy('bob', { text: '', reblogOf: gone.id });
  const unprofiled = postBy('erin');
  const described: PostDescriptions = {
    posts: [
      { ...view(original, 5), favourited: true, replies: 1 },
      view(reply),
      { ...view(reblog), reblogged: true },
      view(reblogOfGone),
      view(unprofiled),
    ],
    profiles: [profile('alice', 7), profile('bob', 8), profile('carol', 1)],
  };
  const posts = [reblog, reply, original, reblogOfGone, gone, unprofiled];

  for (const viewer of [undefined, 'alice', 'bob', 'carol']) {
    it(`is statusesFrom, each serialised as the app does (viewer ${viewer ?? 'none'})`, () => {
      const json = statusesJsonFrom(origin, posts, described, viewer);
      const objects = statusesFrom(origin, posts, described, viewer);
      assert.deepEqual(
        json,
        objects.map((status) => wellFormedJson(status)),
      );
      assert.deepEqual(JSON.parse(jsonArray(json)), objects);
    });
  }
});
