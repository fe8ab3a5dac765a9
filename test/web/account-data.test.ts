/**
 * People's own data through the web tier: the export (GET
 * /api/v1/chorus/export and Settings' download) and the account's
 * deletion (POST /api/v1/chorus/delete_account and Settings' form, which
 * works without JavaScript); a wrong password deletes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keyspace } from '../../src/kv/keys.js';
import { dumpStore } from '../helpers/engines.js';
import { scopedToken } from './masto-harness.js';
import { api, type Harness, logIn, openHarness, readPaths, register, signedUpBrowser, signUp } from './web-harness.js';

const keys = keyspace();

for (const reads of readPaths) {
  describe(`export and deletion (${reads} reads)`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it('exports the profile, every status, follows both ways, favourites, blocks and mutes, page after page', async () => {
      const token = await signUp(h.app, 'alice');
      for (const name of ['bob', 'carol', 'dave']) await signUp(h.app, name);
      const alice = h.social.trustedActor('alice');
      const bobPost = await h.social.trustedActor('bob').post('from bob');
      const reply = await alice.post('a reply', undefined, { inReplyToId: bobPost.id });
      await alice.reblog(bobPost.id);
      // More statuses than one page of reads holds.
      for (let i = 0; i < 103; i++) await alice.post(`post ${i}`);
      await alice.follow('bob');
      await h.social.trustedActor('bob').follow('alice');
      await alice.favourite(bobPost.id);
      await alice.block('carol');
      await alice.mute('dave');

      const answer = await api(h.app, 'GET', '/api/v1/chorus/export', { token });
      assert.equal(answer.status, 200, answer.text);
      assert.match(String(answer.headers['content-disposition']), /^attachment; filename="chorus-alice\.json"$/);
      const data = answer.body;
      assert.equal(data.format, 'chorus-export/1');
      assert.equal(data.profile.username, 'alice');
      assert.equal(data.profile.statuses_count, 105);
      assert.equal(data.statuses.length, 105);
      assert.equal(new Set(data.statuses.map((s: { id: string }) => s.id)).size, 105, 'no status twice across pages');
      const exportedReply = data.statuses.find((s: { id: string }) => s.id === reply.id);
      assert.deepEqual([exportedReply.in_reply_to_id, exportedReply.in_reply_to_account], [bobPost.id, 'bob']);
      assert.equal(data.statuses.filter((s: { reblog_of: string | null }) => s.reblog_of === bobPost.id).length, 1);
      assert.deepEqual(data.following, ['bob']);
      assert.deepEqual(data.followers, ['bob']);
      assert.deepEqual(
        data.favourites.map((s: { id: string }) => s.id),
        [bobPost.id],
      );
      assert.deepEqual(data.blocks, ['carol']);
      assert.deepEqual(data.mutes, ['dave']);

      assert.equal((await api(h.app, 'GET', '/api/v1/chorus/export')).status, 401);
      const narrow = await scopedToken(h, 'alice', 'read:statuses');
      assert.equal((await api(h.app, 'GET', '/api/v1/chorus/export', { token: narrow })).status, 403);
    });

    it('deletes the account after the password; a wrong one deletes nothing', async () => {
      const token = await signUp(h.app, 'erin');
      const frank = await signUp(h.app, 'frank');
      await h.social.trustedActor('erin').post('hello');
      await h.social.trustedActor('erin').follow('frank');

      const before = await dumpStore({ kv: h.kv, keys });
      const wrong = await api(h.app, 'POST', '/api/v1/chorus/delete_account', { token, json: { password: 'wrong horse' } });
      assert.equal(wrong.status, 422);
      assert.match(wrong.body.error, /password is wrong/);
      assert.equal((await api(h.app, 'POST', '/api/v1/chorus/delete_account', { token, json: {} })).status, 422);
      assert.deepEqual(await dumpStore({ kv: h.kv, keys }), before, 'nothing written');
      const readOnly = await scopedToken(h, 'erin', 'read');
      assert.equal(
        (await api(h.app, 'POST', '/api/v1/chorus/delete_account', { token: readOnly, json: { password: 'correct horse' } })).status,
        403,
      );

      const done = await api(h.app, 'POST', '/api/v1/chorus/delete_account', { token, json: { password: 'correct horse' } });
      assert.equal(done.status, 202, done.text);
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/verify_credentials', { token })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/lookup?acct=erin', { token: frank })).status, 404);
      await h.social.sweepDeletedAccounts();
      assert.equal((await api(h.app, 'GET', '/api/v1/accounts/lookup?acct=frank', { token: frank })).body.followers_count, 0);
      assert.equal(
        (await register(h.app, { username: 'erin', password: 'correct horse', agreement: true })).status,
        422,
        'the name stays taken',
      );
      assert.equal((await logIn(h.app, 'erin')).status, 400);
    });

    it('Settings offers both without JavaScript: a download, and deletion that asks for the password', async () => {
      const browser = await signedUpBrowser(h.app, 'gina');
      await h.social.trustedActor('gina').post('from gina');
      const settings = await browser.get('/settings');
      assert.match(settings.body, /<a class="button" href="\/settings\/export" download>Export my data<\/a>/);
      assert.match(settings.body, /<form method="post" action="\/settings\/delete-account"[^>]*>/);
      assert.match(settings.body, /<button type="submit" class="danger">Delete my account<\/button>/);

      const download = await browser.get('/settings/export');
      assert.equal(download.status, 200);
      assert.match(String(download.headers['content-disposition']), /attachment; filename="chorus-gina\.json"/);
      assert.deepEqual(
        JSON.parse(download.body).statuses.map((s: { text: string }) => s.text),
        ['from gina'],
      );

      const refused = await browser.post('/settings/delete-account', { password: 'wrong horse' });
      assert.equal(refused.status, 400);
      assert.match(refused.body, /Nothing was deleted/);
      assert.equal((await browser.get('/u/gina')).status, 200);

      const deleted = await browser.post('/settings/delete-account', { password: 'correct horse' });
      assert.equal(deleted.status, 303);
      assert.equal(deleted.location, '/');
      assert.equal((await browser.get('/u/gina')).status, 404);
      assert.equal((await browser.get('/settings')).status, 303, 'logged out');
    });
  });
}
