import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Account } from '../../domain/account.js';
import type { NotificationMarker } from '../../domain/social.js';
import { layout } from './layout.js';
import { isUnread, notificationsPage } from './notifications.js';
import { described } from './post.js';

const now = Date.UTC(2025, 0, 1, 12);
const account = (username: string): Account => ({ username, createdAtMs: 0 });

describe('unread notifications', () => {
  const n = (id: string) => ({ id, recipient: 'r', type: 'follow' as const, actor: 'a', createdAtMs: 0 });
  it('are those newer (smaller ids) than the read marker; all of them before any read', () => {
    const marker: NotificationMarker = { lastReadId: '0000000005aaaaaaa', unread: 1 };
    assert.equal(isUnread(n('0000000004aaaaaaa'), marker), true);
    assert.equal(isUnread(n('0000000005aaaaaaa'), marker), false);
    assert.equal(isUnread(n('0000000006aaaaaaa'), marker), false);
    assert.equal(isUnread(n('0000000006aaaaaaa'), { lastReadId: '', unread: 3 }), true);
    assert.equal(isUnread(n('0000000006aaaaaaa'), undefined), false);
  });
});

describe('the navigation', () => {
  const frame = { viewer: account('ann'), csrf: 't', nonce: 'n', path: '/', now };
  it('shows Notifications with the unread count read out as words, and no badge at zero', () => {
    assert.match(
      layout({ ...frame, unread: 3 }, 'x', '' as never),
      /<a href="\/notifications" data-notifications>Notifications <span class="unread-badge" aria-hidden="true">3<\/span><span class="visually-hidden">\(3 unread\)<\/span><\/a>/,
    );
    assert.match(layout({ ...frame, unread: 0 }, 'x', '' as never), /<a href="\/notifications" data-notifications>Notifications<\/a>/);
    assert.match(layout({ ...frame, unread: 250 }, 'x', '' as never), />99\+<\/span><span class="visually-hidden">\(99\+ unread\)</);
    assert.doesNotMatch(layout({ ...frame, viewer: null }, 'x', '' as never), /Notifications/);
  });
});

describe('the notifications page', () => {
  const frame = { viewer: account('ben'), csrf: 't', nonce: 'n', path: '/notifications', now };
  const notification = {
    id: '0000000004aaaaaaa',
    recipient: 'ben',
    type: 'favourite' as const,
    actor: 'ann',
    postId: 'p1',
    createdAtMs: now,
  };

  it('says a post was deleted when it went between listing and rendering', () => {
    const page = notificationsPage(frame, {
      page: { items: [notification], next: null },
      described: described({ posts: [], profiles: [] }, ['p1']),
      marker: { lastReadId: '', unread: 1 },
      firstPage: true,
    });
    assert.match(page, /<a href="\/u\/ann" class="author">@ann<\/a> favourited your post <span class="badge">New<\/span>/);
    assert.match(page, /That post has been deleted/);
    assert.match(page, /name="lastReadId" value="0000000004aaaaaaa"/);
  });

  it('shows nothing as new, and no Mark all as read, when the marker could not be read', () => {
    const page = notificationsPage(frame, {
      page: { items: [notification], next: null },
      described: described({ posts: [], profiles: [] }, ['p1']),
      marker: undefined,
      firstPage: true,
    });
    assert.doesNotMatch(page, />New<|Mark all as read/);
  });
});
