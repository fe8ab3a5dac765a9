import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { encodeCursor } from '../../src/domain/page.js';
import type { Post } from '../../src/domain/post.js';
import type { KV } from '../../src/kv/kv.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { ReadModel } from '../../src/services/social/read-model.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { hashToken } from '../../src/services/tokens.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { eventually } from '../helpers/eventually.js';
import { collect, FAST_HASHING, rejectsWith } from '../helpers/fixtures.js';

/** A deterministic uniform [0, 1) source (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

forEachEngine((engine) => {
  for (const withView of [false, true]) {
    describe(withView ? 'reading from the watch-fed view' : 'reading from the store', () => {
      async function setup() {
        const store = await engine.open();
        let clock = 1_700_000_000_000;
        const tick = (ms = 1) => (clock += ms);
        const readModel = withView ? await ReadModel.start({ kv: store.kv, keys: store.keys }) : undefined;
        const social = new SocialService({ kv: store.kv, keys: store.keys, now: () => clock, random: seeded(42), readModel });
        const auth = new AuthService({ kv: store.kv, keys: store.keys, now: () => clock, passwordHashing: FAST_HASHING });
        const tokens = new Map<string, string>();
        const signUp = async (...names: string[]) => {
          for (const name of names) {
            tokens.set(name, (await auth.signUp(name, 'correct horse')).token);
            tick();
          }
        };
        /** The home feed as its owner reads it: through a session of theirs. */
        const homeFeed = async (name: string, limit?: number, cursor?: string) =>
          (await social.as(tokens.get(name) ?? 'no session').homeFeed(limit, cursor)).page;
        const close = async () => {
          await readModel?.close();
          await store.close();
        };
        return { ...store, close, social, auth, signUp, homeFeed, tick };
      }

      it('shows a profile with counts and never the password hash', async () => {
        const { social, signUp, tick, close } = await setup();
        try {
          await signUp('alice', 'bob', 'carol');
          await social.trustedActor('bob').follow('alice');
          await social.trustedActor('carol').follow('alice');
          await social.trustedActor('alice').follow('bob');
          for (let i = 0; i < 3; i++) {
            await social.trustedActor('alice').post(`post ${i}`);
            tick();
          }
          const profile = await social.getProfile('Alice');
          assert.deepEqual(profile, {
            account: { username: 'alice', createdAtMs: 1_700_000_000_000 },
            followers: 2,
            following: 1,
            posts: 3,
          });
          assert.ok(!JSON.stringify(profile).includes('argon2'));
          await assert.rejects(social.getProfile('nobody'), rejectsWith('not_found', 'No such user.'));
          await assert.rejects(social.getProfile('not valid!'), rejectsWith('not_found'));
        } finally {
          await close();
        }
      });

      it('searches accounts by username prefix, in order, with a limit', async () => {
        const { social, signUp, close } = await setup();
        try {
          await signUp('sam', 'sally', 'sarah', 'bob', 'sa_1');
          const found = await social.searchAccounts('SA');
          assert.deepEqual(
            found.map((a) => a.username),
            ['sa_1', 'sally', 'sam', 'sarah'],
          );
          assert.ok(found.every((a) => Object.keys(a).sort().join() === 'createdAtMs,username'));
          assert.deepEqual(
            (await social.searchAccounts('sa', 2)).map((a) => a.username),
            ['sa_1', 'sally'],
          );
          assert.equal((await social.searchAccounts('')).length, 5);
          assert.deepEqual(await social.searchAccounts('zz'), []);
          await assert.rejects(social.searchAccounts('a/b'), rejectsWith('invalid', undefined, 'prefix'));
          await assert.rejects(social.searchAccounts('a', 101), rejectsWith('invalid', undefined, 'limit'));
        } finally {
          await close();
        }
      });

      it('follows and unfollows idempotently, writing nothing on a repeat', async () => {
        const { kv, keys, social, signUp, close } = await setup();
        try {
          await signUp('alice', 'bob');
          assert.equal(await social.isFollowing('alice', 'bob'), false);
          await social.trustedActor('alice').follow('BOB');
          assert.equal(await social.isFollowing('ALICE', 'bob'), true);
          assert.equal(await social.isFollowing('bob', 'alice'), false, 'an edge has a direction');
          assert.equal(await social.isFollowing('alice', 'ghost'), false);
          assert.equal(await social.isFollowing('alice', '../bob'), false);
          const revision = await kv.revision();
          await social.trustedActor('alice').follow('bob');
          assert.equal(await kv.revision(), revision, 'a repeated follow must not write');
          assert.equal((await social.getProfile('bob')).followers, 1);
          assert.equal((await social.getProfile('alice')).following, 1);
          assert.ok(await kv.get(keys.following('alice', 'bob')));
          assert.ok(await kv.get(keys.follower('bob', 'alice')));

          await social.trustedActor('alice').unfollow('bob');
          assert.equal(await social.isFollowing('alice', 'bob'), false);
          const afterUnfollow = await kv.revision();
          await social.trustedActor('alice').unfollow('bob');
          assert.equal(await kv.revision(), afterUnfollow, 'a repeated unfollow must not write');
          assert.equal((await social.getProfile('bob')).followers, 0);
          assert.equal((await social.getProfile('alice')).following, 0);
          assert.equal(await kv.get(keys.follower('bob', 'alice')), undefined);
        } finally {
          await close();
        }
      });

      it('refuses self-follows and unknown users', async () => {
        const { kv, keys, social, signUp, close } = await setup();
        try {
          await signUp('alice');
          const before = await dumpStore({ kv, keys });
          await assert.rejects(social.trustedActor('alice').follow('ALICE'), rejectsWith('invalid', 'You cannot follow yourself.'));
          await assert.rejects(social.trustedActor('alice').follow('ghost'), rejectsWith('not_found', 'No such user.'));
          await assert.rejects(social.trustedActor('alice').follow('../x'), rejectsWith('not_found'));
          await assert.rejects(social.trustedActor('alice').unfollow('ghost'), rejectsWith('not_found', 'No such user.'));
          assert.deepEqual(await dumpStore({ kv, keys }), before);
        } finally {
          await close();
        }
      });

      it('pages followers and following by username with opaque cursors', async () => {
        const { social, signUp, close } = await setup();
        try {
          const fans = ['fan_g', 'fan_a', 'fan_e', 'fan_c', 'fan_b', 'fan_f', 'fan_d'];
          await signUp('star', ...fans);
          for (const fan of fans) await social.trustedActor(fan).follow('star');

          const pages = await collect((cursor) => social.listFollowers('star', 3, cursor));
          assert.deepEqual(
            pages.map((p) => p.length),
            [3, 3, 1],
          );
          const names = pages.flat().map((a) => a.username);
          assert.deepEqual(names, [...fans].sort());
          for (const account of pages.flat()) {
            assert.equal(typeof account.createdAtMs, 'number');
            assert.deepEqual(Object.keys(account).sort(), ['createdAtMs', 'username']);
          }
          const exact = await social.listFollowers('star', 7);
          assert.equal(exact.items.length, 7);
          assert.equal(exact.next, null);

          const following = await social.listFollowing('fan_a');
          assert.deepEqual(following, { items: [{ username: 'star', createdAtMs: 1_700_000_000_000 }], next: null });
          assert.deepEqual(await social.listFollowing('star'), { items: [], next: null });

          for (const cursor of ['!!', 'bm90IGEgdXNlcg', encodeCursor('UPPER'), encodeCursor('a/b'), 'x'.repeat(201)]) {
            await assert.rejects(social.listFollowers('star', 3, cursor), rejectsWith('invalid', 'Malformed cursor.', 'cursor'));
          }
          await assert.rejects(social.listFollowers('star', 0.5), rejectsWith('invalid', undefined, 'limit'));
          await assert.rejects(social.listFollowers('ghost'), rejectsWith('not_found'));
          await assert.rejects(social.listFollowing('ghost'), rejectsWith('not_found'));
        } finally {
          await close();
        }
      });

      it('creates posts; a retry with the same idempotency key returns the first post and stores one', async () => {
        const { kv, keys, social, signUp, tick, close } = await setup();
        try {
          await signUp('alice', 'bob');
          const post = await social.trustedActor('Alice').post('  hello world \r\n', 'key-1');
          assert.equal(post.author, 'alice');
          assert.equal(post.text, 'hello world');
          assert.deepEqual(await social.getPost(post.id), post);

          tick(1000);
          const revision = await kv.revision();
          const retry = await social.trustedActor('alice').post('different text this time', 'key-1');
          assert.deepEqual(retry, post);
          assert.equal(await kv.revision(), revision, 'a retry must not write');
          assert.equal(await kv.count(keys.authorPostsPrefix('alice')), 1);

          // Keys are per author; without a key every call is a new post.
          const bobs = await social.trustedActor('bob').post('mine', 'key-1');
          assert.notEqual(bobs.id, post.id);
          const again = await social.trustedActor('alice').post('hello world');
          assert.notEqual(again.id, post.id);
          assert.equal(await kv.count(keys.authorPostsPrefix('alice')), 2);

          await assert.rejects(social.trustedActor('ghost').post('hi', 'k'), rejectsWith('not_found', 'No such user.'));
          await assert.rejects(social.trustedActor('alice').post('hi', 'has space'), rejectsWith('invalid', undefined, 'idempotencyKey'));
          assert.equal(await kv.count(keys.idempotency('ghost', 'k')), 0);
        } finally {
          await close();
        }
      });

      it('enforces post text limits in code points', async () => {
        const { kv, keys, social, signUp, close } = await setup();
        try {
          await signUp('alice');
          const before = await dumpStore({ kv, keys });
          for (const text of ['', '   \n\t  ', 'x'.repeat(281), '😀'.repeat(281), 'bell\u0007']) {
            await assert.rejects(social.trustedActor('alice').post(text), rejectsWith('invalid', undefined, 'text'));
          }
          assert.deepEqual(await dumpStore({ kv, keys }), before);
          assert.equal((await social.trustedActor('alice').post('x'.repeat(280))).text.length, 280);
          assert.equal((await social.trustedActor('alice').post('😀'.repeat(280))).text, '😀'.repeat(280));
          assert.equal((await social.trustedActor('alice').post(`  ${'y'.repeat(280)}  `)).text, 'y'.repeat(280));
          assert.equal(await kv.count(keys.authorPostsPrefix('alice')), 3);
        } finally {
          await close();
        }
      });

      it('gets and deletes posts, only by their author', async () => {
        const { kv, keys, social, signUp, close } = await setup();
        try {
          await signUp('alice', 'bob');
          const post = await social.trustedActor('alice').post('to be deleted');
          await assert.rejects(
            social.trustedActor('bob').deletePost(post.id),
            rejectsWith('forbidden', 'You can only delete your own posts.'),
          );
          assert.deepEqual(await social.getPost(post.id), post);

          await social.trustedActor('ALICE').deletePost(post.id);
          await assert.rejects(social.getPost(post.id), rejectsWith('not_found'));
          await assert.rejects(social.trustedActor('alice').deletePost(post.id), rejectsWith('not_found'));
          assert.equal(await kv.get(keys.post(post.id)), undefined);
          assert.equal((await social.getProfile('alice')).posts, 0);

          for (const id of ['', 'short', 'UPPERCASE00000000', '../../accounts/x']) {
            await assert.rejects(social.getPost(id), rejectsWith('not_found'));
            await assert.rejects(social.trustedActor('alice').deletePost(id), rejectsWith('not_found'));
          }
        } finally {
          await close();
        }
      });

      it('lists posts newest first, with no duplicates or gaps while new posts arrive', async () => {
        const { social, signUp, tick, close } = await setup();
        try {
          await signUp('alice');
          const original: Post[] = [];
          for (let i = 0; i < 25; i++) {
            original.push(await social.trustedActor('alice').post(`post ${i}`));
            tick(10);
          }
          let extra = 0;
          const pages = await collect(async (cursor) => {
            const page = await social.listPosts('alice', 10, cursor);
            await social.trustedActor('alice').post(`interloper ${extra++}`);
            tick(10);
            return page;
          });
          assert.deepEqual(
            pages.map((p) => p.length),
            [10, 10, 5],
          );
          assert.deepEqual(pages.flat(), [...original].reverse());
          const first = await social.listPosts('alice', 3);
          assert.deepEqual(
            first.items.map((p) => p.text),
            ['interloper 2', 'interloper 1', 'interloper 0'],
          );

          await assert.rejects(social.listPosts('alice', 10, encodeCursor('not-a-post-id')), rejectsWith('invalid', 'Malformed cursor.'));
          await assert.rejects(social.listPosts('ghost'), rejectsWith('not_found'));
          assert.deepEqual(await social.listPosts('alice', 100, encodeCursor(original[0]!.id)), { items: [], next: null });
        } finally {
          await close();
        }
      });

      it('builds a home feed of followed authors only, newest first, stable across pages', async () => {
        const { social, signUp, homeFeed, tick, close } = await setup();
        try {
          await signUp('alice', 'bob', 'carol', 'dave');
          assert.deepEqual(await homeFeed('alice'), { items: [], next: null });
          await social.trustedActor('alice').follow('bob');
          await social.trustedActor('alice').follow('carol');
          const authors = ['bob', 'carol', 'dave', 'alice', 'bob', 'bob', 'carol', 'dave', 'carol', 'bob'];
          const posts: Post[] = [];
          for (const [i, author] of authors.entries()) {
            posts.push(await social.trustedActor(author).post(`${author} ${i}`));
            tick(5);
          }
          const expected = posts.filter((p) => p.author === 'bob' || p.author === 'carol').reverse();

          const whole = await homeFeed('alice', expected.length);
          assert.deepEqual(whole, { items: expected, next: null });

          let n = 0;
          const pages = await collect(async (cursor) => {
            const page = await homeFeed('alice', 2, cursor);
            await social.trustedActor(n % 2 ? 'bob' : 'carol').post(`late ${n++}`);
            tick(5);
            return page;
          });
          assert.ok(pages.every((p) => p.length <= 2));
          assert.deepEqual(pages.flat(), expected);

          await social.trustedActor('alice').unfollow('carol');
          const after = await homeFeed('alice', 100);
          assert.ok(after.items.length > 0);
          assert.ok(after.items.every((p) => p.author === 'bob'));
          assert.deepEqual(
            after.items.map((p) => p.id),
            [...after.items.map((p) => p.id)].sort(),
            'newest first means ascending ids',
          );
          for (let i = 1; i < after.items.length; i++) {
            assert.ok(after.items[i - 1]!.createdAtMs >= after.items[i]!.createdAtMs);
          }

          await assert.rejects(homeFeed('alice', 10, encodeCursor('nope')), rejectsWith('invalid', 'Malformed cursor.'));
          await assert.rejects(homeFeed('ghost'), rejectsWith('unauthenticated'));
        } finally {
          await close();
        }
      });

      it('refuses the feed and posts of a session idle past its limit, like the auth service', async () => {
        const { kv, keys, social, tick, close } = await setup();
        try {
          let clock = 1_700_000_000_000;
          const auth = new AuthService({ kv, keys, now: () => clock, passwordHashing: FAST_HASHING, sessionIdleSeconds: 400 });
          const idle = await auth.signUp('uma', 'correct horse');
          const busy = await auth.logIn('uma', 'correct horse');
          const clockFor = (ms: number) => {
            clock += ms;
            tick(ms);
          };
          for (let i = 0; i < 4; i++) {
            clockFor(110_000);
            // Only these calls use the busy session: they must keep it alive by themselves.
            assert.equal((await social.as(busy.token).homeFeed()).account.username, 'uma');
            await eventually(async () => JSON.parse((await kv.get(keys.session(hashToken(busy.token))))!.value).lastSeenMs === clock, {
              timeoutMs: 10_000,
              intervalMs: 200,
              what: 'the social service to record the use',
            });
          }
          await assert.rejects(social.as(idle.token).homeFeed(), rejectsWith('unauthenticated'));
          await assert.rejects(social.as(idle.token).post('still here?'), rejectsWith('unauthenticated'));
          assert.equal((await social.as(busy.token).post('still here')).author, 'uma');
          assert.equal((await social.listPosts('uma')).items.length, 1);
          assert.equal((await auth.authenticate(busy.token)).username, 'uma');
        } finally {
          await close();
        }
      });

      it('reads many profiles in one call, in the order asked, unknown users left out', async () => {
        const { social, signUp, close } = await setup();
        try {
          await signUp('alice', 'bob');
          await social.trustedActor('alice').follow('bob');
          const profiles = await social.getProfiles(['bob', 'ghost', 'Alice', 'not a name']);
          assert.deepEqual(
            profiles.map((p) => [p.account.username, p.followers, p.following]),
            [
              ['bob', 1, 0],
              ['alice', 0, 1],
            ],
          );
          assert.deepEqual(await social.getProfiles([]), []);
          await assert.rejects(social.getProfiles(Array.from({ length: 101 }, () => 'bob')), rejectsWith('invalid'));
        } finally {
          await close();
        }
      });

      it("checks an OAuth session's scope with its feed; a session of the site has every scope", async () => {
        const { social, auth, signUp, homeFeed, close } = await setup();
        try {
          await signUp('alice');
          assert.deepEqual((await homeFeed('alice')).items, [], 'a site session reads its feed whatever scope is asked');
          const app = await auth.registerApp({
            name: 'Reader',
            redirectUris: ['urn:ietf:wg:oauth:2.0:oob'],
            scopes: 'read write',
            website: '',
          });
          const client = { clientId: app.clientId, clientSecret: app.clientSecret };
          const writer = await auth.passwordGrant(client, 'alice', 'correct horse', 'write');
          const reader = await auth.passwordGrant(client, 'alice', 'correct horse', 'read');
          await assert.rejects(social.as(writer.token).homeFeed(20, undefined), rejectsWith('forbidden'));
          assert.equal((await social.as(reader.token).homeFeed(20, undefined)).account.username, 'alice');
        } finally {
          await close();
        }
      });

      it('merges the feed across many followees', async () => {
        const { social, signUp, homeFeed, tick, close } = await setup();
        try {
          const authors = Array.from({ length: 30 }, (_, i) => `author_${String(i).padStart(2, '0')}`);
          await signUp('reader', ...authors);
          const posts: Post[] = [];
          for (const [i, author] of authors.entries()) {
            await social.trustedActor('reader').follow(author);
            for (let j = 0; j < 3; j++) {
              posts.push(await social.trustedActor(author).post(`${i}.${j}`));
              tick((i * 7 + j * 13) % 5);
            }
          }
          const expected = [...posts].sort((a, b) => (a.id < b.id ? -1 : 1));
          const pages = await collect((cursor) => homeFeed('reader', 7, cursor));
          assert.deepEqual(pages.flat(), expected);
          assert.equal(new Set(pages.flat().map((p) => p.id)).size, 90);
        } finally {
          await close();
        }
      });
    });
  }
});

describe('SocialService errors', () => {
  it('turns an unexpected store failure into internal, keeping the cause', async () => {
    const cause = new Error('network gone');
    const broken = new Proxy({} as KV, { get: () => () => Promise.reject(cause) });
    const social = new SocialService({ kv: broken });
    await assert.rejects(social.getPost('00000000000000000'), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'internal');
      assert.equal(error.cause, cause);
      return true;
    });
  });
});
