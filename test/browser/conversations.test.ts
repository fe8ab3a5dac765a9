import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { audit, type Chorus, DESKTOP, launchChromium, openContext, PHONE, type Setup, screenshot, startChorus } from './harness.js';

/**
 * Conversations, reactions, notifications, profiles and blocks in a real
 * Chromium: reply to a post and see the thread, favourite and reblog in
 * place, the unread count rising and clearing with "Mark all as read",
 * editing the display name and bio (a refusal first), blocking from a
 * profile, and a tag page; axe on every new page.
 *
 * Two runs cover the grid: scripts on at desktop width in the light
 * scheme (every step must happen without a page load), and scripts off at
 * phone width in the dark scheme (the same steps as plain forms and links).
 */

const runs: Setup[] = [
  { name: 'desktop', javaScript: true, viewport: DESKTOP, colorScheme: 'light' },
  { name: 'phone-nojs', javaScript: false, viewport: PHONE, colorScheme: 'dark' },
];

const PASSWORD = 'correct horse battery';
/** Screenshots of the new pages, at both widths. */
const SHOTS: Record<string, string> = { desktop: 'desktop', 'phone-nojs': 'phone-dark' };

/** The page's own document, inside evaluate callbacks (this project compiles without the DOM library). */
declare const document: { activeElement: unknown };

async function stayOnPage(page: Page): Promise<() => Promise<void>> {
  await page.evaluate('window.__chorusStayed = true');
  return async () => assert.equal(await page.evaluate('window.__chorusStayed === true'), true, 'the page was not reloaded');
}

/** Runs `step`, checking that it did not load a new page when JavaScript is on. */
async function inPlace(page: Page, js: boolean, step: () => Promise<void>): Promise<void> {
  const check = js ? await stayOnPage(page) : undefined;
  await step();
  await check?.();
}

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
const button = (scope: Page | ReturnType<Page['locator']>, name: string) => scope.getByRole('button', { name, exact: true });
const notificationsLink = (page: Page) => page.getByRole('navigation').getByRole('link', { name: /^Notifications/ });

async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/signup`);
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(PASSWORD);
  await button(page, 'Sign up').click();
  await page.waitForURL(`${url}/`);
}

/** The unread count the navigation shows (0 without a badge), checking it is read out as words too. */
async function unread(page: Page): Promise<number> {
  const link = notificationsLink(page);
  const badge = link.locator('.unread-badge');
  if ((await badge.count()) === 0) {
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Notifications', exact: true }).count(), 1);
    return 0;
  }
  const count = Number(await badge.innerText());
  assert.equal(await page.getByRole('link', { name: `Notifications (${count} unread)`, exact: true }).count(), 1, 'read out as words');
  return count;
}

describe('in Chromium: reply, favourite, reblog, notifications, profile, block', { timeout: 480_000, concurrency: 2 }, () => {
  let chorus: Chorus;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  before(async () => {
    [chorus, browser] = await Promise.all([startChorus(), launchChromium()]);
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await chorus?.stop();
  });

  for (const setup of runs) {
    const js = setup.javaScript;
    it(`${js ? 'with' : 'without'} JavaScript at ${setup.viewport.width}×${setup.viewport.height} (${setup.colorScheme})`, async () => {
      const { url } = chorus;
      const problems: string[] = [];
      const open = async () => {
        const context = await openContext(browser, setup, problems);
        contexts.push(context);
        return context.newPage();
      };
      const shots = SHOTS[setup.name];
      const shot = async (page: Page, name: string) => {
        if (shots) await screenshot(page, `${shots}-${name}`);
      };
      const tag = setup.name.replace('-', '_');
      const ada = `ada_${tag}`;
      const bo = `bo_${tag}`;
      const topic = `chorus_${tag}`;

      // ada writes a post with a tag; bo follows her.
      const page = await open();
      await signUp(page, url, ada);
      const text = `Hello from ada, tagged #${topic}`;
      await page.getByLabel(`What's happening, @${ada}?`).fill(text);
      await button(page, 'Post').click();
      await page.getByRole('main').getByText('Your post is live.').waitFor();
      const reader = await open();
      await signUp(reader, url, bo);
      await reader.goto(`${url}/u/${ada}`);
      await button(reader, 'Follow').click();
      await button(reader, 'Unfollow').waitFor();

      // bo favourites and reblogs it from his feed, in place.
      await reader.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
      const post = reader.locator('li.post', { hasText: text });
      await post.waitFor();
      await inPlace(reader, js, async () => {
        await button(post, 'Favourite').click();
        await button(post, 'Unfavourite').waitFor();
        assert.match(await post.locator('[data-act="favourite"] .tally').innerText(), /^1\b/);
        await button(post, 'Reblog').click();
        await button(post, 'Undo reblog').waitFor();
      });
      if (js)
        assert.equal(await button(post, 'Undo reblog').evaluate((el) => el === document.activeElement), true, 'focus stays on the button');
      await audit(reader, 'home with reactions');

      // ada's unread count rises: a follow, a favourite, a reblog.
      await page.goto(`${url}/`);
      assert.equal(await unread(page), 3);
      await notificationsLink(page).click();
      await page.waitForURL(`${url}/notifications`);
      const items = page.locator('li.notification');
      assert.equal(await items.count(), 3);
      assert.match(await items.nth(0).innerText(), /reblogged your post/);
      assert.match(await items.nth(1).innerText(), /favourited your post/);
      assert.match(await items.nth(2).innerText(), /followed you/);
      await audit(page, 'notifications');
      await shot(page, 'notifications');
      await inPlace(page, js, async () => {
        await button(page, 'Mark all as read').click();
        await button(page, 'Mark all as read').waitFor({ state: 'detached' });
      });
      assert.equal(await unread(page), 0, 'the count is cleared');
      assert.equal(await page.locator('li.notification.unread').count(), 0);

      // bo replies from the post's page and sees the thread.
      await post.getByRole('link', { name: 'Reply', exact: true }).click();
      const box = field(reader, `Reply to @${ada}`);
      await box.waitFor();
      const answer = `Welcome, ${ada}! @${ada}`;
      await inPlace(reader, js, async () => {
        await box.fill(answer);
        await button(reader, 'Reply').click();
        await reader.getByRole('main').getByText('Your reply is posted.').waitFor();
      });
      const replies = reader.locator('ol.replies li.post');
      assert.equal(await replies.count(), 1);
      assert.match(await replies.first().innerText(), /Welcome/);
      assert.equal(await box.inputValue(), '', 'the box is empty again');
      await audit(reader, 'thread with a reply');
      await shot(reader, 'thread');

      // ada is told, and reads the thread.
      await page.goto(`${url}/`);
      assert.equal(await unread(page), 1);
      await notificationsLink(page).click();
      await page.getByText('replied to your post').waitFor();
      await page.getByRole('link', { name: 'Open the post' }).first().click();
      // The reply's page: her post above it, the reply itself, and a box to answer it.
      await page.locator('li.post.focal', { hasText: 'Welcome' }).waitFor();
      assert.match(await page.locator('ol.ancestors').innerText(), new RegExp(text));
      await field(page, `Reply to @${bo}`).waitFor();
      await audit(page, 'a reply with its thread');

      // ada edits her profile: a bio over 500 characters is refused beside the field first.
      await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
      await page.waitForURL(`${url}/settings`);
      await field(page, 'Display name').fill('Ada Lovelace');
      await field(page, 'Bio').fill('x'.repeat(501));
      await inPlace(page, js, async () => {
        await button(page, 'Save').click();
        await page.locator('#field-bio-error').waitFor();
      });
      assert.match(await page.locator('#field-bio-error').innerText(), /at most 500 characters/);
      assert.equal(await field(page, 'Display name').inputValue(), 'Ada Lovelace', 'what was typed is kept');
      if (js) assert.equal(await field(page, 'Bio').evaluate((el) => el === document.activeElement), true, 'focus on the field to fix');
      await audit(page, 'settings with a refused bio');
      await field(page, 'Bio').fill(`Counting machines. #${topic} and https://example.com/ada`);
      await inPlace(page, js, async () => {
        await button(page, 'Save').click();
        await page.getByRole('main').getByText('Profile saved.').waitFor();
      });
      await audit(page, 'settings');
      await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('heading', { name: 'Ada Lovelace', level: 1 }).waitFor();
      const bio = page.locator('p.bio');
      assert.equal(await bio.getByRole('link', { name: 'example.com/ada' }).getAttribute('href'), 'https://example.com/ada');
      await audit(page, 'profile with a bio');
      await shot(page, 'profile-bio');

      // The bio's tag leads to the tag page, which lists her post.
      await bio.getByRole('link', { name: `#${topic}` }).click();
      await page.waitForURL(`${url}/tags/${topic}`);
      await page.locator('li.post', { hasText: text }).waitFor();
      await audit(page, 'tag page');

      // ada blocks bo from his profile: the follow goes, and he cannot follow again.
      await page.goto(`${url}/u/${bo}`);
      await inPlace(page, js, async () => {
        await button(page, 'Block').click();
        await button(page, 'Unblock').waitFor();
      });
      if (js) assert.equal(await button(page, 'Unblock').evaluate((el) => el === document.activeElement), true, 'focus on the undo');
      await page.getByRole('main').getByText(`You block @${bo}.`).waitFor();
      await audit(page, 'profile, blocked');
      await shot(page, 'blocked');
      await reader.goto(`${url}/u/${ada}`);
      assert.equal(await button(reader, 'Follow').count(), 0, 'no Follow across a block');
      assert.equal(await button(reader, 'Unfollow').count(), 0, 'the follow is gone');
      await reader.goto(`${url}/`);
      assert.equal(await reader.locator('li.post', { hasText: text }).count(), 0, 'her posts leave his feed');

      assert.deepEqual(problems, [], 'no script errors or CSP violations');
    });
  }
});
