/**
 * What the browser tests stand on: a real Chorus (`chorus all` on the
 * embedded store, in its own process, on loopback), Debian's Chromium
 * driven by playwright-core, an accessibility audit with axe-core, and the
 * screenshots the README shows.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { findFreePort } from '../../src/supervisor/ports.js';
import { httpReady, spawnSupervised } from '../../src/supervisor/supervised-process.js';

const mainScript = fileURLToPath(new URL('../../src/cmd/main.js', import.meta.url));
/**
 * Named in the README. Every run rewrites these files, so by default they
 * go to screenshots/ (not committed); CHORUS_SCREENSHOT_DIR=docs/screenshots
 * refreshes the copies the README shows.
 */
export const SCREENSHOT_DIR = path.resolve(
  process.env.CHORUS_SCREENSHOT_DIR ?? fileURLToPath(new URL('../../../screenshots/', import.meta.url)),
);
export const CHROMIUM = '/usr/bin/chromium';

export interface Chorus {
  url: string;
  stop(): Promise<void>;
}

/** `chorus all` with a fresh data directory and free loopback ports; resolves once /readyz says ready. */
export async function startChorus(env: Record<string, string> = {}): Promise<Chorus> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-browser-'));
  const [port, authPort, socialPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  const child = spawnSupervised({
    name: 'chorus all',
    command: process.execPath,
    args: [mainScript, 'all'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      // Admin listeners (/metrics) on free ports: fixed defaults would collide between processes.
      CHORUS_ADMIN_PORT: '0',
      CHORUS_AUTH_PORT: String(authPort),
      CHORUS_SOCIAL_PORT: String(socialPort),
      DATA_DIR: dataDir,
      CHORUS_LOG_LEVEL: 'warn',
      CHORUS_SHUTDOWN_GRACE_MS: '1000',
      // Every browser here is 127.0.0.1: the per-address limits would stop the test itself.
      CHORUS_RATE_SIGNUP_PER_IP: '10000/1800',
      CHORUS_RATE_LOGIN_PER_IP: '10000/300',
      ...env,
    },
  });
  const stop = async () => {
    await child.stop({ graceMs: 10_000 });
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await child.waitReady(httpReady(`${url}/readyz`), { what: '/readyz' });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** Chromium as the brief installs it; waits a while if apt is still putting it in place. */
export async function launchChromium(): Promise<Browser> {
  for (let waited = 0; !existsSync(CHROMIUM) && waited < 120_000; waited += 2_000) {
    await sleep(2_000);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export interface Setup {
  javaScript: boolean;
  viewport: typeof PHONE;
  colorScheme: 'light' | 'dark';
  name: string;
}

/**
 * A context as the setup says, whose pages fail the test on any script
 * error or Content-Security-Policy violation (the console is where
 * Chromium reports both).
 */
const withoutScripts = new WeakSet<BrowserContext>();

export async function openContext(browser: Browser, setup: Setup, problems: string[]): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: setup.javaScript,
    viewport: setup.viewport,
    colorScheme: setup.colorScheme,
    isMobile: setup.viewport === PHONE,
    hasTouch: setup.viewport === PHONE,
    reducedMotion: 'reduce',
  });
  // Generous: the suite shares two cores with etcd clusters and the other tests, and a slow step is not a failure.
  context.setDefaultTimeout(60_000);
  context.on('page', (page) => watch(page, problems));
  if (!setup.javaScript) withoutScripts.add(context);
  return context;
}

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx page as a failed resource; the tests cause those on purpose.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
    if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())) {
      problems.push(`console ${message.type()} on ${page.url()}: ${message.text()}`);
    }
  });
}

const axeSource: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/**
 * Runs axe-core on the page and fails on serious or critical violations.
 * The source is evaluated through the DevTools protocol, which the page's
 * CSP does not govern, so the audit sees the page exactly as served.
 *
 * axe needs timers, which a page without JavaScript does not run; such a
 * page is audited as a copy in a JavaScript-enabled page of the same size
 * and scheme, loaded over a same-origin document whose CSP (script-src
 * 'none') keeps our own script out, so the copy is still the no-script page.
 */
export async function audit(page: Page, what: string): Promise<void> {
  let target = page;
  if (withoutScripts.has(page.context())) {
    target = await auditPageLike(page);
    const origin = new URL(page.url()).origin;
    await target.goto(`${origin}/healthz`);
    await target.setContent(await page.content());
  }
  if (!(await target.evaluate('typeof window.axe === "object"'))) await target.evaluate(axeSource);
  // The WCAG 2.1 A and AA rules: what "accessible" is measured against (axe's best-practice extras are left out).
  const violations = (await target.evaluate(`axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }).then((r) =>
    r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)) as string[];
  assert.deepEqual(violations, [], `axe on ${what} (${page.url()})`);
}

const auditPages = new WeakMap<BrowserContext, Page>();

async function auditPageLike(page: Page): Promise<Page> {
  const context = page.context();
  let auditPage = auditPages.get(context);
  if (!auditPage) {
    const browser = context.browser()!;
    const viewport = page.viewportSize() ?? undefined;
    const dark = await page.evaluate('matchMedia("(prefers-color-scheme: dark)").matches');
    const copy = await browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light', reducedMotion: 'reduce' });
    context.on('close', () => void copy.close().catch(() => {}));
    auditPage = await copy.newPage();
    auditPages.set(context, auditPage);
  }
  return auditPage;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}
