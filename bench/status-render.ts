#!/usr/bin/env node
/**
 * `node dist/bench/status-render.js [pages]`: the CPU cost of rendering one
 * home-timeline page (20 statuses: 16 posts, some with mentions, tags,
 * links and replies, and 4 reblogs, by 10 authors with bios) for a viewer,
 * measured in process (process.cpuUsage, so other load on the machine
 * matters less than to req/s): the entities serialised as the app's reply
 * serialiser does, against the JSON text spliced from cached fragments
 * (render.ts statusesJsonFrom) that issue 13 sends instead.
 */
import type { Profile } from '../src/domain/account.js';
import { newPostId, type Post, type PostView } from '../src/domain/post.js';
import type { PostDescriptions } from '../src/domain/social.js';
import { jsonArray, statusesFrom, statusesJsonFrom } from '../src/web/api/render.js';
import { wellFormedJson } from '../src/web/unicode.js';
import { seededRandom } from './synthetic.js';

const pages = Number(process.argv[2] ?? 5000);
const origin = 'https://chorus.example';
const random = seededRandom(13);
const authors = Array.from({ length: 10 }, (_, i) => `author_${i}`);
const profiles: Profile[] = authors.map((username, i) => ({
  account: {
    username,
    createdAtMs: Date.UTC(2025, 0, i + 1),
    displayName: `Author ${i}`,
    bio: `Writes about #topic${i} with @author_${(i + 1) % 10}, see https://example.com/${i}`,
  },
  followers: 100 * i,
  following: 50,
  posts: 1000 + i,
}));
let clock = Date.UTC(2026, 0, 1);
const posts: Post[] = [];
const views: PostView[] = [];
const originals: Post[] = [];
for (let i = 0; i < 20; i++) {
  clock -= 60_000;
  const author = authors[i % 10]!;
  const id = newPostId(clock, random);
  let post: Post;
  if (i % 5 === 4) {
    const original: Post = {
      id: newPostId(clock - 3_600_000, random),
      author: authors[(i + 3) % 10]!,
      text: `An original worth sharing #share ${i}`,
      createdAtMs: clock - 3_600_000,
      tags: ['share'],
    };
    originals.push(original);
    post = { id, author, text: '', createdAtMs: clock, reblogOf: original.id };
  } else {
    const mention = authors[(i + 1) % 10]!;
    post = {
      id,
      author,
      text: `Post ${i} for @${mention} about #chorus and #timelines: more at https://example.com/posts/${i}?a=1&b=2 — "quoted" <text> & more words to make it a realistic length`,
      createdAtMs: clock,
      mentions: [mention],
      tags: ['chorus', 'timelines'],
      ...(i % 3 === 0 ? { inReplyToId: newPostId(clock - 1000, random), inReplyToAuthor: mention } : {}),
    };
  }
  posts.push(post);
}
for (const post of [...posts, ...originals]) {
  views.push({
    post,
    replies: Math.floor(random() * 50),
    reblogs: Math.floor(random() * 50),
    favourites: Math.floor(random() * 500),
    favourited: random() < 0.3,
    reblogged: random() < 0.1,
  });
}
const described: PostDescriptions = { posts: views, profiles };
const viewer = 'author_3';

function measure(what: string, render: () => string): void {
  for (let i = 0; i < 200; i++) render();
  const before = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < pages; i++) bytes += render().length;
  const used = process.cpuUsage(before);
  const us = (used.user + used.system) / pages;
  console.log(`${what.padEnd(44)} ${us.toFixed(1).padStart(7)} µs CPU per page  (${Math.round(bytes / pages)} characters)`);
}

const entities = () => wellFormedJson(statusesFrom(origin, posts, described, viewer));
const text = () => jsonArray(statusesJsonFrom(origin, posts, described, viewer));
if (entities() !== text()) throw new Error('the two renderings differ');
for (let round = 0; round < 2; round++) {
  measure('entities + reply serialiser (before)', entities);
  measure('JSON text from cached fragments (after)', text);
}
