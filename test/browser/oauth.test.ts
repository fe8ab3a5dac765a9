import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import { register, registerApp } from '../helpers/http.js';
import { audit, type Chorus, DESKTOP, launchChromium, openContext, PHONE, startChorus } from './harness.js';

const PASSWORD = 'correct horse battery';

/**
 * The OAuth 2 authorization-code flow with PKCE as a person goes through
 * it in a real browser: an app sends them to /oauth/authorize, they log
 * in, see the app and the scopes, and authorize or deny; the browser
 * follows the redirect to the app. Chromium holds that redirect to the
 * page's form-action policy, which inject-based tests cannot see.
 */
describe('in Chromium: authorizing an app with OAuth 2 and PKCE', { timeout: 240_000 }, () => {
  let chorus: Chorus;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let app: { client_id: string; client_secret: string };
  let callback: string;
  let appSite: Server;

  before(async () => {
    [chorus, browser] = await Promise.all([startChorus(), launchChromium()]);
    // The app's own site on another origin (another loopback port), as a
    // real app's redirect URI is: the browser must be let through to it.
    appSite = createServer((_request, response) => response.end('the app got the answer'));
    await new Promise<void>((resolve) => appSite.listen(0, '127.0.0.1', resolve));
    callback = `http://127.0.0.1:${(appSite.address() as AddressInfo).port}/callback`;
    const signUp = await register(chorus.url, await registerApp(chorus.url), 'oauth_person', PASSWORD);
    assert.equal(signUp.status, 200);
    const registered = await fetch(`${chorus.url}/api/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser Test App', redirect_uris: callback, scopes: 'read write follow' }),
    });
    assert.equal(registered.status, 200);
    app = (await registered.json()) as typeof app;
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await chorus?.stop();
    appSite?.close();
  });

  const authorizeUrl = (challenge: string, state: string) =>
    `${chorus.url}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: callback,
      scope: 'read write',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;

  for (const javaScript of [true, false]) {
    it(`logs in, authorizes, and the app exchanges the code (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
      const problems: string[] = [];
      const context = await openContext(
        browser,
        { javaScript, viewport: javaScript ? DESKTOP : PHONE, colorScheme: javaScript ? 'light' : 'dark', name: 'oauth' },
        problems,
      );
      contexts.push(context);
      const page = await context.newPage();
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const state = randomBytes(8).toString('hex');

      await page.goto(authorizeUrl(challenge, state));
      await page.getByLabel('Username').fill('oauth_person');
      await page.getByLabel('Password').fill(PASSWORD);
      await audit(page, 'the OAuth log-in page');
      await page.getByRole('button', { name: 'Log in' }).click();

      await page.getByRole('button', { name: 'Authorize' }).waitFor();
      assert.match(await page.locator('main').innerText(), /Browser Test App/);
      assert.match(await page.locator('main').innerText(), /write/);
      await audit(page, 'the authorize page');
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL((url) => url.href.startsWith(callback));

      const landed = new URL(page.url());
      assert.equal(landed.searchParams.get('state'), state);
      const code = landed.searchParams.get('code');
      assert.ok(code, `no code in ${page.url()}`);
      const exchange = (codeVerifier: string) =>
        fetch(`${chorus.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grant_type: 'authorization_code',
            code,
            redirect_uri: callback,
            client_id: app.client_id,
            client_secret: app.client_secret,
            code_verifier: codeVerifier,
          }),
        });
      const wrong = await exchange(randomBytes(32).toString('base64url'));
      assert.equal(wrong.status, 400, 'a wrong verifier is refused');
      const token = await exchange(verifier);
      assert.equal(token.status, 200);
      const { access_token: accessToken, scope } = (await token.json()) as { access_token: string; scope: string };
      assert.equal(scope, 'read write');
      const verified = await fetch(`${chorus.url}/api/v1/apps/verify_credentials`, { headers: { authorization: `Bearer ${accessToken}` } });
      assert.equal(((await verified.json()) as { name: string }).name, 'Browser Test App');
      assert.equal((await exchange(verifier)).status, 400, 'a code works once');

      assert.deepEqual(problems, [], 'no script errors or CSP violations, the redirect to the app included');
    });
  }

  it('denying sends the person back to the app with access_denied', async () => {
    const problems: string[] = [];
    const context = await openContext(browser, { javaScript: true, viewport: DESKTOP, colorScheme: 'light', name: 'oauth' }, problems);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(authorizeUrl(createHash('sha256').update('v'.repeat(43)).digest('base64url'), 'deny-state'));
    await page.getByLabel('Username').fill('oauth_person');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(callback));
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('state'), 'deny-state');
    assert.equal(landed.searchParams.get('code'), null);
    assert.deepEqual(problems, []);
  });
});
