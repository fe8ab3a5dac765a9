import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import type { KV, TxnRequest } from '../../src/kv/kv.js';
import { parseTombstone } from '../../src/kv/records.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { dumpStore, forEachEngine } from '../helpers/engines.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { socialSetup } from '../helpers/social.js';

/** The kv, counting the ops of every txn, and failing every txn after the first `failAfter` (a crash mid-sweep). */
function watched(kv: KV, failAfter = Number.POSITIVE_INFINITY) {
  const seen = { txns: 0, maxOps: 0 };
  const wrapped = new Proxy(kv, {
    get(target, name, receiver) {
      if (name !== 'txn') return Reflect.get(target, name, receiver);
      return async (request: TxnRequest) => {
        seen.txns++;
        if (seen.txns > failAfter) throw new DomainError('unavailable', 'the store went away');
        seen.maxOps = Math.max(seen.maxOps, request.success.length + (request.failure?.length ?? 0) + request.compare.length);
        return target.txn(request);
      };
    },
  });
  return { kv: wrapped, seen };
}

/** Keys that name the account as one of their parts, or whose record is the account's (a post index, a tag row, a post, a notification it caused). */
const keysOf = async (store: Parameters<typeof dumpStore>[0], name: string) =>
  (await dumpStore(store))
    .filter(({ key, value }) => {
      if (key.slice(store.keys.root.length).split('/').includes(name) || value === name) return true;
      const record = value.startsWith('{') ? (JSON.parse(value) as { author?: string; actor?: string }) : {};
      return record.author === name || record.actor === name;
    })
    .map((entry) => entry.key);

forEachEngine((engine) => {
  describe(`deleting an account in the auth service (${engine.name})`, () => {
    it('ends every session, refuses a token without write:accounts, and spends no code issued before', async () => {
      const { kv, keys, auth, close } = await socialSetup(engine, false);
      try {
        const first = await auth.signUp('alice', 'correct horse');
        const second = await auth.logIn('alice', 'correct horse');
        const app = await auth.registerApp({ name: 'App', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: 'read write', website: '' });
        const client = { clientId: app.clientId, clientSecret: app.clientSecret };
        const readOnly = await auth.passwordGrant(client, 'alice', 'correct horse', 'read');
        const request = {
          clientId: app.clientId,
          redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
          scope: 'read',
          codeChallenge: '',
          codeChallengeMethod: '',
        };
        const { code } = await auth.authorize(first.token, request);

        await assert.rejects(auth.deleteAccount(readOnly.token, 'correct horse'), rejectsWith('forbidden'));
        assert.ok(await kv.get(keys.account('alice')), 'refused: nothing deleted');

        await auth.deleteAccount(second.token, 'correct horse');
        for (const token of [first.token, second.token, readOnly.token]) {
          await assert.rejects(auth.authenticate(token), rejectsWith('unauthenticated'));
        }
        await assert.rejects(auth.exchangeCode(client, code, request.redirectUri, ''), rejectsWith('invalid', undefined, 'code'));
        assert.deepEqual((await kv.range({ prefix: keys.userSessionsPrefix('alice') })).items, []);
      } finally {
        await close();
      }
    });
  });

  for (const withView of [false, true]) {
    describe(`deleting an account (${withView ? 'view' : 'store'} reads)`, () => {
      it('removes everything of the account, keeps the name taken, and leaves everyone else whole', async () => {
        const { kv, keys, social, auth, signUp, tick, close } = await socialSetup(engine, withView);
        try {
          const { token } = await auth.signUp('alice', 'correct horse');
          await signUp('bob', 'carol', 'dave');
          const alice = social.trustedActor('alice');
          const bob = social.trustedActor('bob');
          const carol = social.trustedActor('carol');
          const bobPost = await bob.post('hello from bob #news');
          tick();
          const alicePost = await alice.post('hi @bob #news', 'key-1');
          tick();
          await alice.post('a reply', undefined, { inReplyToId: bobPost.id });
          const bobReply = await bob.post('bob answers', undefined, { inReplyToId: alicePost.id });
          await alice.reblog(bobPost.id);
          await alice.favourite(bobPost.id);
          await carol.favourite(alicePost.id);
          await alice.follow('bob');
          await carol.follow('alice');
          await bob.follow('carol');
          await alice.block('dave');
          await alice.mute('carol');
          await bob.mute('alice');
          await social.trustedActor('dave').mute('bob');
          assert.equal((await social.getProfile('bob')).followers, 1);

          await assert.rejects(auth.deleteAccount(token, 'wrong horse'), rejectsWith('unauthenticated', undefined, 'password'));
          const before = await dumpStore({ kv, keys });
          assert.ok(
            before.some((entry) => entry.key === keys.account('alice')),
            'a wrong password deletes nothing',
          );

          await auth.deleteAccount(token, 'correct horse');
          await assert.rejects(social.getProfile('alice'), rejectsWith('not_found'));
          await assert.rejects(social.as(token).homeFeed(), rejectsWith('unauthenticated'));
          assert.equal(await social.sweepDeletedAccounts(), 1);
          assert.equal(await social.sweepDeletedAccounts(), 0, 'a finished sweep is not run again');

          assert.deepEqual(await keysOf({ kv, keys }, 'alice'), [keys.deletedAccount('alice')]);
          assert.equal(parseTombstone((await kv.get(keys.deletedAccount('alice')))?.value ?? '').swept, true);
          await assert.rejects(auth.signUp('alice', 'correct horse'), rejectsWith('conflict'));
          await assert.rejects(auth.logIn('alice', 'correct horse'), rejectsWith('unauthenticated'));
          assert.deepEqual(await social.searchAccounts('al'), []);
          await assert.rejects(social.getPost(alicePost.id), rejectsWith('not_found'));

          // Everyone else's rows and counts.
          assert.deepEqual(await social.getProfile('bob').then((p) => [p.followers, p.following, p.posts]), [0, 1, 2]);
          assert.deepEqual(await social.getProfile('carol').then((p) => [p.followers, p.following]), [1, 0]);
          const [view] = (await social.describePosts([bobPost.id])).posts;
          assert.deepEqual([view?.favourites, view?.reblogs, view?.replies], [0, 0, 0]);
          assert.deepEqual((await bob.listNotifications()).items, []);
          assert.deepEqual((await social.getPost(bobReply.id)).text, 'bob answers');
          assert.deepEqual(
            (await social.tagTimeline('news')).items.map((p) => p.id),
            [bobPost.id],
          );
          assert.ok(await kv.get(keys.mute('dave', 'bob')), "others' mutes stay");
          assert.ok(await kv.get(keys.following('bob', 'carol')), "others' follows stay");
        } finally {
          await close();
        }
      });

      it('deletes a big account in bounded txns, resuming after a crash', async () => {
        const { kv, keys, social, auth, tick, close } = await socialSetup(engine, withView);
        try {
          const { token } = await auth.signUp('alice', 'correct horse');
          const alice = social.trustedActor('alice');
          for (let i = 0; i < 130; i++) {
            await alice.post(`post ${i} #many`);
            tick();
          }
          await auth.deleteAccount(token, 'correct horse');

          const crashing = watched(kv, 40);
          const first = new SocialService({ kv: crashing.kv, keys });
          await assert.rejects(first.sweepDeletedAccounts(), rejectsWith('unavailable'));
          assert.ok((await keysOf({ kv, keys }, 'alice')).length > 1, 'the crash left work to do');

          const resumed = watched(kv);
          const second = new SocialService({ kv: resumed.kv, keys });
          assert.equal(await second.sweepDeletedAccounts(), 1);
          assert.ok(resumed.seen.maxOps <= 100, `at most 100 ops per txn, saw ${resumed.seen.maxOps}`);
          assert.deepEqual(await keysOf({ kv, keys }, 'alice'), [keys.deletedAccount('alice')]);
          assert.deepEqual((await social.tagTimeline('many')).items, []);
          second.closeStreams();
          first.closeStreams();
        } finally {
          await close();
        }
      });
    });
  }
});
