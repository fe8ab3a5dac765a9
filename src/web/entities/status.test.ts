import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { accountId, postIdOf, statusId } from '../../domain/mastodon-ids.js';
import { newPostId, type Post } from '../../domain/post.js';
import { mastodonAccount } from './account.js';
import { assertShape } from './shape.test-helper.js';
import { mastodonStatus, statusContent } from './status.js';

/** Status's attributes as docs.joinmastodon.org/entities/Status lists them, with their JSON types, as seen without a viewer. */
const STATUS_FIELDS = {
  id: 'string',
  uri: 'string',
  url: 'string',
  created_at: 'string',
  edited_at: 'null',
  account: 'object',
  content: 'string',
  visibility: 'string',
  sensitive: 'boolean',
  spoiler_text: 'string',
  media_attachments: 'array',
  application: 'null',
  mentions: 'array',
  tags: 'array',
  emojis: 'array',
  reblogs_count: 'number',
  favourites_count: 'number',
  replies_count: 'number',
  in_reply_to_id: 'null',
  in_reply_to_account_id: 'null',
  reblog: 'null',
  poll: 'null',
  card: 'null',
  language: 'null',
} as const;

/** What Mastodon adds when a signed-in account looks. */
const VIEWER_FIELDS = { favourited: 'boolean', reblogged: 'boolean', muted: 'boolean', bookmarked: 'boolean', filtered: 'array' } as const;

const origin = 'https://chorus.example';
const author = mastodonAccount(origin, { username: 'alice', createdAtMs: 0 });
const post: Post = {
  id: newPostId(Date.UTC(2026, 11, 1, 12), () => 0.25),
  author: 'alice',
  text: 'hello',
  createdAtMs: Date.UTC(2026, 11, 1, 12),
};

describe('Status entity', () => {
  it('has every documented field with its type, and no other', () => {
    assertShape(mastodonStatus(origin, post, author), STATUS_FIELDS);
    assertShape(mastodonStatus(origin, post, author, 'bob'), { ...STATUS_FIELDS, ...VIEWER_FIELDS });
    assertShape(mastodonStatus(origin, post, author, 'alice'), { ...STATUS_FIELDS, ...VIEWER_FIELDS, pinned: 'boolean' });
  });

  it('renders the post: mapped id, its page as url, ISO date, public, the author', () => {
    const status = mastodonStatus(origin, post, author, 'bob');
    assert.equal(postIdOf(status.id), post.id);
    assert.equal(status.url, `https://chorus.example/p/${post.id}`);
    assert.equal(status.uri, status.url);
    assert.equal(status.created_at, '2026-12-01T12:00:00.000Z');
    assert.equal(status.visibility, 'public');
    assert.equal(status.content, '<p>hello</p>');
    assert.equal(status.account, author);
    assert.deepEqual([status.favourited, status.reblogged, status.muted, status.bookmarked], [false, false, false, false]);
  });

  const reply: Post = {
    id: newPostId(Date.UTC(2026, 11, 1, 13), () => 0.5),
    author: 'bob',
    text: '@Alice see #Chorus and @nobody_here #chorus',
    createdAtMs: Date.UTC(2026, 11, 1, 13),
    inReplyToId: post.id,
    inReplyToAuthor: 'alice',
    mentions: ['alice'],
    tags: ['chorus'],
  };
  const bob = mastodonAccount(origin, { username: 'bob', createdAtMs: 0 });
  const counts = { replies: 2, reblogs: 3, favourites: 4, favourited: true, reblogged: false };

  it('renders a reply: the parent and its author by id, mentions and tags listed and linked, counts and flags', () => {
    const status = mastodonStatus(origin, reply, bob, 'carol', counts);
    assert.equal(status.in_reply_to_id, statusId(post.id));
    assert.equal(status.in_reply_to_account_id, accountId('alice'));
    assert.deepEqual(status.mentions, [
      { id: accountId('alice'), username: 'alice', url: 'https://chorus.example/u/alice', acct: 'alice' },
    ]);
    assert.deepEqual(status.tags, [{ name: 'chorus', url: 'https://chorus.example/tags/chorus' }]);
    assert.equal(
      status.content,
      '<p><span class="h-card" translate="no"><a href="https://chorus.example/u/alice" class="u-url mention">@<span>Alice</span></a></span>' +
        ' see <a href="https://chorus.example/tags/chorus" class="mention hashtag" rel="tag">#<span>Chorus</span></a>' +
        ' and @nobody_here <a href="https://chorus.example/tags/chorus" class="mention hashtag" rel="tag">#<span>chorus</span></a></p>',
      'only the mentions the post carries (existing accounts) are linked',
    );
    assert.deepEqual([status.replies_count, status.reblogs_count, status.favourites_count], [2, 3, 4]);
    assert.deepEqual([status.favourited, status.reblogged], [true, false]);
    assert.equal(status.pinned, undefined, 'only the author is told whether a status is pinned');
    assertShape(status, { ...STATUS_FIELDS, ...VIEWER_FIELDS, in_reply_to_id: 'string', in_reply_to_account_id: 'string' });
  });

  it("keeps the parent's ids when the parent is gone (the reply still answers it)", () => {
    const status = mastodonStatus(origin, reply, bob);
    assert.equal(status.in_reply_to_id, statusId(post.id));
    assert.equal(status.favourited, undefined, 'no viewer, no flags');
    assert.deepEqual([status.replies_count, status.reblogs_count, status.favourites_count], [0, 0, 0]);
  });

  it("renders a reblog as Mastodon's wrapper: the reblogger's empty status around the original, the original's flags", () => {
    const original = mastodonStatus(origin, post, author, 'bob', { ...counts, reblogged: true });
    const reblog: Post = {
      id: newPostId(Date.UTC(2026, 11, 2), () => 0.75),
      author: 'bob',
      text: '',
      createdAtMs: Date.UTC(2026, 11, 2),
      reblogOf: post.id,
    };
    const wrapper = mastodonStatus(origin, reblog, bob, 'bob', counts, original);
    assertShape(wrapper, { ...STATUS_FIELDS, ...VIEWER_FIELDS, reblog: 'object' });
    assert.equal(wrapper.reblog, original);
    assert.equal(wrapper.id, statusId(reblog.id));
    assert.equal(wrapper.account, bob);
    assert.equal(wrapper.content, '');
    assert.deepEqual([wrapper.mentions, wrapper.tags], [[], []]);
    assert.deepEqual([wrapper.replies_count, wrapper.reblogs_count, wrapper.favourites_count], [0, 0, 0]);
    assert.deepEqual([wrapper.favourited, wrapper.reblogged], [true, true]);
    assert.equal(wrapper.pinned, undefined, 'a reblog cannot be pinned, even by its author');
  });
});

describe('status content', () => {
  it('escapes markup, ampersands and quotes', () => {
    assert.equal(statusContent('<script>alert("x")</script>'), '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    assert.equal(statusContent(`Tom & Jerry's "show" \`x\``), '<p>Tom &amp; Jerry&#39;s &quot;show&quot; &#96;x&#96;</p>');
    assert.equal(statusContent('&lt; is already an entity'), '<p>&amp;lt; is already an entity</p>');
  });

  it('makes paragraphs of blank-line-separated text and <br> of single breaks', () => {
    assert.equal(statusContent('one\ntwo\n\nthree\n \n\n four'), '<p>one<br>two</p><p>three</p><p>four</p>');
    assert.equal(statusContent('a\r\nb'), '<p>a<br>b</p>');
  });

  it('links http(s) URLs, leaving sentence punctuation outside', () => {
    const link = (url: string) => `<a href="${url}" rel="nofollow noopener noreferrer" target="_blank">${url}</a>`;
    assert.equal(statusContent('see https://example.com/a?b=1 now'), `<p>see ${link('https://example.com/a?b=1')} now</p>`);
    assert.equal(statusContent('at http://example.com.'), `<p>at ${link('http://example.com')}.</p>`);
    assert.equal(statusContent('(https://example.com/x)'), `<p>(${link('https://example.com/x')})</p>`);
    assert.equal(statusContent('https://en.wikipedia.org/wiki/Foo_(bar)!'), `<p>${link('https://en.wikipedia.org/wiki/Foo_(bar)')}!</p>`);
    assert.equal(statusContent('https://a.example/?x=1&y=2'), `<p>${link('https://a.example/?x=1&amp;y=2')}</p>`);
    assert.equal(
      statusContent('two:\nhttps://a.example https://b.example'),
      `<p>two:<br>${link('https://a.example')} ${link('https://b.example')}</p>`,
    );
  });

  it('links nothing but http(s) URLs with a host', () => {
    for (const text of ['javascript:alert(1)', 'ftp://example.com', 'xhttps://example.com', 'https://', 'data:text/html,<b>']) {
      assert.doesNotMatch(statusContent(text), /<a /, text);
    }
  });

  it('cannot break out of an attribute or a tag, whatever the text', () => {
    assert.equal(
      statusContent('https://e.example/"onmouseover="alert(1)'),
      '<p><a href="https://e.example/" rel="nofollow noopener noreferrer" target="_blank">https://e.example/</a>&quot;onmouseover=&quot;alert(1)</p>',
    );
    const allowedTag = /^<(p|\/p|br|\/a|a href="[^"<>]*" rel="nofollow noopener noreferrer" target="_blank")>$/;
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", 'a', ' ', '\n', 'https://x.example/', '.', ')', '(') }),
        (text) => {
          const html = statusContent(text);
          const tags = html.match(/<[^>]*>/g) ?? [];
          const textOnly = html.replace(/<[^>]*>/g, '');
          return (
            tags.every((tag) => allowedTag.test(tag)) && !/[<>"']/.test(textOnly) && !/&(?!amp;|lt;|gt;|quot;|#39;|#96;)/.test(textOnly)
          );
        },
      ),
      { seed: 20261201, numRuns: 3000 },
    );
  });
});
