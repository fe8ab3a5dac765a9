import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { mastodon } from 'masto';
import { type MastoHarness, openMastoHarness, refused, scopedToken } from './masto-harness.js';
import { api, readPaths } from './web-harness.js';

/**
 * Profiles through the Mastodon API (issue 11): display name and bio set
 * by update_credentials (JSON, form and multipart, as clients send them)
 * and shown in every Account; refusals answer Mastodon's 422 and write
 * nothing.
 */
for (const reads of readPaths) {
  describe(`Mastodon profiles (reads from the ${reads})`, () => {
    let m: MastoHarness;
    let alice: mastodon.rest.Client;
    let bob: mastodon.rest.Client;
    before(async () => {
      m = await openMastoHarness(reads);
      alice = await m.as('alice');
      bob = await m.as('bob');
    });
    after(() => m.close());

    const patch = (token: string | undefined, options: { json?: unknown; payload?: string; headers?: Record<string, string> }) =>
      api(m.h.app, 'PATCH', '/api/v1/accounts/update_credentials', { token, ...options });

    it('sets the display name and bio: the Account shows the name, the bio as linked HTML, and source.note as written', async () => {
      const note = 'Down the #Rabbit hole with @bob & friends <3\nhttps://alice.example';
      const me = await alice.v1.accounts.updateCredentials({ displayName: 'Alice Liddell', note });
      assert.equal(me.displayName, 'Alice Liddell');
      assert.equal(me.source.note, note);
      assert.equal(
        me.note,
        '<p>Down the <a href="' +
          `${m.url}/tags/rabbit" class="mention hashtag" rel="tag">#<span>Rabbit</span></a> hole with ` +
          `<span class="h-card" translate="no"><a href="${m.url}/u/bob" class="u-url mention">@<span>bob</span></a></span> ` +
          '&amp; friends &lt;3<br><a href="https://alice.example" rel="nofollow noopener noreferrer" target="_blank">https://alice.example</a></p>',
      );

      // Everyone sees it: the account, a lookup, and the author of a status.
      const seen = await bob.v1.accounts.lookup({ acct: 'alice' });
      assert.equal(seen.displayName, 'Alice Liddell');
      assert.equal(seen.note, me.note);
      const status = await alice.v1.statuses.create({ status: 'hello' });
      assert.equal(status.account.displayName, 'Alice Liddell');
      assert.equal((await bob.v1.statuses.$select(status.id).fetch()).account.note, me.note);
      assert.equal((await alice.v1.accounts.verifyCredentials()).source.note, note);
    });

    it('changes only the fields sent, clears one sent empty, and shows the username for no display name', async () => {
      await alice.v1.accounts.updateCredentials({ displayName: 'Alice', note: 'first bio' });
      const renamed = await alice.v1.accounts.updateCredentials({ displayName: 'Alice L.' });
      assert.deepEqual([renamed.displayName, renamed.source.note], ['Alice L.', 'first bio']);
      const cleared = await alice.v1.accounts.updateCredentials({ displayName: '', note: '' });
      assert.deepEqual([cleared.displayName, cleared.note, cleared.source.note], ['alice', '', '']);
    });

    it('reads JSON and form bodies too, and ignores the profile fields Chorus does not have', async () => {
      const token = m.tokens.get('bob')!;
      const json = await patch(token, {
        json: { display_name: 'Bob', note: 'from JSON', locked: true, bot: false, fields_attributes: [] },
      });
      assert.equal(json.status, 200, json.text);
      assert.deepEqual([json.body.display_name, json.body.source.note, json.body.locked], ['Bob', 'from JSON', false]);
      const form = await patch(token, {
        payload: new URLSearchParams({ display_name: 'Bobby', 'source[privacy]': 'public' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(form.status, 200, form.text);
      assert.deepEqual([form.body.display_name, form.body.source.note], ['Bobby', 'from JSON']);
    });

    it('refuses a bio over 500 or a display name over 30 characters with 422 in Mastodon shape, writing nothing', async () => {
      await alice.v1.accounts.updateCredentials({ displayName: 'Kept', note: 'kept bio' });
      const token = m.tokens.get('alice')!;
      for (const body of [
        { note: 'x'.repeat(501) },
        { display_name: 'y'.repeat(31) },
        { display_name: 'Fine name', note: 'z'.repeat(501) },
      ]) {
        const reply = await patch(token, { json: body });
        assert.equal(reply.status, 422, reply.text);
        assert.match(reply.body.error, /^Validation failed: /);
        assert.deepEqual(Object.keys(reply.body), ['error']);
      }
      await refused(alice.v1.accounts.updateCredentials({ note: '🙂'.repeat(501) }), 422);
      // Exactly at the limits is fine, counted in characters, not bytes.
      const profile = await m.social.getProfile('alice');
      assert.deepEqual([profile.account.displayName, profile.account.bio], ['Kept', 'kept bio']);
      const full = await alice.v1.accounts.updateCredentials({ displayName: 'é'.repeat(30), note: '🙂'.repeat(500) });
      assert.equal(full.source.note, '🙂'.repeat(500));
    });

    it('refuses a display name that is not text or holds a line break (422), and needs write:accounts (403)', async () => {
      const token = m.tokens.get('alice')!;
      for (const body of [{ display_name: ['a'] }, { display_name: 'two\nlines' }, { note: 5 }]) {
        const reply = await patch(token, { json: body });
        assert.equal(reply.status, 422, `${JSON.stringify(body)}: ${reply.text}`);
      }
      const readOnly = await scopedToken(m.h, 'alice', 'read');
      const forbidden = await patch(readOnly, { json: { display_name: 'Not me' } });
      assert.equal(forbidden.status, 403, forbidden.text);
      const none = await patch(undefined, { json: { display_name: 'Not me' } });
      assert.equal(none.status, 401);
      assert.notEqual((await m.social.getProfile('alice')).account.displayName, 'Not me');
    });
  });
}
