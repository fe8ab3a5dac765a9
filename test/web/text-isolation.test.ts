import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ROOT } from '../../src/kv/keys.js';
import { isolated, isolatedPlain } from '../../src/web/views/bidi.js';
import { html } from '../../src/web/views/html.js';
import { unisolated } from '../helpers/bidi-isolation.js';
import { api, Browser, type Harness, openHarness, signedUpBrowser } from './web-harness.js';

/**
 * Every page shows user text as a bidi isolate, so neither a right-to-left
 * name nor an override left open (stored before the text rule refused it)
 * can reorder what is around it: the sentence "… favourited your post",
 * the time after a name, the next post.
 */

/** Directional controls, and the Hebrew letters the test's names and texts are written in. */
const MARKER = /[\u202a-\u202e\u2066-\u2069\u0590-\u05ff]/;
const OPEN_OVERRIDE = '\u202e';

describe('the isolation check', () => {
  it('finds user text outside an isolate, in an attribute, or bare in the title', () => {
    const evil = `\u05d0 ${OPEN_OVERRIDE}x`;
    assert.deepEqual(unisolated(html`<p>${isolated(evil)} and <span dir="auto">${evil}</span></p>`.value, MARKER), []);
    assert.deepEqual(unisolated(html`<input name="n" value="${evil}"><textarea>${evil}</textarea>`.value, MARKER), []);
    assert.deepEqual(unisolated(`<title>${isolatedPlain(evil)} · Chorus</title>`, MARKER), []);
    assert.equal(unisolated(html`<p><a href="/u/x">${evil}</a> favourited your post</p>`.value, MARKER).length, 1);
    assert.equal(unisolated(html`<p><bdi>fine</bdi> ${evil}</p>`.value, MARKER).length, 1, 'after an isolate closes');
    assert.equal(unisolated(html`<p title="${evil}">x</p>`.value, MARKER).length, 1);
    assert.equal(unisolated(`<title>${evil} · Chorus</title>`, MARKER).length, 1);
    assert.equal(unisolated(`<title>\u2068${evil}\u2069 · Chorus</title>`, MARKER).length, 1, 'a control inside the isolate');
  });

  it('drops directional controls from plain text and wraps it in FSI … PDI', () => {
    assert.equal(isolatedPlain(`a\u202eb\u2067c\u2069\u202c`), '\u2068abc\u2069');
    assert.equal(isolated(`<${OPEN_OVERRIDE}>`).value, `<bdi>&lt;${OPEN_OVERRIDE}&gt;</bdi>`);
  });
});

describe('pages isolate user text', () => {
  let h: Harness;
  let ann: Browser;
  let ben: Browser;
  let clientId: string;
  const ids: Record<string, string> = {};
  before(async () => {
    // Read from the store, which the test rewrites as an older version could have written it.
    h = await openHarness({ reads: 'store' });
    ann = await signedUpBrowser(h.app, 'ann');
    ben = await signedUpBrowser(h.app, 'ben');
    await h.social.trustedActor('ann').updateProfile({ displayName: 'אנה', bio: 'ביו with #chorus and @ben' });
    ids.ben = (await h.social.trustedActor('ben').post('hello #chorus')).id;
    ids.ann = (await h.social.trustedActor('ann').post('עברית for @ben #chorus')).id;
    ids.reply = (await h.social.trustedActor('ann').post('תשובה', undefined, { inReplyToId: ids.ben })).id;
    await h.social.trustedActor('ann').favourite(ids.ben);
    await h.social.trustedActor('ann').reblog(ids.ben);
    await h.social.trustedActor('ann').follow('ben');
    await h.social.trustedActor('ben').follow('ann');
    const app = await api(h.app, 'POST', '/api/v1/apps', {
      json: { client_name: 'אפליקציה', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' },
    });
    clientId = app.body.client_id;
    const grant = await api(h.app, 'POST', '/oauth/token', {
      json: {
        grant_type: 'password',
        client_id: clientId,
        client_secret: app.body.client_secret,
        username: 'ben',
        password: 'correct horse',
      },
    });
    assert.equal(grant.status, 200, grant.text);
    // Leave an override open after every name and text, as the rule now refuses but older records may hold.
    const { items } = await h.kv.range({ prefix: DEFAULT_ROOT });
    for (const item of items) {
      let value = item.value;
      for (const word of ['אנה', 'ביו', 'עברית', 'תשובה', 'אפליקציה']) value = value.replaceAll(word, `${word} \\u202e`);
      if (value !== item.value) await h.kv.put(item.key, value);
    }
    assert.equal((await h.social.getProfile('ann')).account.displayName, `אנה ${OPEN_OVERRIDE}`);
  });
  after(async () => {
    await h.close();
  });

  it('on every page that shows names, bios, posts or app names', async () => {
    const authorize = `/oauth/authorize?response_type=code&client_id=${clientId}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read`;
    const pages: Array<[Browser, string]> = [
      [ben, '/'],
      [ben, '/u/ann'],
      [ben, `/p/${ids.ann}`],
      [ben, `/p/${ids.ben}`],
      [ben, `/p/${ids.reply}`],
      [ben, '/notifications'],
      [ben, '/people'],
      [ben, '/u/ben/followers'],
      [ben, '/u/ben/following'],
      [ben, '/tags/chorus'],
      [ben, '/settings'],
      [ann, '/settings'],
      [ben, authorize],
      [new Browser(h.app), authorize],
    ];
    for (const [browser, url] of pages) {
      const page = await browser.get(url);
      assert.equal(page.status, 200, url);
      assert.match(page.body, MARKER, `${url} shows the test's text`);
      assert.deepEqual(unisolated(page.body, MARKER), [], url);
    }
    const oob = await ben.submit(authorize, authorize, { decision: 'authorize' });
    assert.equal(oob.status, 200);
    assert.match(oob.body, /Copy this code and paste it into <bdi>אפליקציה \u202e<\/bdi>/);
    assert.deepEqual(unisolated(oob.body, MARKER), []);
  });

  it('a refused form keeps the typed text in its box, where it is isolated too', async () => {
    const reply = await ann.submit('/settings', '/settings/profile', { displayName: `שם ${OPEN_OVERRIDE}`, bio: `ביו ${OPEN_OVERRIDE}` });
    assert.equal(reply.status, 400);
    assert.deepEqual(unisolated(reply.body, MARKER), []);
    const composer = await ann.submit('/', '/posts', { text: `טקסט ${OPEN_OVERRIDE}` });
    assert.equal(composer.status, 400);
    assert.deepEqual(unisolated(composer.body, MARKER), []);
  });
});
