import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { audit, type Chorus, DESKTOP, launchChromium, openContext, PHONE, SCREENSHOT_DIR, type Setup, startChorus } from './harness.js';

/**
 * The administrators' status page in Chromium, on `chorus all` (the
 * embedded store): a member who is not an administrator gets the
 * not-found page; an administrator sees the store, the instances and the
 * charts, passes axe, and with scripts on the panel refreshes without a
 * page load. The desktop run saves the screenshot `admin.png`.
 */

const runs: Setup[] = [
  { name: 'desktop', javaScript: true, viewport: DESKTOP, colorScheme: 'light' },
  { name: 'phone-nojs', javaScript: false, viewport: PHONE, colorScheme: 'dark' },
];
const PASSWORD = 'correct horse battery';

async function signUp(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/signup`);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await page.waitForURL(`${url}/`);
}

describe('in Chromium: the status page /admin', { timeout: 300_000 }, () => {
  let chorus: Chorus;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  before(async () => {
    [chorus, browser] = await Promise.all([startChorus({ CHORUS_ADMINS: 'ops_desktop,ops_phone_nojs' }), launchChromium()]);
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await chorus?.stop();
  });

  for (const setup of runs) {
    it(`${setup.name}: only administrators see it; it passes axe${setup.javaScript ? ' and refreshes in place' : ''}`, async () => {
      const problems: string[] = [];
      const context = await openContext(browser, setup, problems);
      contexts.push(context);
      const page = await context.newPage();
      const suffix = setup.name.replace('-', '_');

      await signUp(page, chorus.url, `member_${suffix}`);
      const refused = await page.goto(`${chorus.url}/admin`);
      assert.equal(refused?.status(), 404);
      await page.getByRole('heading', { name: 'Not found' }).or(page.getByText('There is no page here.')).first().waitFor();
      await page.getByRole('button', { name: 'Log out' }).click();

      await signUp(page, chorus.url, `ops_${suffix}`);
      // Some traffic for the charts.
      for (const path of ['/', '/people', '/settings']) await page.goto(`${chorus.url}${path}`);
      const shown = await page.goto(`${chorus.url}/admin`);
      assert.equal(shown?.status(), 200);
      await page.getByRole('heading', { name: 'Store: embedded (SQLite)' }).waitFor();
      await page.getByRole('heading', { name: 'Services and web instances' }).waitFor();
      assert.equal(await page.getByRole('img', { name: /^Requests per minute: latest \d+\/min/ }).count(), 1);
      assert.equal(await page.getByRole('img', { name: /99th percentile latency/ }).count(), 1);
      assert.equal(await page.getByRole('row', { name: /^social / }).count(), 1);
      assert.equal(await page.getByRole('link', { name: 'Refresh' }).count(), 1);
      await audit(page, `the status page (${setup.name})`);

      if (setup.javaScript) {
        await page.evaluate('window.__chorusStayed = true');
        const before = await page.locator('#admin-panel time').getAttribute('datetime');
        let current = before;
        for (let waited = 0; current === before && waited < 20_000; waited += 500) {
          await sleep(500);
          current = await page.locator('#admin-panel time').getAttribute('datetime');
        }
        assert.notEqual(current, before, 'the panel was re-read');
        assert.equal(await page.evaluate('window.__chorusStayed === true'), true, 'refreshed without a page load');
        await audit(page, 'the status page after a refresh');
        // The whole page: the charts sit below the first screen.
        await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'admin.png'), fullPage: true });
      } else {
        await page.getByRole('link', { name: 'Refresh' }).click();
        await page.getByRole('heading', { name: 'Store: embedded (SQLite)' }).waitFor();
      }
      assert.deepEqual(problems, []);
    });
  }
});
