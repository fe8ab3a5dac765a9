import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Harness, openHarness, readPaths, signedUpBrowser } from './web-harness.js';

/**
 * Profiles without JavaScript: Display name and Bio in Settings (with
 * refusals beside the fields that change nothing), how a profile shows
 * them, and Block/Unblock and Mute/Unmute on a profile.
 */

const mainOf = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '';
const button = (action: string, label: string) => new RegExp(`action="${action}"(?:(?!</form>)[\\s\\S])*>${label}</button></form>`);

for (const reads of readPaths)
  describe(`pages: display name, bio, block and mute (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: Browser;
    let ben: Browser;
    before(async () => {
      h = await openHarness({ reads });
      ann = await signedUpBrowser(h.app, 'ann');
      ben = await signedUpBrowser(h.app, 'ben');
    });
    after(async () => {
      await h.close();
    });

    it('Settings has Display name and Bio with Save; saving shows them on the profile and on posts', async () => {
      const settings = await ann.get('/settings');
      assert.match(settings.body, /<label for="field-displayName">Display name<\/label>/);
      assert.match(settings.body, /<label for="field-bio">Bio<\/label>\n<textarea id="field-bio" name="bio"/);
      assert.match(settings.body, /<button type="submit" class="primary">Save<\/button>/);
      const bio = 'I write <code> about #Chorus with @ben.\nMore at https://example.com/ann.';
      const saved = await ann.post('/settings/profile', { displayName: '  Ann <Lee>  ', bio });
      assert.equal(saved.status, 303);
      assert.equal(saved.location, '/settings?done=profile');
      const after = await ann.get(saved.location!);
      assert.match(mainOf(after.body), /Profile saved/);
      assert.match(after.body, /name="displayName" type="text" value="Ann &lt;Lee&gt;"/, 'trimmed, escaped');
      assert.ok(after.body.includes('>I write &lt;code&gt; about #Chorus with @ben.\nMore at https://example.com/ann.</textarea>'));
      const stored = (await h.social.getProfile('ann')).account;
      assert.equal(stored.displayName, 'Ann <Lee>');
      assert.equal(stored.bio, bio);

      const profile = mainOf((await ben.get('/u/ann')).body);
      assert.match(profile, /<h1><bdi>Ann &lt;Lee&gt;<\/bdi><\/h1>\n<p class="handle">@ann<\/p>/);
      assert.match(
        profile,
        /<p class="bio" dir="auto">I write &lt;code&gt; about <a href="\/tags\/chorus" class="hashtag">#Chorus<\/a> with <a href="\/u\/ben" class="mention">@ben<\/a>\.\nMore at <a href="https:\/\/example.com\/ann" rel="nofollow noopener noreferrer ugc" class="link">example.com\/ann<\/a>\.<\/p>/,
      );
      assert.match((await ben.get('/u/ann')).body, /<title>\u2068Ann &lt;Lee&gt;\u2069 \(@ann\) · Chorus<\/title>/);

      await h.social.trustedActor('ann').post('signed with my name');
      await h.social.trustedActor('ben').follow('ann');
      assert.match(
        mainOf((await ben.get('/')).body),
        /<a href="\/u\/ann" class="author"><bdi>Ann &lt;Lee&gt;<\/bdi><\/a><span class="handle">@ann<\/span>/,
      );
    });

    it('a bio over 500 characters or a long display name is refused beside its field, as typed, and changes nothing', async () => {
      const before = (await h.social.getProfile('ann')).account;
      await ann.get('/settings');
      const long = `${'b'.repeat(501)}<i>`;
      const reply = await ann.post('/settings/profile', { displayName: 'A fine name', bio: long });
      assert.equal(reply.status, 400);
      assert.match(reply.body, /id="field-bio-error"[^>]*>A bio is at most 500 characters \(this one has 504\)/);
      assert.match(
        reply.body,
        /<textarea id="field-bio" name="bio" rows="4" aria-describedby="field-bio-hint field-bio-error" aria-invalid="true">/,
      );
      assert.ok(reply.body.includes(`>${'b'.repeat(501)}&lt;i&gt;</textarea>`), 'kept as typed');
      assert.match(reply.body, /name="displayName" type="text" value="A fine name"/);
      assert.doesNotMatch(reply.body, /id="field-displayName-error"/);
      assert.deepEqual((await h.social.getProfile('ann')).account, before, 'the good field was not saved either');

      const both = await ann.post('/settings/profile', { displayName: 'n'.repeat(31), bio: 'tab\tok but bell \u0007 not' });
      assert.equal(both.status, 400);
      assert.match(both.body, /id="field-displayName-error"[^>]*>A display name is at most 30 characters/);
      assert.match(both.body, /id="field-bio-error"[^>]*>A bio contains a control character \(U\+0007\)/);
      assert.match(both.body, /<section class="card" aria-labelledby="sessions-title">/, 'the rest of the page is there');
      assert.deepEqual((await h.social.getProfile('ann')).account, before);
    });

    it('empty fields clear the display name and bio', async () => {
      await ann.get('/settings');
      assert.equal((await ann.post('/settings/profile', { displayName: ' ', bio: '' })).status, 303);
      const profile = mainOf((await ben.get('/u/ann')).body);
      assert.match(profile, /<h1>@ann<\/h1>/);
      assert.doesNotMatch(profile, /class="(bio|handle)"/);
      assert.equal((await h.social.getProfile('ann')).account.displayName ?? '', '');
    });

    it('Mute hides their posts from your home; Unmute brings them back', async () => {
      await h.social.trustedActor('ben').post('ben speaks');
      await h.social.trustedActor('ann').follow('ben');
      assert.match(mainOf((await ann.get('/')).body), /ben speaks/);
      const page = mainOf((await ann.get('/u/ben')).body);
      assert.match(page, button('/u/ben/mute', 'Mute'));
      assert.match(page, button('/u/ben/block', 'Block'));
      assert.match(page, button('/u/ben/unfollow', 'Unfollow'));
      const mute = await ann.post('/u/ben/mute');
      assert.equal(mute.status, 303);
      assert.equal(mute.location, '/u/ben');
      const muted = mainOf((await ann.get('/u/ben')).body);
      assert.match(muted, button('/u/ben/unmute', 'Unmute'));
      assert.match(muted, /You mute @ben/);
      assert.doesNotMatch(mainOf((await ann.get('/')).body), /ben speaks/);
      assert.equal((await ann.post('/u/ben/unmute')).status, 303);
      assert.match(mainOf((await ann.get('/u/ben')).body), button('/u/ben/mute', 'Mute'));
      assert.match(mainOf((await ann.get('/')).body), /ben speaks/);
    });

    it('Block removes follows both ways, hides posts and refuses replies; Unblock lifts it', async () => {
      await h.social.trustedActor('ben').follow('ann');
      const annPost = await h.social.trustedActor('ann').post('ann speaks');
      await ann.get('/u/ben');
      const block = await ann.post('/u/ben/block');
      assert.equal(block.status, 303);
      assert.equal(block.location, '/u/ben');
      const blocked = mainOf((await ann.get('/u/ben')).body);
      assert.match(blocked, button('/u/ben/unblock', 'Unblock'));
      assert.match(blocked, /You block @ben/);
      assert.doesNotMatch(blocked, />(Follow|Unfollow)<\/button>/, 'no follow across a block');
      assert.match(blocked, /Posts are hidden/);
      assert.equal((await h.social.getProfile('ann')).following, 0);
      assert.equal((await h.social.getProfile('ann')).followers, 0);

      // The other side: no Follow, no posts, and a reply is refused beside the box.
      const seen = mainOf((await ben.get('/u/ann')).body);
      assert.doesNotMatch(seen, />Follow<\/button>/);
      assert.doesNotMatch(seen, /ann speaks/);
      await ben.get(`/p/${annPost.id}`);
      const reply = await ben.post(`/p/${annPost.id}/reply`, { text: 'let me in' });
      assert.equal(reply.status, 403);
      assert.match(reply.body, /id="field-text-error"/);
      assert.equal((await ben.post('/u/ann/follow')).status, 403);
      assert.equal((await h.social.getProfile('ben')).posts, 1, 'no reply stored');

      assert.equal((await ann.post('/u/ben/unblock')).status, 303);
      const lifted = mainOf((await ann.get('/u/ben')).body);
      assert.match(lifted, button('/u/ben/block', 'Block'));
      assert.match(lifted, button('/u/ben/follow', 'Follow'));
      assert.match(lifted, /ben speaks/);
    });

    it('no Block or Mute on your own profile or for visitors; blocking yourself or nobody is refused', async () => {
      assert.doesNotMatch(mainOf((await ann.get('/u/ann')).body), />(Block|Mute)<\/button>/);
      assert.equal((await ann.post('/u/ann/block')).status, 400);
      assert.equal((await ann.post('/u/nobody/block')).status, 404);
      assert.equal((await ann.post('/u/nobody/mute')).status, 404);
    });

    it('the profile and relation forms are CSRF-checked and write nothing without the token', async () => {
      const before = await h.social.trustedActor('ann').relationships(['ben']);
      for (const action of ['/u/ben/block', '/u/ben/mute', '/u/ben/unblock', '/u/ben/unmute']) {
        assert.equal((await ann.post(action, {}, null)).status, 403, action);
      }
      assert.equal((await ann.post('/settings/profile', { displayName: 'forged' }, null)).status, 403);
      assert.deepEqual(await h.social.trustedActor('ann').relationships(['ben']), before);
      assert.notEqual((await h.social.getProfile('ann')).account.displayName, 'forged');
    });
  });
