import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountId } from '../../domain/mastodon-ids.js';
import { credentialAccount, mastodonAccount, profileAccount } from './account.js';
import { assertShape } from './shape.test-helper.js';

/** Account's attributes as docs.joinmastodon.org/entities/Account lists them for Mastodon 4.2, with their JSON types. */
export const ACCOUNT_FIELDS = {
  id: 'string',
  username: 'string',
  acct: 'string',
  url: 'string',
  uri: 'string',
  display_name: 'string',
  note: 'string',
  avatar: 'string',
  avatar_static: 'string',
  header: 'string',
  header_static: 'string',
  locked: 'boolean',
  fields: 'array',
  emojis: 'array',
  bot: 'boolean',
  group: 'boolean',
  discoverable: 'boolean',
  noindex: 'boolean',
  roles: 'array',
  created_at: 'string',
  last_status_at: 'null',
  statuses_count: 'number',
  followers_count: 'number',
  following_count: 'number',
} as const;

const origin = 'https://chorus.example';
const alice = { username: 'alice', createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5, 6) };

describe('Account entity', () => {
  it('has every documented field with its type, and no other', () => {
    assertShape(mastodonAccount(origin, alice), ACCOUNT_FIELDS);
  });

  it('renders the account: id from the username, local acct, absolute URLs, ISO date', () => {
    const account = profileAccount(origin, { account: alice, followers: 3, following: 4, posts: 5 });
    assert.equal(account.id, accountId('alice'));
    assert.equal(account.username, 'alice');
    assert.equal(account.acct, 'alice');
    assert.equal(account.display_name, 'alice');
    assert.equal(account.note, '');
    assert.equal(account.url, 'https://chorus.example/u/alice');
    assert.equal(account.uri, 'https://chorus.example/u/alice');
    assert.equal(account.avatar, 'https://chorus.example/avatars/alice.png');
    assert.equal(account.avatar_static, account.avatar);
    assert.equal(account.header, 'https://chorus.example/static/header.png');
    assert.equal(account.header_static, account.header);
    assert.equal(account.created_at, '2026-01-02T03:04:05.006Z');
    assert.deepEqual([account.followers_count, account.following_count, account.statuses_count], [3, 4, 5]);
    assert.deepEqual([account.locked, account.bot, account.group, account.discoverable], [false, false, false, true]);
    for (const url of [account.url, account.avatar, account.header]) assert.equal(new URL(url).origin, origin);
  });

  it('counts 0 when a list carries no counts', () => {
    const account = mastodonAccount(origin, alice);
    assert.deepEqual([account.followers_count, account.following_count, account.statuses_count], [0, 0, 0]);
  });

  it('adds source for verify_credentials', () => {
    const account = credentialAccount(origin, { account: alice, followers: 0, following: 0, posts: 0 });
    assertShape(account, { ...ACCOUNT_FIELDS, source: 'object' });
    assertShape(account.source, {
      privacy: 'string',
      sensitive: 'boolean',
      language: 'string',
      note: 'string',
      fields: 'array',
      follow_requests_count: 'number',
    });
    assert.deepEqual(account.source, { privacy: 'public', sensitive: false, language: '', note: '', fields: [], follow_requests_count: 0 });
  });

  it('shows the display name (the username when unset) and the bio as HTML, linked and escaped; source.note as written', () => {
    const bio = 'Writes <code> & tests.\nSee @bob, #Chorus and https://a.example';
    const profile = { account: { ...alice, displayName: 'Alice <A>', bio }, followers: 0, following: 0, posts: 0 };
    const account = credentialAccount(origin, profile);
    assert.equal(account.display_name, 'Alice <A>', 'a JSON string, escaped by whoever puts it in HTML');
    assert.equal(
      account.note,
      '<p>Writes &lt;code&gt; &amp; tests.<br>See ' +
        '<span class="h-card" translate="no"><a href="https://chorus.example/u/bob" class="u-url mention">@<span>bob</span></a></span>, ' +
        '<a href="https://chorus.example/tags/chorus" class="mention hashtag" rel="tag">#<span>Chorus</span></a> and ' +
        '<a href="https://a.example" rel="nofollow noopener noreferrer" target="_blank">https://a.example</a></p>',
    );
    assert.equal(account.source.note, bio);
    assert.equal(mastodonAccount(origin, { ...alice, displayName: '' }).display_name, 'alice');
    assert.equal(mastodonAccount(origin, { ...alice, bio: '' }).note, '');
  });

  it('refuses to render an account whose username is not one', () => {
    assert.throws(() => mastodonAccount(origin, { username: '<b>x</b>', createdAtMs: 0 }), TypeError);
  });
});
