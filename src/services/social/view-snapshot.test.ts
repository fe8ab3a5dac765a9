import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Post } from '../../domain/post.js';
import { keyspace } from '../../kv/keys.js';
import { View } from './view.js';
import { ViewSnapshots } from './view-snapshot.js';

const keys = keyspace('/snapshot-test/v1/');
const stamp = { store: 'etcd:1', root: keys.root, revision: 40 };
const expected = { store: stamp.store, root: stamp.root, storeRevision: 50 };

/** A post with every field of Post set: adding a field to Post fails to compile here until it is given. */
const everyField: Required<Post> = {
  id: '0000000005aaaaaaa',
  author: 'ben',
  text: 'a reply to @ann with é and ✓ #tag',
  createdAtMs: 1_700_000_000_123,
  inReplyToId: '0000000009aaaaaaa',
  inReplyToAuthor: 'ann',
  reblogOf: '0000000009aaaaaaa',
  mentions: ['ann', 'cat'],
  tags: ['tag', 'other'],
};

/** A listed view with accounts, edges (one to a name without an account), posts of every shape, sessions, indexes and relations. */
function listedView(): View {
  const view = new View(keys);
  const put = (key: string, value: string, modRevision = 1) => view.applyListed({ key, value, modRevision });
  put(keys.account('ann'), JSON.stringify({ username: 'ann', createdAtMs: 1, displayName: 'Ann', bio: 'bio' }));
  put(keys.account('ben'), JSON.stringify({ username: 'ben', createdAtMs: 2 }));
  put(keys.account('cat'), JSON.stringify({ username: 'cat', createdAtMs: 3 }));
  put(keys.following('ann', 'ben'), '1', 7);
  put(keys.following('ann', 'gone'), '1', 8);
  put(keys.following('cat', 'ben'), '1', 9);
  put(keys.following('cat', 'ann'), '1', 10);
  const posts: Post[] = [
    { id: '0000000009aaaaaaa', author: 'ann', text: 'the original', createdAtMs: 10 },
    everyField,
    { id: '0000000007aaaaaaa', author: 'cat', text: '', createdAtMs: 12, reblogOf: '0000000009aaaaaaa' },
    { id: '0000000003aaaaaaa', author: 'gone', text: 'by an account being swept', createdAtMs: 13 },
    { id: '0000000001aaaaaaa', author: 'ann', text: 'newest', createdAtMs: 14 },
  ];
  // Out of order, as a listing's slices interleave them.
  for (const post of [posts[3]!, posts[0]!, posts[4]!, posts[2]!, posts[1]!])
    put(keys.authorPost(post.author, post.id), JSON.stringify(post));
  put(keys.session('site'), JSON.stringify({ username: 'ann', accountCreatedAtMs: 1, createdAtMs: 2, leaseId: '99', lastSeenMs: 3 }));
  put(keys.reply('0000000009aaaaaaa', everyField.id), 'ben');
  put(keys.tagPost('tag', everyField.id), 'ben');
  put(keys.favourite('0000000009aaaaaaa', 'cat'), '5');
  put(keys.actorFavourite('cat', 'f1'), '0000000009aaaaaaa');
  put(keys.reblog('0000000009aaaaaaa', 'cat'), '0000000007aaaaaaa');
  put(keys.block('ann', 'dan'), '1');
  put(keys.blockedBy('dan', 'ann'), '1');
  put(keys.mute('cat', 'dan'), '1');
  view.endListing();
  return view;
}

/** What a view answers, for comparing two: its entries and the reads that depend on order. */
function answers(view: View) {
  const page = { after: undefined, limit: 10 };
  return {
    entries: [...view.entries()],
    stats: view.stats(),
    feeds: ['ann', 'cat'].map((reader) => view.feed(reader, page).items.map((post) => post.id)),
    timeline: view.timeline(page).items.map((post) => post.id),
    byAuthor: ['ann', 'ben', 'cat', 'gone'].map((author) => view.posts(author, page).items),
    profiles: ['ann', 'ben', 'gone'].map((name) => view.profile(name)),
    post: view.post(everyField.id),
  };
}

describe('ViewSnapshots', () => {
  let dir: string;
  let snapshots: ViewSnapshots;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'chorus-snapshot-unit-'));
    snapshots = new ViewSnapshots(dir);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a view that answers as the saved one, every field of every record kept', async () => {
    const saved = listedView();
    const written = await snapshots.save(stamp, saved);
    assert.equal(written.entries, [...saved.entries()].length);
    const loaded = new View(keys);
    const result = await snapshots.load(expected, loaded);
    assert.deepEqual(result, { loaded: true, revision: stamp.revision, entries: written.entries, bytes: written.bytes });
    loaded.endListing();
    assert.deepEqual(answers(loaded), answers(saved));
    assert.deepEqual(loaded.post(everyField.id), everyField);
    // Edges keep the revision they were last written at: an older unfollow replayed after the load is ignored, a newer one applies.
    loaded.applyEvent({
      type: 'delete',
      kv: { key: keys.following('ann', 'ben'), value: '', modRevision: 6, createRevision: 6, version: 0, lease: '0' },
    });
    assert.equal(loaded.isFollowing('ann', 'ben'), true);
    loaded.applyEvent({
      type: 'delete',
      kv: { key: keys.following('cat', 'ben'), value: '', modRevision: 11, createRevision: 11, version: 0, lease: '0' },
    });
    assert.equal(loaded.isFollowing('cat', 'ben'), false);
    assert.equal(loaded.profile('ben')?.followers, 1);
  });

  it('refuses a snapshot of another store, another root, a later revision or another format', async () => {
    await snapshots.save(stamp, listedView());
    const refusals: [typeof expected, RegExp][] = [
      [{ ...expected, store: 'etcd:2' }, /another store/],
      [{ ...expected, root: '/elsewhere/v1/' }, /another key root/],
      [{ ...expected, storeRevision: stamp.revision - 1 }, /ahead of the store/],
    ];
    for (const [wanted, reason] of refusals) {
      const result = await snapshots.load(wanted, new View(keys));
      assert.ok(!result.loaded && reason.test(result.reason), JSON.stringify(result));
    }
    const bytes = await readFile(snapshots.file);
    await writeFile(snapshots.file, Buffer.concat([Buffer.from('CHVIEW01'), bytes.subarray(8)]));
    const older = await snapshots.load(expected, new View(keys));
    assert.ok(!older.loaded && /not a view snapshot of this format/.test(older.reason), JSON.stringify(older));
    const missing = await new ViewSnapshots(path.join(dir, 'none')).load(expected, new View(keys));
    assert.deepEqual(missing, { loaded: false, reason: 'no snapshot' });
  });

  it('refuses every damaged byte and every truncation, without throwing', async () => {
    await snapshots.save(stamp, listedView());
    const bytes = await readFile(snapshots.file);
    const reasons = new Set<string>();
    const refused = async (content: Buffer, what: string) => {
      await writeFile(snapshots.file, content);
      const result = await snapshots.load(expected, new View(keys));
      assert.equal(result.loaded, false, what);
      if (!result.loaded) reasons.add(result.reason.replace(/[:(].*/, ''));
    };
    // Every third byte (a different bit each time): every field of every record kind is hit.
    for (let at = 0; at < bytes.length; at += 3) {
      const damaged = Buffer.from(bytes);
      damaged[at]! ^= 1 << (at % 8);
      await refused(damaged, `a bit flipped at byte ${at}`);
    }
    for (let length = 0; length < bytes.length; length += 7) await refused(bytes.subarray(0, length), `cut at ${length}`);
    // Damage is told apart by what reads it first: the record layout, the stamp, or only the checksum.
    for (const reason of ['checksum does not match', 'truncated', 'unreadable']) assert.ok(reasons.has(reason), [...reasons].join('; '));
  });
});
