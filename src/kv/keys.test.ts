import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ROOT, keyspace } from './keys.js';

describe('keyspace', () => {
  const keys = keyspace('/test-root/v1/');

  it('lays every key under its root, the default one unless given', () => {
    assert.equal(keyspace().root, DEFAULT_ROOT);
    assert.equal(keyspace().account('alice'), '/chorus/v1/accounts/alice');
    assert.equal(keys.following('alice', 'bob'), '/test-root/v1/following/alice/bob');
    assert.equal(keys.family('posts-by'), '/test-root/v1/posts-by/');
    assert.ok(keys.authorPost('alice', 'p1').startsWith(keys.authorPostsPrefix('alice')));
    assert.ok(keys.authorPostsPrefix('alice').startsWith(keys.family('posts-by')));
  });

  it('refuses a root that is not a /-separated path ending in /', () => {
    for (const root of ['', '/', 'chorus/v1/', '/chorus/v1', '/chorus//v1/', '/a b/']) {
      assert.throws(() => keyspace(root), /key root/, root);
    }
  });

  it('parses every layout back into its parts', () => {
    const cases = [
      [keys.account('alice'), { family: 'accounts', username: 'alice' }],
      [keys.session('h4sh'), { family: 'sessions', tokenHash: 'h4sh' }],
      [keys.userSession('alice', 'h4sh'), { family: 'user-sessions', username: 'alice', tokenHash: 'h4sh' }],
      [keys.following('alice', 'bob'), { family: 'following', follower: 'alice', followee: 'bob' }],
      [keys.follower('bob', 'alice'), { family: 'followers', followee: 'bob', follower: 'alice' }],
      [keys.authorPost('alice', 'p1'), { family: 'posts-by', author: 'alice', postId: 'p1' }],
      [keys.post('p1'), { family: 'posts', postId: 'p1' }],
      [
        keys.throttle('login', '127.0.0.1/alice', 1700),
        { family: 'throttle', rule: 'login', subject: '127.0.0.1/alice', windowStart: 1700 },
      ],
      [keys.idempotency('alice', 'k/1 é'), { family: 'idempotency', author: 'alice', idempotencyKey: 'k/1 é' }],
      [keys.fence(), { family: 'fence' }],
      [keys.deletedAccount('alice'), { family: 'deleted-accounts', username: 'alice' }],
      [keys.app('c1'), { family: 'apps', clientId: 'c1' }],
      [keys.oauthCode('c0de'), { family: 'oauth-codes', codeHash: 'c0de' }],
      [keys.appToken('t0k'), { family: 'app-tokens', tokenHash: 't0k' }],
      [keys.reply('p1', 'p2'), { family: 'replies', parentId: 'p1', replyId: 'p2' }],
      [keys.tagPost('tag', 'p1'), { family: 'tags', tag: 'tag', postId: 'p1' }],
      [keys.favourite('p1', 'bob'), { family: 'favourites', postId: 'p1', actor: 'bob' }],
      [keys.actorFavourite('bob', 'f1'), { family: 'favourites-by', actor: 'bob', favouriteId: 'f1' }],
      [keys.reblog('p1', 'bob'), { family: 'reblogs', postId: 'p1', actor: 'bob' }],
      [keys.notification('bob', 'n1'), { family: 'notifications', recipient: 'bob', notificationId: 'n1' }],
      [keys.notificationMark('bob'), { family: 'notification-marks', recipient: 'bob' }],
      [keys.block('alice', 'bob'), { family: 'blocks', blocker: 'alice', blocked: 'bob' }],
      [keys.blockedBy('bob', 'alice'), { family: 'blocked-by', blocked: 'bob', blocker: 'alice' }],
      [keys.mute('alice', 'bob'), { family: 'mutes', muter: 'alice', muted: 'bob' }],
      [keys.webInstance('0123abcd0123abcd'), { family: 'web-instances', id: '0123abcd0123abcd' }],
    ] as const;
    for (const [key, parsed] of cases) assert.deepEqual(keys.parse(key), parsed, key);
  });

  it('parses nothing outside its root or its layouts', () => {
    const strays = [
      keyspace().account('alice'),
      '/test-root/v1/',
      '/test-root/v1/accounts/',
      '/test-root/v1/accounts/alice/extra',
      '/test-root/v1/following/alice',
      '/test-root/v1/following/alice/',
      '/test-root/v1/accounts',
      '/test-root/v1/posts-by/alice/p1/extra',
      '/test-root/v1/throttle/login/x',
      '/test-root/v1/posts-by//p1',
      '/test-root/v1/unknown/alice',
      '/test-root/v1/throttle/login/x/not-a-number',
      '/test-root/v1/idempotency/alice/%E0%A4%A',
      '/test-root/v1/fence/x',
    ];
    for (const key of strays) assert.equal(keys.parse(key), undefined, key);
  });
});
