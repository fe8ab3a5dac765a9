import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyspace } from '../../kv/keys.js';
import type { KeyValue } from '../../kv/kv.js';
import { parseNotification, parsePost, parsePublicAccount, parseSession } from '../../kv/records.js';
import { sessionOwner } from './reads.js';
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
  it('writes back entries that rebuild a view answering every read as the listed one, with every field of each record', () => {
    const posts = {
      p1: { id: 'p1', author: 'ann', text: 'hello #tag @ben', createdAtMs: 5, mentions: ['ben'], tags: ['tag'] },
      p2: { id: 'p2', author: 'ben', text: 'reply', createdAtMs: 6, inReplyToId: 'p1', inReplyToAuthor: 'ann' },
      p3: { id: 'p3', author: 'ben', text: '', createdAtMs: 7, reblogOf: 'p1' },
    };
    const session = { username: 'ann', accountCreatedAtMs: 1, createdAtMs: 2, leaseId: '99', lastSeenMs: 3, idleTimeoutMs: 4 };
    const grant = { ...session, clientId: 'abc', appName: 'app', scopes: 'read write' };
    const notification = { id: 'n1', recipient: 'ann', type: 'favourite', actor: 'ben', postId: 'p1', createdAtMs: 8 };
    const store: KeyValue[] = [
      kv(keys.account('ann'), JSON.stringify({ username: 'ann', createdAtMs: 1, displayName: 'Ann', bio: 'bio' }), 2),
      kv(keys.account('ben'), JSON.stringify({ username: 'ben', createdAtMs: 1 }), 3),
      kv(keys.following('ann', 'ben'), '1', 4),
      ...Object.values(posts).map((post) => kv(keys.authorPost(post.author, post.id), JSON.stringify(post), 5)),
      kv(keys.session('site'), JSON.stringify(session), 6),
      kv(keys.session('oauth'), JSON.stringify(grant), 6),
      kv(keys.reply('p1', 'p2'), 'ben', 7),
      kv(keys.tagPost('tag', 'p1'), 'ann', 7),
      kv(keys.favourite('p1', 'ben'), '1', 8),
      kv(keys.actorFavourite('ben', 'f1'), 'p1', 8),
      kv(keys.reblog('p1', 'ben'), 'p3', 9),
      kv(keys.notification('ann', 'n1'), JSON.stringify(notification), 10),
      kv(keys.notificationMark('ann'), 'n1', 11),
      kv(keys.block('ann', 'cat'), '1', 12),
      kv(keys.blockedBy('cat', 'ann'), '1', 12),
      kv(keys.mute('ben', 'cat'), '1', 13),
    ];
    const listed = new View(keys);
    for (const item of store) listed.applyListed(item);
    listed.endListing();
    const rebuilt = new View(keys);
    for (const entry of listed.entries()) rebuilt.applyListed(entry);
    rebuilt.endListing();
    for (const view of [listed, rebuilt]) {
      assert.deepEqual(view.account('ann'), parsePublicAccount(store[0]!.value));
      for (const post of Object.values(posts)) assert.deepEqual(view.post(post.id), parsePost(JSON.stringify(post)));
      assert.deepEqual(view.session('site'), sessionOwner(parseSession(JSON.stringify(session))));
      assert.deepEqual(view.session('oauth'), sessionOwner(parseSession(JSON.stringify(grant))));
      assert.deepEqual(view.relations.notification('ann', 'n1'), parseNotification(JSON.stringify(notification)));
      assert.deepEqual(view.relations.notificationMarker('ann'), { lastReadId: 'n1', unread: 0 });
      assert.deepEqual(view.indexes.reactions('p1', 'ben'), { replies: 1, reblogs: 1, favourites: 1, favourited: true, reblogged: true });
      assert.deepEqual(view.indexes.favouritesBy('ben', { limit: 10, after: undefined }).items, [{ id: 'f1', postId: 'p1' }]);
      assert.deepEqual(
        view.indexes.tagged('tag', { limit: 10, after: undefined }, (id) => view.post(id)).items.map((p) => p.id),
        ['p1'],
      );
      assert.deepEqual(view.relations.relationships('ann', ['ben']), [
        { target: 'ben', following: true, followedBy: false, blocking: false, blockedBy: false, muting: false },
      ]);
      assert.equal(view.relations.hiddenFor('ann')('cat'), true);
      assert.equal(view.relations.hiddenFor('cat')('ann'), true);
      assert.equal(view.relations.hiddenFor('ben')('cat'), true);
      assert.deepEqual(view.stats(), { accounts: 2, edges: 1, posts: 3, sessions: 2 });
    }
    assert.deepEqual([...rebuilt.entries()], [...listed.entries()]);
    // The revisions the view compares come back too: an older unfollow replayed after the rebuild is ignored.
    rebuilt.applyEvent({ type: 'delete', kv: kv(keys.following('ann', 'ben'), '', 3) });
    assert.equal(rebuilt.isFollowing('ann', 'ben'), true);
  });

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
