import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Account } from '../../domain/account.js';
import type { Post, PostView } from '../../domain/post.js';
import { described, type StatusOptions, statusItem } from './post.js';
import { depths } from './thread.js';

const now = Date.UTC(2025, 0, 1, 12);
const account = (username: string, displayName?: string): Account => ({
  username,
  createdAtMs: 0,
  ...(displayName ? { displayName } : {}),
});
const post = (id: string, author: string, fields: Partial<Post> = {}): Post => ({
  id,
  author,
  text: `text of ${id}`,
  createdAtMs: now,
  ...fields,
});
const view = (p: Post, fields: Partial<PostView> = {}): PostView => ({
  post: p,
  replies: 0,
  reblogs: 0,
  favourites: 0,
  favourited: false,
  reblogged: false,
  ...fields,
});

function options(views: PostView[], accounts: Account[], asked: string[], viewer: Account | null = account('viewer')): StatusOptions {
  const profiles = accounts.map((a) => ({ account: a, followers: 0, following: 0, posts: 0 }));
  return { viewer, csrf: 'tok', back: '/here?cursor=x', now, described: described({ posts: views, profiles }, asked) };
}

/** A one-button form posting to `action` whose button says `label` (the rest of the form in between). */
const button = (action: string, label: string, after = '') =>
  new RegExp(`action="${action.replace(/\//g, '\\/')}"(?:(?!</form>)[\\s\\S])*>${label}</button></form>${after}`);

describe('a post on a page', () => {
  it('shows the display name and handle, linked text, counts and the viewer\u2019s buttons in their state', () => {
    const p = post('p1', 'ann', { text: 'hi @bob #tag', mentions: ['bob'] });
    const html = statusItem(
      p,
      options([view(p, { replies: 2, reblogs: 1, favourites: 3, favourited: true })], [account('ann', 'Ann <A>')], ['p1']),
    ).toString();
    assert.match(html, /<a href="\/u\/ann" class="author"><bdi>Ann &lt;A&gt;<\/bdi><\/a><span class="handle">@ann<\/span>/);
    assert.match(html, /<a href="\/u\/bob" class="mention">@bob<\/a> <a href="\/tags\/tag" class="hashtag">#tag<\/a>/);
    assert.match(
      html,
      /<a href="\/p\/p1#reply" class="action">Reply<\/a><span class="tally">2<span class="visually-hidden"> replies<\/span>/,
    );
    assert.match(html, button('/p/p1/reblog', 'Reblog', '<span class="tally">1<span class="visually-hidden"> reblog<'));
    assert.match(html, button('/p/p1/unfavourite', 'Unfavourite', '<span class="tally">3'));
    assert.match(html, /class="action on">Unfavourite</);
    assert.match(html, /name="back" value="\/here\?cursor=x"/);
    assert.match(html, /name="_csrf" value="tok"/);
    assert.doesNotMatch(html, />Delete</, "no Delete on another's post");
  });

  it('says Undo reblog once reblogged, and offers Delete on your own post', () => {
    const p = post('p1', 'viewer');
    const html = statusItem(p, options([view(p, { reblogged: true })], [], ['p1'])).toString();
    assert.match(html, button('/p/p1/unreblog', 'Undo reblog'));
    assert.match(html, button('/p/p1/favourite', 'Favourite'));
    assert.match(html, button('/posts/p1/delete', 'Delete'));
  });

  it('gives a visitor counts in words and no forms', () => {
    const p = post('p1', 'ann');
    const html = statusItem(p, options([view(p, { reblogs: 1, favourites: 2 })], [], ['p1'], null)).toString();
    assert.doesNotMatch(html, /<form/);
    assert.match(html, />1 reblog</);
    assert.match(html, />2 favourites</);
    assert.match(html, />Reply</);
  });

  it('wraps a reblog as "… reblogged" around the original, whose buttons act on the original', () => {
    const original = post('o1', 'ann');
    const reblog = post('r1', 'bob', { text: '', reblogOf: 'o1' });
    const html = statusItem(reblog, options([view(reblog), view(original, { reblogs: 1 })], [account('bob')], ['r1'])).toString();
    assert.match(html, /<li class="post reblog" id="post-r1">/);
    assert.match(html, /<a href="\/u\/bob">@bob<\/a> reblogged/);
    assert.match(html, /href="\/u\/ann" class="author">@ann</);
    assert.match(html, /data-actions-for="o1"/);
    assert.match(html, /text of o1/);
  });

  it('leaves out a post deleted since the page was listed, and a reblog of one', () => {
    const reblog = post('r1', 'bob', { text: '', reblogOf: 'gone' });
    assert.equal(statusItem(post('x', 'ann'), options([], [], ['x'])), '');
    assert.equal(statusItem(reblog, options([view(reblog)], [], ['r1'])), '');
  });

  it('says what a reply answers, or that it was deleted', () => {
    const reply = post('c1', 'bob', { inReplyToId: 'p1', inReplyToAuthor: 'ann' });
    const parent = post('p1', 'ann');
    const there = statusItem(reply, options([view(reply), view(parent)], [], ['c1', 'p1'])).toString();
    assert.match(there, /Replying to <a href="\/p\/p1">@ann<\/a>/);
    const gone = statusItem(reply, options([view(reply)], [], ['c1', 'p1'])).toString();
    assert.match(gone, /Replying to a deleted post/);
    const unknown = statusItem(reply, options([view(reply)], [], ['c1'])).toString();
    assert.match(unknown, /Replying to <a href="\/p\/p1">@ann<\/a>/, 'a parent nobody asked about is not called deleted');
  });

  it('a thread page\u2019s own post returns Delete to the profile and leaves the page', () => {
    const p = post('p1', 'viewer');
    const html = statusItem(p, { ...options([view(p)], [], ['p1']), focal: 'p1' }).toString();
    assert.match(
      html,
      /action="\/posts\/p1\/delete" class="inline"><input type="hidden" name="_csrf" value="tok"><input type="hidden" name="back" value="\/u\/viewer">/,
    );
  });
});

describe('thread depths', () => {
  it('counts each reply below the post, depth first', () => {
    const descendants = [
      post('a', 'x', { inReplyToId: 'root' }),
      post('a1', 'x', { inReplyToId: 'a' }),
      post('a11', 'x', { inReplyToId: 'a1' }),
      post('b', 'x', { inReplyToId: 'root' }),
    ];
    assert.deepEqual(
      [...depths('root', descendants)],
      [
        ['a', 1],
        ['a1', 2],
        ['a11', 3],
        ['b', 1],
      ],
    );
  });
});
