import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Harness, openHarness, readPaths, signedUpBrowser } from './web-harness.js';

/**
 * The notifications page and the unread badge without JavaScript: every
 * kind listed with who did it and to which post, the count in the
 * navigation of every signed-in page, and "Mark all as read".
 */

const mainOf = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '';
/** The unread count the navigation shows, 0 for none. */
function badge(body: string): number {
  const link = /<a href="\/notifications"[^>]*>([\s\S]*?)<\/a>/.exec(body)?.[1];
  assert.ok(link !== undefined, 'a Notifications link in the navigation');
  assert.match(link, /^Notifications/);
  return Number(/class="unread-badge" aria-hidden="true">(\d+)</.exec(link)?.[1] ?? 0);
}
const items = (body: string) => [...mainOf(body).matchAll(/<li class="notification( unread)?" id="notification-[^"]+">([\s\S]*?)<\/li>/g)];

for (const reads of readPaths)
  describe(`pages: notifications and the unread badge (reads from the ${reads})`, () => {
    let h: Harness;
    let ann: Browser;
    let ben: Browser;
    let postId: string;
    before(async () => {
      h = await openHarness({ reads });
      ann = await signedUpBrowser(h.app, 'ann');
      ben = await signedUpBrowser(h.app, 'ben');
      await h.social.trustedActor('ann').updateProfile({ displayName: 'Ann <the> Reader' });
      postId = (await h.social.trustedActor('ben').post('a post worth reacting to')).id;
    });
    after(async () => {
      await h.close();
    });

    it('starts empty: no badge, and the page says what will appear', async () => {
      const page = await ben.get('/notifications');
      assert.equal(page.status, 200);
      assert.equal(badge(page.body), 0);
      assert.match(page.body, /<a href="\/notifications" aria-current="page" data-notifications>Notifications<\/a>/);
      assert.match(mainOf(page.body), /<h1 id="notifications-title">Notifications<\/h1>/);
      assert.match(mainOf(page.body), /Nothing yet/);
      assert.doesNotMatch(mainOf(page.body), /Mark all as read/);
    });

    it('lists follows, favourites, reblogs, mentions and replies, newest first, with the count on every page', async () => {
      await h.social.trustedActor('ann').follow('ben');
      await h.social.trustedActor('ann').favourite(postId);
      await h.social.trustedActor('ann').reblog(postId);
      const mention = await h.social.trustedActor('ann').post('hello @ben');
      await h.social.trustedActor('ann').post('my answer', undefined, { inReplyToId: postId });
      for (const url of ['/', '/u/ben', `/p/${postId}`, '/people', '/settings', '/tags/any', '/notifications']) {
        assert.equal(badge((await ben.get(url)).body), 5, url);
      }
      const page = await ben.get('/notifications');
      const list = items(page.body);
      assert.deepEqual(
        list.map((m) => /<\/a> ([a-z ]+?)(?: <span class="badge">New<\/span>)?<span aria-hidden/.exec(m[2]!)?.[1]),
        ['replied to your post', 'mentioned you', 'reblogged your post', 'favourited your post', 'followed you'],
      );
      assert.ok(
        list.every((m) => m[1] === ' unread'),
        'all new',
      );
      assert.ok(
        list.every((m) => m[2]!.includes('<a href="/u/ann" class="author"><bdi>Ann &lt;the&gt; Reader</bdi></a>')),
        'the actor by display name, escaped',
      );
      assert.match(list[1]![2]!, /hello <a href="\/u\/ben" class="mention">@ben<\/a>/);
      assert.match(list[1]![2]!, new RegExp(`href="/p/${mention.id}#reply" class="action">Reply<`), 'a mention can be answered from here');
      assert.match(list[2]![2]!, new RegExp(`<a href="/p/${postId}">Open the post</a>`));
      assert.doesNotMatch(list[4]![2]!, /blockquote/, 'a follow has no post');
      assert.match(mainOf(page.body), /Mark all as read<\/button>/);
      assert.equal(badge((await ann.get('/')).body), 0, "the actor's own count is untouched");
    });

    it('Mark all as read clears the badge and the New marks, and new ones count again', async () => {
      const page = await ben.get('/notifications');
      const newest = /<li class="notification unread" id="notification-([^"]+)">/.exec(page.body)![1]!;
      assert.match(page.body, new RegExp(`name="lastReadId" value="${newest}"`));
      const read = await ben.post('/notifications/read', { lastReadId: newest });
      assert.equal(read.status, 303);
      assert.equal(read.location, '/notifications');
      const after = await ben.get('/notifications');
      assert.equal(badge(after.body), 0);
      assert.equal(items(after.body).length, 5);
      assert.ok(items(after.body).every((m) => m[1] === undefined && !m[2]!.includes('>New<')));
      assert.doesNotMatch(mainOf(after.body), /Mark all as read/);

      await h.social.trustedActor('ann').post('again @ben');
      const home = await ben.get('/');
      assert.equal(badge(home.body), 1);
      assert.match(
        home.body,
        /Notifications <span class="unread-badge" aria-hidden="true">1<\/span><span class="visually-hidden">\(1 unread\)<\/span>/,
      );
      assert.equal(items((await ben.get('/notifications')).body).filter((m) => m[1] === ' unread').length, 1);
    });

    it('marks only up to what the page showed: one that arrived meanwhile stays unread', async () => {
      const page = await ben.get('/notifications');
      const shown = /<li class="notification unread" id="notification-([^"]+)">/.exec(page.body)![1]!;
      await h.social.trustedActor('ann').post('meanwhile @ben');
      await ben.post('/notifications/read', { lastReadId: shown });
      assert.equal(badge((await ben.get('/')).body), 1);
      await ben.post('/notifications/read', { lastReadId: 'not an id' });
      assert.equal(badge((await ben.get('/')).body), 0, 'without a usable id, everything');
    });

    it('notifications about a post leave the list, and the count, when the post is deleted', async () => {
      await ben.post('/notifications/read');
      const post = await h.social.trustedActor('ben').post('to be favourited then deleted');
      await h.social.trustedActor('ann').favourite(post.id);
      const mention = await h.social.trustedActor('ann').post('soon unsaid @ben');
      const page = await ben.get('/notifications');
      assert.equal(badge(page.body), 2);
      assert.match(mainOf(page.body), /soon unsaid/);
      await h.social.trustedActor('ann').deletePost(mention.id);
      await h.social.trustedActor('ben').deletePost(post.id);
      const after = await ben.get('/notifications');
      assert.equal(badge(after.body), 0);
      assert.doesNotMatch(mainOf(after.body), /soon unsaid|favourited then deleted/);
    });

    it('pages with "Older notifications"', async () => {
      for (let i = 0; i < 22; i++) {
        const post = await h.social.trustedActor('ben').post(`fav me ${i}`);
        await h.social.trustedActor('ann').favourite(post.id);
      }
      const first = await ben.get('/notifications');
      assert.equal(items(first.body).length, 20);
      const older = /href="(\/notifications\?cursor=[^"]+)" rel="next" data-more>Older notifications</.exec(first.body);
      assert.ok(older);
      const second = await ben.get(older[1]!);
      assert.equal(second.status, 200);
      assert.ok(items(second.body).length > 0);
      assert.doesNotMatch(mainOf(second.body), /lastReadId/, 'a later page marks everything, not its own newest');
    });

    it('is for signed-in people only, and its form is CSRF-checked', async () => {
      const visitor = new Browser(h.app);
      assert.equal((await visitor.get('/notifications')).location, '/login');
      assert.doesNotMatch((await visitor.get('/people')).body, /Notifications/);
      await h.social.trustedActor('ann').post('one more @ben');
      const before = await h.social.trustedActor('ben').notificationMarker();
      assert.equal((await ben.post('/notifications/read', {}, null)).status, 403);
      assert.deepEqual(await h.social.trustedActor('ben').notificationMarker(), before);
      await visitor.get('/login');
      assert.equal((await visitor.post('/notifications/read')).location, '/login');
    });
  });
