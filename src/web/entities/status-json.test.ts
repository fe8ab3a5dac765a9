import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Account, Profile } from '../../domain/account.js';
import { newPostId, type Post, type PostView } from '../../domain/post.js';
import { extractMentions, extractTags } from '../../domain/text.js';
import { wellFormedJson } from '../unicode.js';
import { mastodonAccount, profileAccount } from './account.js';
import { mastodonStatus } from './status.js';
import { StatusJsonRenderer } from './status-json.js';

const NAMES = ['alice', 'bob', 'carol', 'dave_99'] as const;
const WORDS = [
  'hello',
  '@alice',
  '@Bob',
  '@nobody',
  '#Tag',
  '#chorus',
  'https://example.com/a?b=<c>&d',
  '"quoted"',
  '&amp;',
  'ünï',
  '😀',
  '</p>',
  '\n',
  '\n\n',
];

const origins = fc.constantFrom('https://chorus.example', 'http://localhost:3000');
const name = fc.constantFrom(...NAMES);
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }).map((words) => words.join(' '));
const count = fc.nat({ max: 100_000 });

const post = (reblog: boolean) =>
  fc
    .record({
      author: name,
      text,
      createdAtMs: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
      seed: fc.double({ min: 0, max: 0.999, noNaN: true }),
      replyTo: fc.option(fc.record({ author: name, atMs: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }) }), { nil: undefined }),
    })
    .map(({ author, text, createdAtMs, seed, replyTo }): Post => {
      const id = newPostId(createdAtMs, () => seed);
      if (reblog) return { id, author, text: '', createdAtMs, reblogOf: newPostId(createdAtMs, () => 0.5) };
      const mentions = extractMentions(text).filter((m) => (NAMES as readonly string[]).includes(m));
      return {
        id,
        author,
        text,
        createdAtMs,
        ...(mentions.length ? { mentions } : {}),
        ...(extractTags(text).length ? { tags: extractTags(text) } : {}),
        ...(replyTo ? { inReplyToId: newPostId(replyTo.atMs, () => 0.25), inReplyToAuthor: replyTo.author } : {}),
      };
    });

const viewOf = (p: fc.Arbitrary<Post>) =>
  fc.record({ post: p, replies: count, reblogs: count, favourites: count, favourited: fc.boolean(), reblogged: fc.boolean() });

const account = fc.record({
  username: name,
  createdAtMs: fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
  displayName: fc.option(fc.constantFrom('', 'Alice A.', '<b>"x"</b>', 'ünï 😀', 'lone \udc00'), { nil: undefined }),
  bio: fc.option(text, { nil: undefined }),
});
const profile = fc.record({ account, followers: count, following: count, posts: count });
const viewer = fc.option(name, { nil: undefined });

describe('statuses as JSON text', () => {
  // One renderer for every case, so later cases meet entries that earlier ones left (other profiles, other origins).
  const renderer = new StatusJsonRenderer({ posts: 8, accounts: 3 });

  it('is JSON.stringify of profileAccount and of mastodonAccount, whatever the cache holds', () => {
    fc.assert(
      fc.property(origins, fc.oneof(profile, account), (origin, given: Profile | Account) => {
        const expected = 'account' in given ? profileAccount(origin, given) : mastodonAccount(origin, given);
        assert.equal(renderer.account(origin, given), wellFormedJson(expected));
      }),
      { numRuns: 300 },
    );
  });

  it('is JSON.stringify of mastodonStatus for posts, replies, mentions and tags, with and without a viewer (the author too)', () => {
    fc.assert(
      fc.property(origins, viewOf(post(false)), profile, viewer, (origin, view: PostView, author, who) => {
        const account = profileAccount(origin, author);
        const json = renderer.status(origin, view, wellFormedJson(account), who);
        assert.equal(json, wellFormedJson(mastodonStatus(origin, view.post, account, who, view)));
        assert.deepEqual(JSON.parse(json), JSON.parse(wellFormedJson(mastodonStatus(origin, view.post, account, who, view))));
      }),
      { numRuns: 500 },
    );
  });

  it('renders a reblog as the wrapper with its original inside and the original’s flags', () => {
    fc.assert(
      fc.property(
        origins,
        viewOf(post(true)),
        viewOf(post(false)),
        profile,
        profile,
        viewer,
        (origin, wrapper: PostView, original: PostView, rebloggerProfile, authorProfile, who) => {
          const reblogger = profileAccount(origin, rebloggerProfile);
          const author = profileAccount(origin, authorProfile);
          const inner = mastodonStatus(origin, original.post, author, who, original);
          const expected = mastodonStatus(origin, wrapper.post, reblogger, who, wrapper, inner);
          const originalJson = renderer.status(origin, original, wellFormedJson(author), who);
          const json = renderer.status(origin, wrapper, wellFormedJson(reblogger), who, {
            json: originalJson,
            favourited: original.favourited,
            reblogged: original.reblogged,
          });
          assert.equal(json, wellFormedJson(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('renders an account anew when its profile changes, and a post anew if its fields differ from the cached one', () => {
    const origin = 'https://chorus.example';
    const fresh = new StatusJsonRenderer();
    const before: Profile = {
      account: { username: 'alice', createdAtMs: 0, displayName: 'Alice', bio: 'hi' },
      followers: 1,
      following: 2,
      posts: 3,
    };
    const after: Profile = { ...before, account: { ...before.account, displayName: 'Alice B.', bio: 'bye #now' }, posts: 4 };
    assert.equal(fresh.account(origin, before), wellFormedJson(profileAccount(origin, before)));
    assert.equal(fresh.account(origin, after), wellFormedJson(profileAccount(origin, after)));
    const first: PostView = {
      post: { id: newPostId(1000, () => 0.5), author: 'alice', text: 'one', createdAtMs: 1000 },
      replies: 0,
      reblogs: 0,
      favourites: 0,
      favourited: false,
      reblogged: false,
    };
    const second: PostView = { ...first, post: { ...first.post, text: 'two @bob', mentions: ['bob'] } };
    const account = wellFormedJson(profileAccount(origin, after));
    for (const view of [first, second, first]) {
      assert.equal(
        fresh.status(origin, view, account, undefined),
        wellFormedJson(mastodonStatus(origin, view.post, profileAccount(origin, after), undefined, view)),
      );
    }
  });

  it('refuses a reblog without its original', () => {
    const reblog: PostView = {
      post: { id: newPostId(1000, () => 0.5), author: 'bob', text: '', createdAtMs: 1000, reblogOf: newPostId(900, () => 0.5) },
      replies: 0,
      reblogs: 0,
      favourites: 0,
      favourited: false,
      reblogged: false,
    };
    assert.throws(() => new StatusJsonRenderer().status('https://chorus.example', reblog, '{}', undefined), TypeError);
  });
});
