import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { logIn as apiLogIn, registerApp } from '../helpers/http.js';
import {
  audit as auditPage,
  type Chorus,
  DESKTOP,
  launchChromium,
  openContext,
  PHONE,
  type Setup,
  screenshot,
  startChorus,
} from './harness.js';

/**
 * A person's day on Chorus in a real Chromium: with JavaScript on and off,
 * at phone and desktop widths (the phone in the dark scheme). With
 * JavaScript on, posting, following, deleting, revoking and "Older posts"
 * must happen without a page load; with it off, the same steps work as
 * plain forms and links.
 *
 * Two runs do everything: scripts on at desktop width and scripts off at
 * phone width, so every step is seen with and without scripts and at both
 * widths. The other two corners of the grid run the core of it (sign up,
 * log out and in, post, follow from a profile, read the feed, unfollow,
 * delete) and leave out the password and session steps, whose pages do not
 * change with the width, to keep the suite's time down. The four runs go
 * at once (each with its own accounts): much of a step is waiting on the
 * server or the browser.
 */

interface Run extends Setup {
  /** Also: sign-up errors, people search, Older posts, sessions, password change, log out everywhere. */
  full: boolean;
}

const runs: Run[] = [
  { name: 'desktop', javaScript: true, viewport: DESKTOP, colorScheme: 'light', full: true },
  { name: 'phone', javaScript: true, viewport: PHONE, colorScheme: 'dark', full: false },
  { name: 'phone-nojs', javaScript: false, viewport: PHONE, colorScheme: 'light', full: true },
  { name: 'desktop-nojs', javaScript: false, viewport: DESKTOP, colorScheme: 'light', full: false },
];

/** The page's own document, inside evaluate callbacks (this project compiles without the DOM library). */
declare const document: { activeElement: unknown };

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple battery horse';
/** Screenshots come from these two runs: the README shows one of each. */
const SHOTS: Record<string, string> = { desktop: 'desktop', phone: 'phone-dark' };

/** Fails later if the page was reloaded or left in between (a new document has no marker). */
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
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/signup`);
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(PASSWORD);
  await button(page, 'Sign up').click();
  await page.waitForURL(`${url}/`);
}

async function logIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await field(page, 'Username').fill(username);
  await field(page, 'Password').fill(password);
  await button(page, 'Log in').click();
  await page.waitForURL(`${url}/`);
  await page.getByRole('button', { name: 'Post', exact: true }).waitFor();
}

async function isLoggedOut(page: Page, url: string): Promise<boolean> {
  await page.goto(`${url}/`);
  return (await page.getByRole('heading', { name: 'Welcome to Chorus' }).count()) === 1;
}

/** Posts through the Mastodon API (an app's password grant), to fill a feed past one page quickly. */
async function seedPosts(url: string, username: string, count: number): Promise<void> {
  const app = await registerApp(url, 'Seeder');
  const login = await apiLogIn(url, app, username, PASSWORD);
  assert.equal(login.status, 200);
  const token = login.body.access_token as string;
  for (let i = 0; i < count; i++) {
    const reply = await fetch(`${url}/api/v1/statuses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ status: `Earlier thought number ${i}` }),
    });
    assert.equal(reply.status, 200);
  }
}

describe('in Chromium: sign up, post, follow, read, unfollow, delete, change password, log out everywhere', {
  timeout: 480_000,
  concurrency: 4,
}, () => {
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
    const what = `${setup.javaScript ? 'with' : 'without'} JavaScript at ${setup.viewport.width}×${setup.viewport.height} (${setup.colorScheme})`;
    it(setup.full ? `${what}, every step` : `${what}, the core steps`, async () => {
      const { full } = setup;
      const { url } = chorus;
      const js = setup.javaScript;
      const shots = SHOTS[setup.name];
      const shot = async (page: Page, name: string) => {
        if (shots) await screenshot(page, `${shots}-${name}`);
      };
      const problems: string[] = [];
      const open = async () => {
        const context = await openContext(browser, setup, problems);
        contexts.push(context);
        return context.newPage();
      };
      const tag = setup.name.replace('-', '_');
      // Without scripts the markup is the same but for the composer's count, so the audit runs where scripts do:
      // every page at desktop width in the light scheme, the main ones at phone width in the dark one.
      const audit = js ? auditPage : async () => {};
      const ada = `ada_${tag}`;
      const bo = `bo_${tag}`;

      // A visitor: the welcome page, then a sign-up that goes wrong first.
      const page = await open();
      await page.goto(`${url}/`);
      await page.getByRole('heading', { name: 'Welcome to Chorus' }).waitFor();
      await audit(page, 'welcome');
      await shot(page, 'welcome');
      await page.getByRole('main').getByRole('link', { name: 'Sign up' }).click();
      await page.waitForURL(`${url}/signup`);
      if (full) {
        await field(page, 'Username').fill('not a name!');
        await field(page, 'Password').fill('short');
        await button(page, 'Sign up').click();
        await page.locator('#field-username-error').waitFor();
        assert.match(await page.locator('#field-password-error').innerText(), /8 to 256 characters/);
        assert.equal(await field(page, 'Username').inputValue(), 'not a name!', 'what was typed is kept');
        assert.equal(await field(page, 'Password').inputValue(), '', 'never the password');
        await audit(page, 'sign-up with errors');
      }
      await field(page, 'Username').fill(ada);
      await field(page, 'Password').fill(PASSWORD);
      await button(page, 'Sign up').click();
      await page.waitForURL(`${url}/`);
      const empty = page.getByRole('link', { name: 'Follow people to fill your feed' });
      await empty.waitFor();
      assert.equal(await empty.getAttribute('href'), '/people');
      if (full) await audit(page, 'empty home');

      // Log out and back in.
      await button(page, 'Log out').click();
      await page.getByRole('heading', { name: 'Welcome to Chorus' }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Log in' }).click();
      await page.waitForURL(`${url}/login`);
      if (full) await audit(page, 'log-in');
      await logIn(page, url, ada, PASSWORD);

      // Posting: with the keyboard alone on desktop. The composer counts down and refuses more than 280.
      // A full run needs more than a feed page (20) for "Older posts".
      const seeded = full ? 21 : 3;
      await seedPosts(url, ada, seeded);
      const composer = page.getByLabel(`What's happening, @${ada}?`);
      if (js) {
        await composer.fill('x'.repeat(281));
        assert.equal(await page.locator('#composer-count').innerText(), '1 character too many');
        assert.equal(await button(page, 'Post').isDisabled(), true);
        await composer.fill('');
        assert.equal(await page.locator('#composer-count').innerText(), '280 characters left');
      }
      const text = `Hello from ${ada} <b>not bold</b>`;
      await inPlace(page, js, async () => {
        if (setup.viewport === DESKTOP) {
          for (let tabs = 0; tabs < 20 && !(await composer.evaluate((el) => el === document.activeElement)); tabs++) {
            await page.keyboard.press('Tab');
          }
          assert.equal(await composer.evaluate((el) => el === document.activeElement), true, 'Tab reaches the composer');
          await page.keyboard.type(text);
          if (js) assert.equal(await page.locator('#composer-count').innerText(), `${280 - text.length} characters left`);
          await page.keyboard.press('Tab');
          assert.equal(await button(page, 'Post').evaluate((el) => el === document.activeElement), true, 'then the Post button');
          await page.keyboard.press('Enter');
        } else {
          await composer.fill(text);
          await button(page, 'Post').click();
        }
        await page.getByRole('main').getByText('Your post is live.').waitFor();
      });
      assert.equal(await composer.inputValue(), '', 'the composer is empty again');
      if (js) assert.equal(await composer.evaluate((el) => el === document.activeElement), true, 'focus stays in the composer');

      // Someone else finds ada in the directory, follows her from her profile, and reads her in the feed.
      const reader = await open();
      await signUp(reader, url, bo);
      if (full) {
        await reader.getByRole('navigation').getByRole('link', { name: 'People' }).click();
        await field(reader, 'Username starts with').fill(ada.slice(0, 6));
        await reader.getByRole('button', { name: 'Search' }).click();
        const found = reader.getByRole('link', { name: `@${ada}`, exact: true });
        await found.waitFor();
        await audit(reader, 'people search');
        await shot(reader, 'people');
        await found.click();
      } else {
        await reader.goto(`${url}/u/${ada}`);
      }
      await reader.waitForURL(`${url}/u/${ada}`);
      await audit(reader, 'profile');
      await inPlace(reader, js, async () => {
        await button(reader, 'Follow').click();
        await button(reader, 'Unfollow').waitFor();
      });
      assert.match(await reader.locator('.counts').innerText(), /1 follower\b/);
      await shot(reader, 'profile');
      await reader.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
      const first = reader.locator('li.post').first();
      await first.waitFor();
      assert.equal(await first.locator('.text').innerText(), text, 'the newest post first, markup shown as text');
      const time = first.locator('time');
      assert.match(await time.innerText(), /^(just now|\d+ min ago)$/, 'a relative time (a loaded machine may take minutes to get here)');
      assert.match((await time.getAttribute('title')) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      assert.match((await time.getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT/);
      assert.equal(await reader.locator('li.post').count(), Math.min(20, seeded + 1));
      await audit(reader, 'home feed');
      await shot(reader, 'home');
      if (full) {
        await inPlace(reader, js, async () => {
          await reader.getByRole('link', { name: 'Older posts' }).click();
          await reader.getByText('Earlier thought number 0', { exact: true }).waitFor();
        });
        if (js) assert.equal(await reader.locator('li.post').count(), seeded + 1, 'the next page joins the list in place');
        else assert.match(reader.url(), /\?cursor=/);
      }

      // Unfollowing empties the feed again.
      await reader.goto(`${url}/u/${ada}`);
      await inPlace(reader, js, async () => {
        await button(reader, 'Unfollow').click();
        await button(reader, 'Follow').waitFor();
      });
      await reader.goto(`${url}/`);
      await reader.getByRole('link', { name: 'Follow people to fill your feed' }).waitFor();

      // ada deletes her post from her profile.
      await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
      await page.waitForURL(`${url}/u/${ada}`);
      const mine = page.locator('li.post', { hasText: text });
      await inPlace(page, js, async () => {
        await mine.getByRole('button', { name: 'Delete' }).click();
        await mine.waitFor({ state: 'detached' });
      });
      const newest = `Earlier thought number ${seeded - 1}`;
      assert.equal(await page.locator('li.post').first().locator('.text').innerText(), newest, 'only that post went');
      if (!full) {
        // The settings page, for its audit and picture at this width; its steps run in the full runs.
        await page.goto(`${url}/settings`);
        await audit(page, 'settings');
        await shot(page, 'settings');
        assert.deepEqual(problems, [], 'no script errors or CSP violations');
        return;
      }

      // A second device; the settings page lists both (and the API session), and revokes one.
      const laptop = await open();
      await logIn(laptop, url, ada, PASSWORD);
      await page.goto(`${url}/settings`);
      assert.equal(await page.locator('ul.sessions > li').count(), 3);
      assert.equal(await page.getByText('This device').count(), 1);
      await audit(page, 'settings');
      await shot(page, 'settings');
      await inPlace(page, js, async () => {
        await button(page, 'Revoke').last().click();
        await page.getByRole('main').getByText('That session has ended.').waitFor();
      });
      assert.equal(await page.locator('ul.sessions > li').count(), 2);

      // Changing the password logs the other device out; logging out everywhere ends this one too.
      await field(page, 'Current password').fill(PASSWORD);
      await field(page, 'New password').fill(NEW_PASSWORD);
      await button(page, 'Change password').click();
      await page.getByRole('main').getByText('Password changed.').waitFor();
      assert.equal(await isLoggedOut(laptop, url), true, 'the other device is logged out');
      await logIn(laptop, url, ada, NEW_PASSWORD);
      await page.goto(`${url}/settings`);
      await button(page, 'Log out everywhere').click();
      await page.getByRole('heading', { name: 'Welcome to Chorus' }).waitFor();
      assert.equal(await isLoggedOut(laptop, url), true, 'log out everywhere reaches the other device');
      await logIn(page, url, ada, NEW_PASSWORD);

      await page.goto(`${url}/u/nobody_here`);
      await audit(page, 'not found');
      assert.deepEqual(problems, [], 'no script errors or CSP violations');
    });
  }
});
