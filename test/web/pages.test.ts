import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, Browser, type Harness, logIn, openHarness, readPaths, signedUpBrowser } from './web-harness.js';

const mainOf = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '';

const signedUp = (h: Harness, username: string) => signedUpBrowser(h.app, username);

for (const reads of readPaths)
  describe(`pages: accounts and sessions through forms (reads from the ${reads})`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness({ reads });
    });
    after(async () => {
      await h.close();
    });

    it('the home page welcomes visitors with sign-up and log-in links', async () => {
      const reply = await new Browser(h.app).get('/');
      assert.equal(reply.status, 200);
      assert.match(String(reply.headers['content-type']), /text\/html/);
      assert.match(reply.body, /href="\/signup"/);
      assert.match(reply.body, /href="\/login"/);
      assert.match(reply.body, /<link rel="stylesheet" href="\/static\/style.css">/);
      // One script, from our own origin, allowed by this response's CSP nonce; nothing inline.
      const scripts = reply.body.match(/<script[^>]*>[^<]*<\/script>/g) ?? [];
      assert.equal(scripts.length, 1);
      const nonce = /nonce-([^']+)'/.exec(String(reply.headers['content-security-policy']))?.[1];
      assert.equal(scripts[0], `<script type="module" src="/static/app.js" nonce="${nonce}"></script>`);
      assert.doesNotMatch(reply.body, /\sstyle=|\son[a-z]+=/i, 'no style attributes or inline handlers');
    });

    it('the sign-up form has labelled fields, a CSRF token and a Sign up button', async () => {
      const browser = new Browser(h.app);
      const reply = await browser.get('/signup');
      assert.equal(reply.status, 200);
      assert.match(reply.body, /<label for="field-username">Username<\/label>/);
      assert.match(reply.body, /<label for="field-password">Password<\/label>/);
      assert.match(reply.body, /<button type="submit" class="primary">Sign up<\/button>/);
      assert.ok(browser.csrf, 'a CSRF token in the form');
      assert.ok(browser.cookies.has('chorus_csrf'), 'the CSRF secret cookie');
      const secret = reply.setCookies.find((c) => c.startsWith('chorus_csrf='))!;
      assert.match(secret, /HttpOnly/i);
      assert.match(secret, /SameSite=Lax/i);
    });

    it('signing up sets an HttpOnly SameSite=Lax session cookie and redirects home', async () => {
      const browser = new Browser(h.app);
      await browser.get('/signup');
      const reply = await browser.post('/signup', { username: 'Alice', password: 'correct horse' });
      assert.equal(reply.status, 303);
      assert.equal(reply.location, '/');
      const cookie = reply.setCookies.find((c) => c.startsWith('chorus_session='));
      assert.ok(cookie);
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.match(cookie, /Path=\//);
      assert.doesNotMatch(cookie, /Secure/);
      const home = await browser.get('/');
      assert.match(home.body, /href="\/u\/alice">Profile</);
      assert.match(home.body, /What's happening, @alice\?/);
      assert.match(home.body, /Follow people to fill your feed/);
      assert.match(home.body, /href="\/people"/);
      // The cookie holds a token the API accepts too.
      const token = browser.cookies.get('chorus_session')!;
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token })).status, 200);
    });

    it('bad sign-up input shows messages beside the fields and keeps the username, never the password', async () => {
      const browser = new Browser(h.app);
      await browser.get('/signup');
      const reply = await browser.post('/signup', { username: 'bad name!', password: 'short' });
      assert.equal(reply.status, 400);
      assert.match(reply.body, /id="field-username-error"[^>]*>Username may contain only/);
      assert.match(reply.body, /id="field-password-error"[^>]*>Password must be 8 to 256 characters/);
      assert.match(reply.body, /name="username" type="text" value="bad name!"/);
      assert.match(reply.body, /name="password" type="password" value=""/);
      assert.doesNotMatch(reply.body, /short/);

      const taken = await browser.post('/signup', { username: 'ALICE', password: 'another password' });
      assert.equal(taken.status, 409);
      assert.match(taken.body, /id="field-username-error"[^>]*>That username is taken/);
      assert.match(taken.body, /value="ALICE"/);
      assert.doesNotMatch(taken.body, /another password/);
      assert.deepEqual(
        (await h.social.searchAccounts('', 10)).map((a) => a.username),
        ['alice'],
      );
    });

    it('a form POST without a valid CSRF token is refused with 403 and writes nothing', async () => {
      const browser = new Browser(h.app);
      await browser.get('/signup');
      const missing = await browser.post('/signup', { username: 'mallory', password: 'correct horse' }, null);
      assert.equal(missing.status, 403);
      assert.match(String(missing.headers['content-type']), /text\/html/);
      assert.match(missing.body, /Reload the page/);
      const forged = await browser.post('/signup', { username: 'mallory', password: 'correct horse' }, 'forged-token');
      assert.equal(forged.status, 403);
      // A token is bound to the secret in its own browser's cookie.
      const other = new Browser(h.app);
      await other.get('/signup');
      const stolen = await other.post('/signup', { username: 'mallory', password: 'correct horse' }, browser.csrf);
      assert.equal(stolen.status, 403);
      const noCookie = new Browser(h.app);
      const cookieless = await noCookie.post('/signup', { username: 'mallory', password: 'correct horse' }, browser.csrf);
      assert.equal(cookieless.status, 403);
      assert.deepEqual(
        (await h.social.searchAccounts('mallory', 10)).map((a) => a.username),
        [],
      );
    });

    it('every state-changing form is CSRF-checked', async () => {
      const bob = await signedUp(h, 'bob');
      await api(h.app, 'POST', '/api/v1/statuses', { token: bob.cookies.get('chorus_session')!, json: { status: 'keep me' } });
      const postId = (await h.social.listPosts('bob')).items[0]!.id;
      for (const action of [
        '/posts',
        `/posts/${postId}/delete`,
        '/u/alice/follow',
        '/u/alice/unfollow',
        '/logout',
        '/login',
        '/signup',
        '/settings/password',
        '/settings/logout-everywhere',
      ]) {
        const reply = await bob.post(action, { text: 'forged', currentPassword: 'correct horse', newPassword: 'pwned pwned' }, null);
        assert.equal(reply.status, 403, action);
      }
      assert.equal((await h.social.getProfile('bob')).posts, 1);
      assert.equal((await h.social.getProfile('alice')).followers, 0);
      assert.equal((await bob.get('/settings')).status, 200, 'still logged in');
    });

    it('log in: errors are shown and the username kept; success redirects home', async () => {
      const browser = new Browser(h.app);
      await browser.get('/login');
      const empty = await browser.post('/login', { username: '', password: '' });
      assert.equal(empty.status, 400);
      assert.match(empty.body, /Enter your username/);
      assert.match(empty.body, /Enter your password/);
      const wrong = await browser.post('/login', { username: 'alice', password: 'wrong password' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /Wrong username or password/);
      assert.match(wrong.body, /value="alice"/);
      assert.doesNotMatch(wrong.body, /wrong password/);
      assert.ok(!browser.cookies.has('chorus_session'));
      const ok = await browser.post('/login', { username: 'alice', password: 'correct horse' });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, '/');
      assert.ok(browser.cookies.has('chorus_session'));
      assert.equal((await browser.get('/login')).status, 303, 'signed-in visitors skip the form');
    });

    it('Log out ends the session and clears the cookie', async () => {
      const browser = await signedUp(h, 'logout_me');
      const token = browser.cookies.get('chorus_session')!;
      await browser.get('/');
      assert.match((await browser.get('/')).body, /<button type="submit" class="link">Log out<\/button>/);
      const reply = await browser.post('/logout');
      assert.equal(reply.status, 303);
      assert.ok(!browser.cookies.has('chorus_session'));
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token })).status, 401);
      assert.match((await browser.get('/')).body, /href="\/signup"/);
    });

    it('a dead session cookie is treated as signed out and cleared', async () => {
      const browser = new Browser(h.app);
      browser.cookies.set('chorus_session', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      const reply = await browser.get('/');
      assert.equal(reply.status, 200);
      assert.match(reply.body, /Welcome to Chorus/);
      assert.ok(!browser.cookies.has('chorus_session'));
    });

    it('settings: change password with messages beside the fields, then log out everywhere', async () => {
      const browser = await signedUp(h, 'setter');
      const elsewhere = await signUpElsewhere(h, 'setter');
      const page = await browser.get('/settings');
      assert.equal(page.status, 200);
      assert.match(page.body, /<label for="field-currentPassword">Current password<\/label>/);
      assert.match(page.body, /<label for="field-newPassword">New password<\/label>/);
      assert.match(page.body, />Log out everywhere<\/button>/);

      const short = await browser.post('/settings/password', { currentPassword: 'correct horse', newPassword: 'short' });
      assert.equal(short.status, 400);
      assert.match(short.body, /id="field-newPassword-error"[^>]*>Password must be/);
      const wrong = await browser.post('/settings/password', { currentPassword: 'not my password', newPassword: 'battery staple' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.body, /id="field-currentPassword-error"[^>]*>That is not your current password/);
      assert.doesNotMatch(wrong.body, /not my password|battery staple/);

      const ok = await browser.post('/settings/password', { currentPassword: 'correct horse', newPassword: 'battery staple' });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, '/settings?done=password');
      assert.match((await browser.get(ok.location)).body, /Password changed/);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: elsewhere })).status, 401, 'other devices logged out');
      const relogin = await logIn(h.app, 'setter', 'battery staple');
      assert.equal(relogin.status, 200);

      const token = browser.cookies.get('chorus_session')!;
      const all = await browser.post('/settings/logout-everywhere');
      assert.equal(all.status, 303);
      assert.ok(!browser.cookies.has('chorus_session'));
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token })).status, 401);
      assert.equal((await api(h.app, 'GET', '/api/v1/timelines/home', { token: relogin.body.access_token })).status, 401);
      assert.equal((await browser.get('/settings')).location, '/login');
    });

    it('Secure cookies when asked', async () => {
      const secure = await openHarness({ secureCookies: true, reads });
      try {
        const browser = new Browser(secure.app);
        const form = await browser.get('/signup');
        // __Host-: the browser then insists on Secure, Path=/ and no Domain.
        const csrf = form.setCookies.find((c) => c.startsWith('__Host-chorus_csrf='))!;
        assert.match(csrf, /Secure/);
        assert.match(csrf, /Path=\/(;|$)/);
        assert.doesNotMatch(csrf, /Domain=/i);
        const reply = await browser.post('/signup', { username: 'secure', password: 'correct horse' });
        assert.equal(reply.status, 303, reply.body);
        const session = reply.setCookies.find((c) => c.startsWith('__Host-chorus_session='))!;
        assert.match(session, /Secure/);
        assert.match(session, /HttpOnly/);
        assert.match(session, /SameSite=Lax/);
        assert.match(session, /Path=\/(;|$)/);
        assert.doesNotMatch(session, /Domain=/i);
        assert.ok(!reply.setCookies.some((c) => c.startsWith('chorus_session=')), 'no unprefixed cookie');
        assert.match((await browser.get('/')).body, /What's happening, @secure\?/);
      } finally {
        await secure.close();
      }
    });
  });

async function signUpElsewhere(h: Harness, username: string): Promise<string> {
  const reply = await logIn(h.app, username);
  assert.equal(reply.status, 200);
  return reply.body.access_token;
}

for (const reads of readPaths)
  describe(`pages: posts, profiles, follows and people (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: Browser;
    let ben: Browser;
    before(async () => {
      h = await openHarness({ reads });
      ann = await signedUp(h, 'ann');
      ben = await signedUp(h, 'ben');
    });
    after(async () => {
      await h.close();
    });

    it('Post writes a post and redirects home (POST-redirect-GET)', async () => {
      const home = await ben.get('/');
      assert.match(home.body, /<label for="field-text">/);
      assert.match(home.body, />Post<\/button>/);
      const reply = await ben.post('/posts', { text: 'hello from ben', idempotencyKey: 'k1' });
      assert.equal(reply.status, 303);
      const posted = (await h.social.listPosts('ben')).items[0]!;
      assert.equal(reply.location, `/?posted=${posted.id}`);
      assert.match(mainOf((await ben.get(reply.location!)).body), new RegExp(`Your post is live. <a href="/p/${posted.id}">`));
      const again = await ben.post('/posts', { text: 'hello from ben', idempotencyKey: 'k1' });
      assert.equal(again.status, 303);
      assert.equal((await h.social.getProfile('ben')).posts, 1, 'a double submit stores once');
    });

    it('a bad post shows the message beside the box and keeps the text', async () => {
      await ben.get('/');
      const long = 'x'.repeat(281);
      const reply = await ben.post('/posts', { text: long });
      assert.equal(reply.status, 400);
      assert.match(reply.body, /id="field-text-error"[^>]*>A post is at most 280 characters/);
      assert.ok(reply.body.includes(`>${long}</textarea>`));
      const empty = await ben.post('/posts', { text: '   ' });
      assert.equal(empty.status, 400);
      assert.match(empty.body, /Write something first/);
      assert.equal((await h.social.getProfile('ben')).posts, 1);
    });

    it('output is escaped: a post with <script> appears as text', async () => {
      await ben.get('/');
      const text = `<script>alert("x")</script> & 'quotes'`;
      assert.equal((await ben.post('/posts', { text })).status, 303);
      const profile = await ben.get('/u/ben');
      assert.doesNotMatch(profile.body, /<script>/);
      assert.ok(profile.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;'));
      const kept = await ben.post('/posts', { text: `<img src=x onerror=alert(1)>${'y'.repeat(280)}` });
      assert.equal(kept.status, 400);
      assert.doesNotMatch(kept.body, /<img/);
      assert.match(kept.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
    });

    it('a profile shows counts, links to lists, posts and a Follow button; Follow and Unfollow work', async () => {
      const page = await ann.get('/u/ben');
      assert.equal(page.status, 200);
      const main = mainOf(page.body);
      assert.match(main, /<h1>@ben<\/h1>/);
      assert.match(main, /href="\/u\/ben\/followers"><strong>0<\/strong> followers</);
      assert.match(main, /href="\/u\/ben\/following"><strong>0<\/strong> following</);
      assert.match(main, /<strong>2<\/strong> posts/);
      assert.match(main, /hello from ben/);
      assert.match(main, /action="\/u\/ben\/follow"[\s\S]*>Follow<\/button>/);
      assert.doesNotMatch(main, />Delete</, "no Delete on others' posts");

      const follow = await ann.post('/u/ben/follow');
      assert.equal(follow.status, 303);
      assert.equal(follow.location, '/u/ben');
      const after = mainOf((await ann.get('/u/ben')).body);
      assert.match(after, /<strong>1<\/strong> follower</);
      assert.match(after, /action="\/u\/ben\/unfollow"[\s\S]*>Unfollow<\/button>/);
      assert.equal((await h.social.getProfile('ann')).following, 1);

      const followers = await ann.get('/u/ben/followers');
      assert.match(mainOf(followers.body), /href="\/u\/ann" class="name">@ann</);
      const following = await ann.get('/u/ann/following');
      assert.match(mainOf(following.body), /href="\/u\/ben" class="name">@ben</);

      const home = await ann.get('/');
      assert.match(mainOf(home.body), /hello from ben/);

      assert.equal((await ann.post('/u/ben/unfollow')).status, 303);
      assert.match(mainOf((await ann.get('/u/ben')).body), />Follow<\/button>/);
      assert.equal((await h.social.getProfile('ann')).following, 0);
      await ann.post('/u/ben/follow');
    });

    it('no follow button on your own profile or when signed out', async () => {
      const own = mainOf((await ben.get('/u/ben')).body);
      assert.doesNotMatch(own, />(Follow|Unfollow)<\/button>/);
      assert.match(own, />Delete<\/button>/);
      const visitor = new Browser(h.app);
      const canonical = await visitor.get('/u/BEN');
      assert.equal(canonical.status, 301);
      assert.equal(canonical.location, '/u/ben');
      const page = await visitor.get('/u/ben');
      assert.doesNotMatch(mainOf(page.body), /<form/);
    });

    it('Delete removes your own post and returns to where you were', async () => {
      const postId = (await h.social.listPosts('ben')).items.at(-1)!.id;
      await ann.get('/');
      const forbidden = await ann.post(`/posts/${postId}/delete`, { back: '/' });
      assert.equal(forbidden.status, 403);
      await ben.get('/u/ben');
      const reply = await ben.post(`/posts/${postId}/delete`, { back: '/u/ben' });
      assert.equal(reply.status, 303);
      assert.equal(reply.location, '/u/ben');
      assert.equal((await h.social.getProfile('ben')).posts, 1);
      const offsite = await ben.post(`/posts/${(await h.social.listPosts('ben')).items[0]!.id}/delete`, { back: '//evil.example/' });
      assert.equal(offsite.location, '/u/ben');
    });

    it('feeds and profiles page with an "Older posts" link', async () => {
      const token = ben.cookies.get('chorus_session')!;
      for (let i = 0; i < 22; i++) await api(h.app, 'POST', '/api/v1/statuses', { token, json: { status: `numbered post ${i}` } });
      const first = await ann.get('/');
      const older = /href="(\/\?cursor=[^"]+)" rel="next" data-more>Older posts</.exec(first.body);
      assert.ok(older, 'an Older posts link');
      assert.match(first.body, /numbered post 21/);
      assert.doesNotMatch(first.body, /numbered post 1\b/);
      const second = await ann.get(older[1]!.replace(/&amp;/g, '&'));
      assert.equal(second.status, 200);
      assert.match(second.body, /numbered post 1\b/);
      assert.doesNotMatch(second.body, /numbered post 21/);

      const profile = await ann.get('/u/ben');
      const next = /href="(\/u\/ben\?cursor=[^"]+)" rel="next" data-more>Older posts</.exec(profile.body);
      assert.ok(next);
      assert.match((await ann.get(next[1]!)).body, /numbered post 0/);
      assert.equal((await ann.get('/?cursor=garbage!')).status, 400);
    });

    it('the people directory searches by prefix, and shows a message for a bad one', async () => {
      const visitor = new Browser(h.app);
      const all = await visitor.get('/people');
      assert.equal(all.status, 200);
      assert.match(all.body, /<label for="field-q">/);
      assert.match(mainOf(all.body), /@ann[\s\S]*@ben/);
      const some = await visitor.get('/people?q=BE');
      assert.match(mainOf(some.body), /@ben/);
      assert.doesNotMatch(mainOf(some.body), /@ann/);
      assert.match(some.body, /value="BE"/);
      const bad = await visitor.get(`/people?q=${encodeURIComponent('<b>!')}`);
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="field-q-error"/);
      assert.match(bad.body, /value="&lt;b&gt;!"/);
    });

    it('signed-out visitors are sent to log in instead of writing', async () => {
      const visitor = new Browser(h.app);
      await visitor.get('/login');
      for (const action of ['/posts', '/u/ben/follow', '/settings/password', '/settings/logout-everywhere']) {
        const reply = await visitor.post(action, { text: 'anonymous' });
        assert.equal(reply.status, 303, action);
        assert.equal(reply.location, '/login');
      }
      assert.equal((await visitor.get('/settings')).location, '/login');
    });

    it('unknown users, posts and pages are 404 pages', async () => {
      for (const url of ['/u/nobody', '/u/bad!name', '/u/nobody/followers', '/p/00000000000000000', '/p/bad', '/no/such/page']) {
        const reply = await ann.get(url);
        assert.equal(reply.status, 404, url);
        assert.match(String(reply.headers['content-type']), /text\/html/);
        assert.match(reply.body, /Not found/);
      }
      assert.match((await ann.get('/no/such/page')).body, /href="\/u\/ann">Profile</, 'the 404 page still knows who you are');
      assert.equal((await ann.post('/u/nobody/follow')).status, 404);
    });

    it('an oversized form is a 413 page', async () => {
      await ann.get('/');
      const reply = await ann.post('/posts', { text: 'x'.repeat(20 * 1024) });
      assert.equal(reply.status, 413);
      assert.match(reply.body, /too large/);
    });
  });
