import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyspace } from '../../kv/keys.js';
import type { KeyValue } from '../../kv/kv.js';
import { View } from './view.js';

const keys = keyspace('/view-posts-test/v1/');

const kv = (key: string, value: string, modRevision: number): KeyValue => ({
  key,
  value,
  modRevision,
  createRevision: modRevision,
  version: 1,
  lease: '0',
});

const post = (id: string, author: string, extra: object = {}) => JSON.stringify({ id, author, text: id, createdAtMs: 0, ...extra });

describe('View: replies, tags, favourites and reblogs', () => {
  it('ends equal to the store when a listing overlaps the watch that replays the same rows', () => {
    // History: 10 fav(p1, a), 11 unfav, 12 fav again; 13 fav(p1, b), 14 unfav;
    // 15 reblog(p1, a) = r1, 16 unreblog, 17 reblog = r2; 18 favourites-by row f1, 19 its delete.
    // The listing read every row at revision 17; the watch replays from 10.
    const view = new View(keys);
    view.applyListed(kv(keys.authorPost('x', 'p1'), post('p1', 'x'), 1));
    view.applyListed(kv(keys.favourite('p1', 'a'), '12', 12));
    view.applyListed(kv(keys.reblog('p1', 'a'), 'r2', 17));
    view.applyListed(kv(keys.actorFavourite('a', 'f1'), 'p1', 18));
    view.endListing();
    const replay: ['put' | 'delete', string, string, number][] = [
      ['put', keys.favourite('p1', 'a'), '10', 10],
      ['delete', keys.favourite('p1', 'a'), '', 11],
      ['put', keys.favourite('p1', 'a'), '12', 12],
      ['put', keys.favourite('p1', 'b'), '13', 13],
      ['delete', keys.favourite('p1', 'b'), '', 14],
      ['put', keys.reblog('p1', 'a'), 'r1', 15],
      ['delete', keys.reblog('p1', 'a'), '', 16],
      ['put', keys.reblog('p1', 'a'), 'r2', 17],
      ['put', keys.actorFavourite('a', 'f1'), 'p1', 18],
      ['delete', keys.actorFavourite('a', 'f1'), '', 19],
    ];
    for (const [type, key, value, revision] of replay) view.applyEvent({ type, kv: kv(key, value, revision) });
    assert.deepEqual(view.indexes.reactions('p1', 'a'), { replies: 0, reblogs: 1, favourites: 1, favourited: true, reblogged: true });
    assert.equal(view.indexes.reactions('p1', 'b').favourited, false);
    assert.deepEqual(view.indexes.favouritesBy('a', { limit: 10, after: undefined }), { items: [], next: undefined });
  });

  it('sorts listed rows once the listing ends and pages them newest first', () => {
    const view = new View(keys);
    for (const id of ['p4', 'p1', 'p3', 'p2']) {
      view.applyListed(kv(keys.authorPost('x', id), post(id, 'x', { tags: ['tea'] }), 1));
      view.applyListed(kv(keys.tagPost('tea', id), 'x', 1));
      view.applyListed(kv(keys.reply('p0', id), 'x', 1));
      view.applyListed(kv(keys.actorFavourite('a', `f${id}`), id, 1));
    }
    view.endListing();
    const page = (after?: string) => view.indexes.tagged('tea', { limit: 3, after }, (id) => view.post(id));
    assert.deepEqual(
      page().items.map((p) => p.id),
      ['p1', 'p2', 'p3'],
    );
    assert.deepEqual(
      page('p3').items.map((p) => p.id),
      ['p4'],
    );
    assert.equal(page('p3').next, null);
    assert.deepEqual(view.indexes.replies('p0'), ['p4', 'p3', 'p2', 'p1'], 'oldest first');
    assert.equal(view.indexes.reactions('p0', undefined).replies, 4);
    const favourites = view.indexes.favouritesBy('a', { limit: 2, after: undefined });
    assert.deepEqual(
      favourites.items.map((entry) => entry.postId),
      ['p1', 'p2'],
    );
    assert.equal(favourites.next, 'fp2');

    // Later rows arrive one by one, in any order, and repeats change nothing.
    view.applyEvent({ type: 'put', kv: kv(keys.reply('p0', 'p0a'), 'x', 2) });
    view.applyEvent({ type: 'put', kv: kv(keys.reply('p0', 'p0a'), 'x', 2) });
    view.applyEvent({ type: 'delete', kv: kv(keys.reply('p0', 'p3'), '', 3) });
    view.applyEvent({ type: 'delete', kv: kv(keys.reply('p0', 'p3'), '', 3) });
    assert.deepEqual(view.indexes.replies('p0'), ['p4', 'p2', 'p1', 'p0a']);
    view.applyEvent({ type: 'delete', kv: kv(keys.tagPost('tea', 'p1'), '', 4) });
    assert.deepEqual(
      page().items.map((p) => p.id),
      ['p2', 'p3', 'p4'],
    );
  });

  it('keeps reblogs off the public timeline but in their author’s posts', () => {
    const view = new View(keys);
    view.applyEvent({ type: 'put', kv: kv(keys.authorPost('x', 'p2'), post('p2', 'x'), 1) });
    view.applyEvent({ type: 'put', kv: kv(keys.authorPost('y', 'p1'), post('p1', 'y', { text: '', reblogOf: 'p2' }), 2) });
    assert.deepEqual(
      view.timeline({ limit: 10, after: undefined }).items.map((p) => p.id),
      ['p2'],
    );
    assert.deepEqual(
      view.posts('y', { limit: 10, after: undefined }).items.map((p) => p.id),
      ['p1'],
    );
    view.applyEvent({ type: 'delete', kv: kv(keys.authorPost('y', 'p1'), '', 3) });
    assert.equal(view.post('p1'), undefined);
  });
});
