import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Harness, openHarness, readPaths, signedUpBrowser } from './web-harness.js';

/**
 * The conversation pages without JavaScript: a post's page with its thread
 * and reply form, Favourite and Reblog as plain forms, mentions and tags as
 * links, and tag pages. Every form redirects (POST-redirect-GET) and every
 * refusal writes nothing.
 */

const mainOf = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '';
/** The list item of one post on a page. */
const itemOf = (body: string, id: string) => new RegExp(`<li class="[^"]*" id="post-${id}">[\\s\\S]*?</li>`).exec(body)?.[0] ?? '';
/** A one-button form posting to `action` whose button says `label`. */
const button = (action: string, label: string) => new RegExp(`action="${action}"(?:(?!</form>)[\\s\\S])*>${label}</button></form>`);

for (const reads of readPaths)
  describe(`pages: replies, threads, favourites, reblogs and tags (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: Browser;
    let ben: Browser;
    let rootId: string;
    before(async () => {
      h = await openHarness({ reads });
      ann = await signedUpBrowser(h.app, 'ann');
      ben = await signedUpBrowser(h.app, 'ben');
      await h.social.trustedActor('ann').follow('ben');
      rootId = (await h.social.trustedActor('ben').post('Thoughts on #Chorus, @ann? Ask @nobody_here too')).id;
    });
    after(async () => {
      await h.close();
    });

    it('a post links its mentions of real accounts and its tags; the tag page lists it', async () => {
      const home = await ann.get('/');
      const item = itemOf(home.body, rootId);
      assert.match(item, /<a href="\/u\/ann" class="mention">@ann<\/a>/);
      assert.match(item, /<a href="\/tags\/chorus" class="hashtag">#Chorus<\/a>/);
      assert.match(item, /Ask @nobody_here too/, 'a mention of nobody stays text');
      const canonical = await ann.get('/tags/Chorus');
      assert.equal(canonical.status, 301);
      assert.equal(canonical.location, '/tags/chorus');
      const tag = await ann.get('/tags/chorus');
      assert.equal(tag.status, 200);
      assert.match(mainOf(tag.body), /<h1 id="tag-title">#chorus<\/h1>/);
      assert.ok(itemOf(tag.body, rootId), 'the post is on its tag page');
      assert.match(mainOf((await ann.get('/tags/nothing_here')).body), /No posts with #nothing_here yet/);
    });

    it('a malformed or over-long tag is a 400 page', async () => {
      for (const tag of ['bad!', '123']) {
        const reply = await ann.get(`/tags/${tag}`);
        assert.equal(reply.status, 400, tag);
        assert.match(reply.body, /A hashtag is letters a-z/);
      }
      // Past 100 characters the router refuses the address before the route sees it.
      assert.equal((await ann.get(`/tags/${'a'.repeat(200)}`)).status, 400);
    });

    it("a post's page has the post, a reply form and its replies; Reply posts and shows the thread", async () => {
      const page = await ann.get(`/p/${rootId}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /<label for="field-text">Reply to @ben<\/label>/);
      assert.match(page.body, /<button type="submit" class="primary">Reply<\/button>/);
      assert.match(mainOf(page.body), /No replies yet/);
      const reply = await ann.post(`/p/${rootId}/reply`, { text: 'Chorus is lovely', idempotencyKey: 'reply-1' });
      assert.equal(reply.status, 303);
      const [stored] = (await h.social.listPosts('ann')).items;
      assert.equal(stored!.inReplyToId, rootId);
      assert.equal(reply.location, `/p/${rootId}?replied=${stored!.id}#post-${stored!.id}`);
      const again = await ann.post(`/p/${rootId}/reply`, { text: 'Chorus is lovely', idempotencyKey: 'reply-1' });
      assert.equal(again.status, 303);
      assert.equal((await h.social.getProfile('ann')).posts, 1, 'a double submit stores one reply');

      const thread = await ann.get(`/p/${rootId}?replied=${stored!.id}`);
      const main = mainOf(thread.body);
      assert.match(main, /Your reply is posted/);
      assert.match(main, new RegExp(`<ol class="posts replies"><li class="post depth-1" id="post-${stored!.id}">`));
      assert.match(itemOf(thread.body, rootId), /Reply<\/a><span class="tally">1<span class="visually-hidden"> reply</);

      // The reply's own page shows what it answers above it.
      const own = await ben.get(`/p/${stored!.id}`);
      const ownMain = mainOf(own.body);
      assert.match(ownMain, new RegExp(`<ol class="posts ancestors"[^>]*><li class="post ancestor" id="post-${rootId}">`));
      assert.match(itemOf(own.body, stored!.id), new RegExp(`Replying to <a href="/p/${rootId}">@ben</a>`));
      assert.match(ownMain, /<label for="field-text">Reply to @ann<\/label>/);
    });

    it('a refused reply keeps the text with the message beside the box and stores nothing', async () => {
      const before = (await h.social.getProfile('ann')).posts;
      await ann.get(`/p/${rootId}`);
      const long = `<b>${'x'.repeat(290)}</b>`;
      const reply = await ann.post(`/p/${rootId}/reply`, { text: long, idempotencyKey: 'reply-long' });
      assert.equal(reply.status, 400);
      assert.match(reply.body, /id="field-text-error"[^>]*>A post is at most 280 characters/);
      assert.ok(reply.body.includes(`>&lt;b&gt;${'x'.repeat(290)}&lt;/b&gt;</textarea>`), 'the text kept, escaped');
      assert.match(reply.body, /name="idempotencyKey" value="reply-long"/, 'the same key, so a fixed resubmit stores once');
      assert.match(reply.body, new RegExp(`action="/p/${rootId}/reply"`));
      assert.equal((await ann.post(`/p/${rootId}/reply`, { text: '   ' })).status, 400);
      assert.equal((await ann.post('/p/00000000000000000/reply', { text: 'to nothing' })).status, 404);
      assert.equal((await h.social.getProfile('ann')).posts, before);
    });

    it('Favourite and Unfavourite are forms that return to the page they were on', async () => {
      const home = await ann.get('/');
      assert.match(itemOf(home.body, rootId), button(`/p/${rootId}/favourite`, 'Favourite'));
      const fav = await ann.post(`/p/${rootId}/favourite`, { back: '/?cursor=' });
      assert.equal(fav.status, 303);
      assert.equal(fav.location, '/?cursor=');
      assert.equal((await ann.post(`/p/${rootId}/favourite`, { back: '/' })).status, 303, 'twice is fine');
      const after = itemOf((await ann.get('/')).body, rootId);
      assert.match(after, button(`/p/${rootId}/unfavourite`, 'Unfavourite'));
      assert.match(after, /class="action on">Unfavourite<\/button><\/form><span class="tally">1<span class="visually-hidden"> favourite</);
      const [described] = (await h.social.trustedActor('ann').describePosts([rootId])).posts;
      assert.equal(described!.favourites, 1, 'counted once');
      // Somewhere else, and back to the post's page when `back` is not ours.
      const offsite = await ann.post(`/p/${rootId}/unfavourite`, { back: '//evil.example/' });
      assert.equal(offsite.location, `/p/${rootId}`);
      assert.match(itemOf((await ann.get('/')).body, rootId), button(`/p/${rootId}/favourite`, 'Favourite'));
      assert.equal((await h.social.trustedActor('ann').describePosts([rootId])).posts[0]!.favourites, 0);
    });

    it('Reblog shares the post as "… reblogged" on your profile and in followers\u2019 feeds; Undo reblog takes it back', async () => {
      const cat = await signedUpBrowser(h.app, 'cat');
      await h.social.trustedActor('cat').follow('ann');
      await ann.get('/');
      const reblog = await ann.post(`/p/${rootId}/reblog`, { back: '/' });
      assert.equal(reblog.status, 303);
      const profile = mainOf((await ann.get('/u/ann')).body);
      assert.match(profile, /<a href="\/u\/ann">@ann<\/a> reblogged/);
      assert.match(profile, button(`/p/${rootId}/unreblog`, 'Undo reblog'));
      const feed = mainOf((await cat.get('/')).body);
      assert.match(feed, /<li class="post reblog"/);
      assert.match(feed, /Thoughts on/);
      // A reblog's own address shows the original's page.
      const [wrapper] = (await h.social.listPosts('ann')).items.filter((p) => p.reblogOf === rootId);
      assert.equal((await cat.get(`/p/${wrapper!.id}`)).location, `/p/${rootId}`);

      const undo = await ann.post(`/p/${rootId}/unreblog`, { back: '/u/ann' });
      assert.equal(undo.status, 303);
      assert.doesNotMatch(mainOf((await ann.get('/u/ann')).body), /reblogged/);
      assert.doesNotMatch(mainOf((await cat.get('/')).body), /Thoughts on/);
    });

    it('a visitor sees counts but no buttons, and is sent to log in to act', async () => {
      const visitor = new Browser(h.app);
      const page = await visitor.get(`/p/${rootId}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(mainOf(page.body), /<form/);
      assert.match(mainOf(page.body), /<a href="\/login">Log in<\/a> to reply/);
      await visitor.get('/login');
      for (const action of ['reply', 'favourite', 'reblog']) {
        const reply = await visitor.post(`/p/${rootId}/${action}`, { text: 'anonymous' });
        assert.equal(reply.status, 303, action);
        assert.equal(reply.location, '/login');
      }
    });

    it('every new post form is CSRF-checked and writes nothing without the token', async () => {
      const before = await h.social.trustedActor('ann').describePosts([rootId]);
      for (const action of ['reply', 'favourite', 'unfavourite', 'reblog', 'unreblog']) {
        const reply = await ann.post(`/p/${rootId}/${action}`, { text: 'forged' }, null);
        assert.equal(reply.status, 403, action);
      }
      assert.deepEqual(await h.social.trustedActor('ann').describePosts([rootId]), before);
    });

    it('acting on a deleted post is a 404 page; its reply stays, shown as replying to a deleted post', async () => {
      const parent = await h.social.trustedActor('ben').post('soon gone');
      const child = await h.social.trustedActor('ann').post('an answer', undefined, { inReplyToId: parent.id });
      await ben.get('/u/ben');
      assert.equal((await ben.post(`/posts/${parent.id}/delete`, { back: '/u/ben' })).status, 303);
      await ann.get('/');
      for (const action of ['favourite', 'reblog', 'reply']) {
        const reply = await ann.post(`/p/${parent.id}/${action}`, { text: 'late' });
        assert.equal(reply.status, 404, action);
        assert.match(reply.body, /Not found/);
      }
      assert.equal((await ann.get(`/p/${parent.id}`)).status, 404);
      const orphan = await ann.get(`/p/${child.id}`);
      assert.equal(orphan.status, 200);
      assert.match(itemOf(orphan.body, child.id), /Replying to a deleted post/);
      assert.match(itemOf((await ann.get('/u/ann')).body, child.id), /Replying to a deleted post/);
    });

    it('tag pages page with "Older posts"', async () => {
      for (let i = 0; i < 22; i++) await h.social.trustedActor('ben').post(`#paged number ${i}`);
      const first = await ann.get('/tags/paged');
      assert.match(first.body, /#paged<\/a> number 21/);
      const older = /href="(\/tags\/paged\?cursor=[^"]+)" rel="next" data-more>Older posts</.exec(first.body);
      assert.ok(older, 'an Older posts link');
      const second = await ann.get(older[1]!);
      assert.match(second.body, /#paged<\/a> number 0/);
      assert.doesNotMatch(second.body, /number 21/);
    });
  });
