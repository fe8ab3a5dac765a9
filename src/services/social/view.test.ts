import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyspace } from '../../kv/keys.js';
import type { KeyValue } from '../../kv/kv.js';
import { View } from './view.js';

/** A root other than the default, so the view is seen to honour the one it is given. */
const keys = keyspace('/view-test/v1/');

const kv = (key: string, value: string, modRevision: number): KeyValue => ({
  key,
  value,
  modRevision,
  createRevision: modRevision,
  version: 1,
  lease: '0',
});

describe('View', () => {
  it('ends equal to the store when a paged listing overlaps the watch that follows it', () => {
    // Store history: 10 follow a→b, 11 unfollow, 12 follow again; 13 follow a→c, 14 unfollow.
    // The listing's pages were read at revision 12 (a→b present, last written at 12)
    // and 14 (a→c absent); the watch replays everything from revision 10.
    const view = new View(keys);
    view.applyListed(kv(keys.account('a'), JSON.stringify({ username: 'a', createdAtMs: 1 }), 1));
    view.applyListed(kv(keys.following('a', 'b'), '1', 12));
    const replay: ['put' | 'delete', string, number][] = [
      ['put', keys.following('a', 'b'), 10],
      ['delete', keys.following('a', 'b'), 11],
      ['put', keys.following('a', 'b'), 12],
      ['put', keys.following('a', 'c'), 13],
      ['delete', keys.following('a', 'c'), 14],
    ];
    for (const [type, key, revision] of replay) view.applyEvent({ type, kv: kv(key, '1', revision) });
    assert.equal(view.isFollowing('a', 'b'), true);
    assert.equal(view.isFollowing('a', 'c'), false);
    assert.equal(view.profile('a')?.following, 1);
  });

  it("forgets a reader's cached feed when a followee's account appears or goes", () => {
    const view = new View(keys);
    const account = (name: string, revision: number) =>
      kv(keys.account(name), JSON.stringify({ username: name, createdAtMs: 1 }), revision);
    view.applyListed(account('reader', 1));
    view.applyListed(account('a', 1));
    view.applyListed(kv(keys.following('reader', 'a'), '1', 2));
    view.applyListed(kv(keys.following('reader', 'b'), '1', 2));
    for (const [id, author] of [
      ['p1', 'a'],
      ['p2', 'b'],
    ]) {
      view.applyListed(kv(keys.authorPost(author!, id!), JSON.stringify({ id, author, text: id, createdAtMs: 0 }), 3));
    }
    view.endListing();
    const first = () => view.feed('reader', { after: undefined, limit: 20 }).items.map((post) => post.id);
    assert.deepEqual(first(), ['p1'], 'a followee without an account is left out');
    view.applyEvent({ type: 'put', kv: account('b', 4) });
    assert.deepEqual(first(), ['p1', 'p2']);
    view.applyEvent({ type: 'delete', kv: account('a', 5) });
    assert.deepEqual(first(), ['p2']);
  });

  it('keeps posts newest first through inserts and deletes, and pages the feed from a cursor', () => {
    const view = new View(keys);
    for (const name of ['a', 'b', 'reader']) {
      view.applyListed(kv(keys.account(name), JSON.stringify({ username: name, createdAtMs: 1 }), 1));
    }
    view.applyListed(kv(keys.following('reader', 'a'), '1', 2));
    view.applyListed(kv(keys.following('reader', 'b'), '1', 2));
    const ids = ['p05', 'p10', 'p15', 'p20', 'p25', 'p30'];
    const put = (id: string, author: string, revision: number) =>
      view.applyEvent({
        type: 'put',
        kv: kv(keys.authorPost(author, id), JSON.stringify({ id, author, text: id, createdAtMs: 0 }), revision),
      });
    // Out of order on purpose, and one repeat.
    put('p20', 'a', 3);
    put('p05', 'b', 4);
    put('p30', 'a', 5);
    put('p10', 'a', 6);
    put('p25', 'b', 7);
    put('p15', 'b', 8);
    put('p15', 'b', 8);
    const feed = (after?: string, limit = 2) => view.feed('reader', { limit, after });
    assert.deepEqual(
      feed(undefined, 10).items.map((p) => p.id),
      ids,
    );
    const first = feed();
    assert.deepEqual(
      first.items.map((p) => p.id),
      ['p05', 'p10'],
    );
    assert.deepEqual(
      feed('p10').items.map((p) => p.id),
      ['p15', 'p20'],
    );
    assert.notEqual(feed('p15').next, null);
    assert.equal(feed('p20').next, null, 'p25 and p30 are the last two');
    view.applyEvent({ type: 'delete', kv: kv(keys.authorPost('a', 'p10'), '', 9) });
    assert.deepEqual(
      feed(undefined, 10).items.map((p) => p.id),
      ['p05', 'p15', 'p20', 'p25', 'p30'],
    );
    assert.deepEqual(
      view.posts('a', { limit: 10, after: undefined }).items.map((p) => p.id),
      ['p20', 'p30'],
    );
    assert.equal(view.profile('a')?.posts, 2);
    assert.equal(view.post('p10'), undefined);
    assert.deepEqual(view.feed('a', { limit: 10, after: undefined }).items, [], 'a follows nobody');
  });
});

describe('View: listing and keys', () => {
  it('sorts the posts a listing appended out of order once the listing ends', () => {
    const view = new View(keys);
    view.applyListed(kv(keys.account('a'), JSON.stringify({ username: 'a', createdAtMs: 1 }), 1));
    for (const [id, revision] of [
      ['p3', 5],
      ['p1', 3],
      ['p2', 4],
    ] as const) {
      view.applyListed(kv(keys.authorPost('a', id), JSON.stringify({ id, author: 'a', text: id, createdAtMs: 0 }), revision));
    }
    view.endListing();
    assert.deepEqual(
      view.posts('a', { limit: 10, after: undefined }).items.map((p) => p.id),
      ['p1', 'p2', 'p3'],
    );
    assert.equal(view.profile('a')?.posts, 3);
  });

  it('ignores keys of another root and keys of no layout', () => {
    const view = new View(keys);
    const other = keyspace('/elsewhere/v1/');
    view.applyListed(kv(other.account('a'), JSON.stringify({ username: 'a', createdAtMs: 1 }), 1));
    view.applyListed(kv(`${keys.root}accounts/a/extra`, JSON.stringify({ username: 'a', createdAtMs: 1 }), 2));
    view.applyListed(kv(`${keys.root}mystery/a`, 'x', 3));
    view.applyEvent({ type: 'put', kv: kv(keys.fence(), '1', 4) });
    assert.equal(view.account('a'), undefined);
    assert.deepEqual(view.stats(), { accounts: 0, edges: 0, posts: 0, sessions: 0 });
  });

  it('knows a session from its put until its delete', () => {
    const view = new View(keys);
    const session = { username: 'a', accountCreatedAtMs: 1, createdAtMs: 2, leaseId: '7', idleTimeoutMs: 1000 };
    view.applyEvent({ type: 'put', kv: kv(keys.session('hash'), JSON.stringify(session), 5) });
    assert.deepEqual(view.session('hash'), {
      username: 'a',
      accountCreatedAtMs: 1,
      createdAtMs: 2,
      lastSeenMs: undefined,
      idleTimeoutMs: 1000,
    });
    view.applyEvent({ type: 'delete', kv: kv(keys.session('hash'), '', 6) });
    assert.equal(view.session('hash'), undefined);
  });
});
