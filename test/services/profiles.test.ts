import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseAccount } from '../../src/kv/records.js';
import { rejectsWith } from '../helpers/fixtures.js';
import { forEachReadPath } from '../helpers/social-posts.js';

forEachReadPath((open) => {
  it('sets, keeps and clears the display name and bio, keeping the password and every other field', async () => {
    const { kv, keys, social, auth, signUp, close } = await open();
    try {
      await signUp('alice', 'bob');
      await social.trustedActor('bob').follow('alice');
      const stored = async () => JSON.parse((await kv.get(keys.account('alice')))!.value);
      const hash = (await stored()).passwordHash;
      // A field this version does not know survives the rewrite.
      await kv.put(keys.account('alice'), JSON.stringify({ ...(await stored()), futureField: 7 }));

      const set = await social
        .trustedActor('Alice')
        .updateProfile({ displayName: '  Alice Liddell ', bio: 'Down the\r\nrabbit hole #wonder @bob' });
      assert.deepEqual(set, {
        username: 'alice',
        createdAtMs: 1_700_000_000_000,
        displayName: 'Alice Liddell',
        bio: 'Down the\nrabbit hole #wonder @bob',
      });
      assert.equal((await stored()).passwordHash, hash);
      assert.equal((await stored()).futureField, 7);
      parseAccount((await kv.get(keys.account('alice')))!.value);
      assert.equal((await auth.logIn('alice', 'correct horse')).account.username, 'alice');

      const profile = await social.getProfile('alice');
      assert.deepEqual(profile.account, set);
      assert.equal(profile.followers, 1);
      assert.deepEqual((await social.getProfiles(['alice']))[0]!.account, set);
      assert.deepEqual((await social.listFollowing('bob')).items, [set]);
      assert.deepEqual(await social.searchAccounts('ali'), [set]);

      // An absent field is left as it is; '' clears one, which is then stored absent.
      const renamed = await social.trustedActor('alice').updateProfile({ displayName: 'Alice' });
      assert.equal(renamed.bio, set.bio);
      const cleared = await social.trustedActor('alice').updateProfile({ bio: '' });
      assert.deepEqual(cleared, { username: 'alice', createdAtMs: 1_700_000_000_000, displayName: 'Alice' });
      assert.equal('bio' in (await stored()), false);
      assert.deepEqual((await social.getProfile('alice')).account, cleared);
      const revision = await kv.revision();
      assert.deepEqual(await social.trustedActor('alice').updateProfile({}), cleared);
      assert.deepEqual(await social.trustedActor('alice').updateProfile({ displayName: 'Alice' }), cleared);
      assert.equal(await kv.revision(), revision, 'no change writes nothing');
    } finally {
      await close();
    }
  });

  it('refuses a bio over 500 characters, a long or multi-line display name and unknown users, writing nothing', async () => {
    const { social, signUp, dump, close } = await open();
    try {
      await signUp('alice');
      await social.trustedActor('alice').updateProfile({ bio: 'b'.repeat(500), displayName: '😀'.repeat(30) });
      const before = await dump();
      await assert.rejects(social.trustedActor('alice').updateProfile({ bio: 'b'.repeat(501) }), rejectsWith('invalid', undefined, 'bio'));
      await assert.rejects(social.trustedActor('alice').updateProfile({ bio: 'bell\u0007' }), rejectsWith('invalid', undefined, 'bio'));
      await assert.rejects(
        social.trustedActor('alice').updateProfile({ displayName: 'x'.repeat(31) }),
        rejectsWith('invalid', undefined, 'displayName'),
      );
      await assert.rejects(
        social.trustedActor('alice').updateProfile({ displayName: 'two\nlines' }),
        rejectsWith('invalid', undefined, 'displayName'),
      );
      await assert.rejects(
        social.trustedActor('alice').updateProfile({ displayName: 'fine', bio: 'b'.repeat(501) }),
        rejectsWith('invalid', undefined, 'bio'),
        'one bad field refuses the whole change',
      );
      await assert.rejects(social.trustedActor('ghost').updateProfile({ bio: 'hi' }), rejectsWith('not_found'));
      await assert.rejects(social.trustedActor('alice').updateProfile(null as never), rejectsWith('invalid'));
      assert.deepEqual(await dump(), before);
    } finally {
      await close();
    }
  });
});
