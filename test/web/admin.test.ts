import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RequestStats } from '../../src/web/admin/request-stats.js';
import { Browser, type Harness, openHarness, readPaths, signedUpBrowser } from './web-harness.js';

const mainOf = (body: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? '';

for (const reads of readPaths)
  describe(`the status page /admin on the embedded store (reads from the ${reads})`, () => {
    let h: Harness;
    let dir: string;
    let clock = Date.UTC(2026, 0, 1, 12, 0);
    const requestStats = new RequestStats(() => clock);
    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-admin-'));
      h = await openHarness({ reads, admins: ['root_admin'], storePath: path.join(dir, 'chorus.sqlite'), requestStats });
    });
    after(async () => {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is not found for visitors and for members who are not administrators', async () => {
      const anonymous = await new Browser(h.app).get('/admin');
      assert.equal(anonymous.status, 404);
      assert.match(anonymous.body, /There is no page here/);
      const member = await signedUpBrowser(h.app, 'just_member');
      for (const url of ['/admin', '/admin/panel']) {
        const reply = await member.get(url);
        assert.equal(reply.status, 404, url);
        assert.doesNotMatch(reply.body, /Store:|Requests to this web/, url);
      }
      assert.equal((await new Browser(h.app).get('/admin/panel')).status, 404);
    });

    it('shows an administrator the SQLite file, its WAL, the instances, the read model lag and the request charts', async () => {
      const admin = await signedUpBrowser(h.app, 'root_admin');
      await admin.get('/');
      clock += 60_000;
      await admin.get('/no-such-page');
      const reply = await admin.get('/admin');
      assert.equal(reply.status, 200);
      const main = mainOf(reply.body);
      assert.match(main, /Store: embedded \(SQLite\)/);
      assert.match(main, new RegExp(`<code>${path.join(dir, 'chorus.sqlite').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}</code>`));
      assert.match(main, /Write-ahead log<\/dt><dd>\d+(\.\d)? (B|KiB|MiB)<\/dd>/);
      assert.doesNotMatch(main, /Write-ahead log<\/dt><dd>0 B/, 'the WAL holds the sign-ups');
      assert.match(main, /<th scope="row">web<\/th><td>in process<\/td><td>ready<\/td><td>test<\/td><td>1 min<\/td>/);
      assert.match(main, reads === 'view' ? /Read model lag: \d+ revisions? behind the store/ : /Read model lag: unknown/);
      assert.equal((main.match(/<svg [^>]*role="img"/g) ?? []).length, 4, 'four charts');
      // The minute before had the sign-up's requests; this minute so far the 404 (not an error: 4xx).
      assert.match(main, /Requests per minute<\/strong>: latest 1\/min, highest \d+\/min/);
      assert.match(main, /Server errors \(5xx\) per minute<\/strong>: latest 0\/min/);
      assert.match(main, /<a href="\/admin">Refresh<\/a>/);
      assert.match(main, /data-admin-refresh="\/admin\/panel"/);
      assert.doesNotMatch(reply.body, /\sstyle=|\son[a-z]+=/i);
    });

    it('serves the panel alone for the page script to swap in', async () => {
      const admin = new Browser(h.app);
      await admin.submit('/login', '/login', { username: 'root_admin', password: 'correct horse' });
      const reply = await admin.get('/admin/panel');
      assert.equal(reply.status, 200);
      assert.doesNotMatch(reply.body, /<html|<main/);
      assert.match(reply.body, /Store: embedded/);
      assert.match(reply.body, /Requests per minute/);
    });
  });
