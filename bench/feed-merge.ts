#!/usr/bin/env node
/**
 * `node dist/bench/feed-merge.js [rounds]`: the social view's feed in
 * process, CPU time per call (process.cpuUsage, so other load on the
 * machine matters less than to wall time):
 *
 * - a reader following 5,000 accounts of 20 posts each: the first page
 *   merged anew (View.mergedFeed), the same from the reader's cached head
 *   (View.feed), and a page after a cursor (never cached);
 * - the k-way merge alone over those 5,000 lists, first page and from a
 *   cursor, comparing post ids as strings against comparing the keys
 *   the view keeps beside them (post-list.ts sortKey: the id's time
 *   digits as a number, the strings only on a tie);
 * - what the cache costs a write: a post by an account 9,200 of 10,000
 *   readers follow, every reader's head cached, against a post by an
 *   account nobody follows.
 */
import { newPostId } from '../src/domain/post.js';
import { keyspace } from '../src/kv/keys.js';
import type { KeyValue } from '../src/kv/kv.js';
import { mergeNewestFirst } from '../src/services/social/merge.js';
import { sortKey } from '../src/services/social/post-list.js';
import { View } from '../src/services/social/view.js';
import { seededRandom } from './synthetic.js';

const rounds = Number(process.argv[2] ?? 200);
const keys = keyspace('/bench/v1/');
const random = seededRandom(5);
let revision = 1;
const kv = (key: string, value: string): KeyValue => ({
  key,
  value,
  modRevision: revision,
  createRevision: revision++,
  version: 1,
  lease: '0',
});
const account = (username: string) => kv(keys.account(username), JSON.stringify({ username, createdAtMs: 1 }));
const post = (author: string, atMs: number) => {
  const id = newPostId(atMs, random);
  return kv(keys.authorPost(author, id), JSON.stringify({ id, author, text: `post ${id}`, createdAtMs: atMs }));
};

/** Median CPU µs per call of `run` over `rounds` calls (after a warm-up), and what the last call returned. */
function cpuPerCall<T>(label: string, run: () => T): T {
  let result = run();
  for (let i = 0; i < 20; i++) result = run();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.cpuUsage();
    result = run();
    const used = process.cpuUsage(start);
    samples.push(used.user + used.system);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  console.log(`${label.padEnd(58)} p50 ${at(0.5).toFixed(0).padStart(6)} µs   p90 ${at(0.9).toFixed(0).padStart(6)} µs`);
  return result;
}

// A reader following 5,000 accounts of 20 posts each, posted over the last ~30 days.
const now = Date.UTC(2026, 0, 1);
const view = new View(keys);
const followees = Array.from({ length: 5000 }, (_, i) => `followee_${i}`);
view.applyListed(account('reader'));
for (const name of followees) {
  view.applyListed(account(name));
  view.applyListed(kv(keys.following('reader', name), '1'));
  for (let p = 0; p < 20; p++) view.applyListed(post(name, now - Math.floor(random() * 30 * 86_400_000)));
}
view.endListing();
const first = { after: undefined, limit: 20 };
const page = view.mergedFeed('reader', first);
// A cursor halfway down the merged feed: what a reader paging back reaches.
const deep = view.mergedFeed('reader', { after: undefined, limit: 40 }, 50_000).at(-1)!.id;
const cursor = { after: deep, limit: 20 };

console.log(`view.feed, 5,000 followees × 20 posts (${rounds} rounds)`);
cpuPerCall('first page merged anew (mergedFeed)', () => view.mergedFeed('reader', first));
const cached = cpuPerCall('first page from the cached head (feed)', () => view.feed('reader', first));
if (cached.items.map((p) => p.id).join() !== page.items.map((p) => p.id).join()) throw new Error('the cached page differs');
cpuPerCall('page after a cursor (feed, never cached)', () => view.feed('reader', cursor));

// The merge alone, over the same lists.
const lists = followees.map((name) => view.posts(name, { after: undefined, limit: 20 }).items);
const numericLists = lists.map((list) => list.map((p) => sortKey(p.id)));
const startsAt = (after: string) =>
  lists.map((list) => {
    let at = 0;
    while (at < list.length && list[at]!.id <= after) at++;
    return at;
  });
const cursorStarts = startsAt(deep);

console.log('\nthe merge alone, 5,000 lists');
cpuPerCall('string ids, first page', () => mergeNewestFirst(lists, 21));
cpuPerCall('numeric keys, first page', () => mergeNewestFirst(lists, 21, undefined, numericLists));
cpuPerCall('string ids, after a cursor', () => mergeNewestFirst(lists, 21, cursorStarts));
cpuPerCall('numeric keys, after a cursor', () => mergeNewestFirst(lists, 21, cursorStarts, numericLists));
const a = mergeNewestFirst(lists, 21, cursorStarts).map((p) => p.id);
const b = mergeNewestFirst(lists, 21, cursorStarts, numericLists).map((p) => p.id);
if (a.join() !== b.join()) throw new Error('the two merges disagree');

// What invalidation costs a write.
const crowd = new View(keys);
const readers = Array.from({ length: 10_000 }, (_, i) => `reader_${i}`);
for (const name of [...readers, 'popular', 'loner']) crowd.applyListed(account(name));
for (const [i, name] of readers.entries()) {
  if (i < 9200) crowd.applyListed(kv(keys.following(name, 'popular'), '1'));
  crowd.applyListed(kv(keys.following(name, readers[(i + 1) % readers.length]!), '1'));
}
crowd.endListing();
let clock = now;
const fill = () => {
  for (const name of readers) crowd.feed(name, first);
};
console.log('\na post applied to a view with 10,000 cached heads');
for (const author of ['popular', 'loner']) {
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    fill();
    const event = post(author, ++clock);
    const start = process.cpuUsage();
    crowd.applyEvent({ type: 'put', kv: event });
    const used = process.cpuUsage(start);
    samples.push(used.user + used.system);
  }
  samples.sort((x, y) => x - y);
  console.log(
    `${`by ${author === 'popular' ? 'an account 9,200 follow' : 'an account nobody follows'}`.padEnd(58)} p50 ${samples[25]!.toFixed(0).padStart(6)} µs`,
  );
}
