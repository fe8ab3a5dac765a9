import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTIFICATION_TYPES, notificationFor } from '../../domain/notification.js';
import { keyspace } from '../../kv/keys.js';
import type { KeyValue } from '../../kv/kv.js';
import { View } from './view.js';

const keys = keyspace('/view-relations-test/v1/');

const kv = (key: string, value: string, modRevision: number): KeyValue => ({
  key,
  value,
  modRevision,
  createRevision: modRevision,
  version: 1,
  lease: '0',
});

describe('ViewRelations (through the View)', () => {
  it('ends equal to the store when a listing overlaps the watch replay of blocks, mutes and notifications', () => {
    // Store history: 10 block a→b, 11 unblock, 12 block again; 13 mute a→c, 14 unmute;
    // 15 notification n for a, 16 dismissed, 17 written again (an action redone in the same millisecond).
    const n = notificationFor('follow', 'b', 'a', 1000);
    const view = new View(keys);
    view.applyListed(kv(keys.block('a', 'b'), '1', 12));
    view.applyListed(kv(keys.blockedBy('b', 'a'), '1', 12));
    view.applyListed(kv(keys.notification('a', n.id), JSON.stringify(n), 17));
    view.endListing();
    const replay: ['put' | 'delete', string, number][] = [
      ['put', keys.block('a', 'b'), 10],
      ['put', keys.blockedBy('b', 'a'), 10],
      ['delete', keys.block('a', 'b'), 11],
      ['delete', keys.blockedBy('b', 'a'), 11],
      ['put', keys.block('a', 'b'), 12],
      ['put', keys.blockedBy('b', 'a'), 12],
      ['put', keys.mute('a', 'c'), 13],
      ['delete', keys.mute('a', 'c'), 14],
      ['put', keys.notification('a', n.id), 15],
      ['delete', keys.notification('a', n.id), 16],
      ['put', keys.notification('a', n.id), 17],
    ];
    for (const [type, key, revision] of replay) {
      view.applyEvent({ type, kv: kv(key, key.includes('/notifications/') && type === 'put' ? JSON.stringify(n) : '1', revision) });
    }
    const hidden = view.relations.hiddenFor('a');
    assert.deepEqual([hidden('b'), hidden('c')], [true, false]);
    assert.equal(view.relations.hiddenFor('b')('a'), true);
    assert.equal(view.relations.notificationCount('a'), 1);
    view.applyEvent({ type: 'delete', kv: kv(keys.notification('a', n.id), '', 18) });
    assert.equal(view.relations.notificationCount('a'), 0);
  });

  it('pages notifications newest first from a cursor and counts those past the marker', () => {
    const view = new View(keys);
    view.applyListed(kv(keys.account('a'), JSON.stringify({ username: 'a', createdAtMs: 1 }), 1));
    view.endListing();
    const written = Array.from({ length: 10 }, (_, i) => notificationFor(NOTIFICATION_TYPES[0], `u${i}`, 'a', 1000 + i));
    // Out of order on purpose.
    for (const [i, n] of [...written.entries()].reverse()) {
      view.applyEvent({ type: 'put', kv: kv(keys.notification('a', n.id), JSON.stringify(n), 10 + i) });
    }
    const newestFirst = [...written].reverse();
    const first = view.relations.notifications('a', { limit: 4, after: undefined, types: ['follow'] });
    assert.deepEqual(first.items, newestFirst.slice(0, 4));
    const second = view.relations.notifications('a', { limit: 4, after: newestFirst[3]!.id, types: ['follow'] });
    assert.deepEqual(second.items, newestFirst.slice(4, 8));
    assert.deepEqual(view.relations.notifications('a', { limit: 4, after: newestFirst[7]!.id, types: ['follow'] }), {
      items: newestFirst.slice(8),
      next: null,
    });
    assert.deepEqual(view.relations.notifications('a', { limit: 4, after: undefined, types: ['mention'] }), { items: [], next: null });

    assert.deepEqual(view.relations.notificationMarker('a'), { lastReadId: '', unread: 10 });
    view.applyEvent({ type: 'put', kv: kv(keys.notificationMark('a'), newestFirst[2]!.id, 30) });
    assert.deepEqual(view.relations.notificationMarker('a'), { lastReadId: newestFirst[2]!.id, unread: 2 });
    // A snapshot: a mute applied later does not change a predicate already handed out.
    const before = view.relations.hiddenFor('a');
    view.applyEvent({ type: 'put', kv: kv(keys.mute('a', 'u9'), '1', 31) });
    assert.equal(before('u9'), false);
    assert.deepEqual(view.relations.notificationMarker('a'), { lastReadId: newestFirst[2]!.id, unread: 1 });
  });
});
