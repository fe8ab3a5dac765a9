import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postIdOf } from '../../domain/mastodon-ids.js';
import { notificationFor } from '../../domain/notification.js';
import { newPostId } from '../../domain/post.js';
import { mastodonAccount } from './account.js';
import { mastodonMarker } from './marker.js';
import { mastodonNotification } from './notification.js';
import { assertShape } from './shape.test-helper.js';
import { mastodonStatus } from './status.js';
import { mastodonTag } from './tag.js';

const origin = 'https://chorus.example';
const at = Date.UTC(2026, 2, 3, 4, 5, 6, 7);
const bob = mastodonAccount(origin, { username: 'bob', createdAtMs: 0 });
const post = { id: newPostId(at - 1000, () => 0.5), author: 'alice', text: 'hi', createdAtMs: at - 1000 };
const status = mastodonStatus(origin, post, mastodonAccount(origin, { username: 'alice', createdAtMs: 0 }), 'alice');

describe('Notification entity', () => {
  it("is Mastodon 4.2's shape: the status only for the types that concern one", () => {
    const favourite = mastodonNotification(notificationFor('favourite', 'bob', 'alice', at, post.id), bob, status);
    assertShape(favourite, { id: 'string', type: 'string', created_at: 'string', account: 'object', status: 'object' });
    assert.equal(favourite.type, 'favourite');
    assert.equal(favourite.account, bob);
    assert.equal(favourite.status, status);
    const follow = mastodonNotification(notificationFor('follow', 'bob', 'alice', at), bob);
    assertShape(follow, { id: 'string', type: 'string', created_at: 'string', account: 'object' });
  });

  it('has an id mapped like a status id, growing with time, and the time of the action', () => {
    const notification = notificationFor('mention', 'bob', 'alice', at, post.id);
    const entity = mastodonNotification(notification, bob, status);
    assert.match(entity.id, /^[1-9]\d{26}$/);
    assert.equal(postIdOf(entity.id), notification.id);
    assert.equal(entity.created_at, '2026-03-03T04:05:06.007Z');
    const later = mastodonNotification(notificationFor('mention', 'bob', 'alice', at + 1, post.id), bob, status);
    assert.ok(later.id > entity.id);
  });
});

describe('Marker entity', () => {
  it('names the last read notification by its mapped id, at its time, version 0', () => {
    const notification = notificationFor('follow', 'bob', 'alice', at);
    const marker = mastodonMarker(notification.id);
    assertShape(marker, { last_read_id: 'string', version: 'number', updated_at: 'string' });
    assert.equal(postIdOf(marker.last_read_id), notification.id);
    assert.equal(marker.updated_at, '2026-03-03T04:05:06.007Z');
    assert.equal(marker.version, 0);
  });
});

describe('Tag entity', () => {
  it('links the tag on this server, with no history and not followed', () => {
    const tag = mastodonTag(origin, 'chorus');
    assertShape(tag, { name: 'string', url: 'string', history: 'array', following: 'boolean' });
    assert.deepEqual(tag, { name: 'chorus', url: 'https://chorus.example/tags/chorus', history: [], following: false });
  });
});
