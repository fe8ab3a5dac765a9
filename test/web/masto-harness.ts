/**
 * The web app over real in-process services (web-harness.ts), listening on
 * a loopback port so the client libraries can talk to it as to any
 * Mastodon server: masto.js clients per user, megalodon, and a few helpers
 * the issue 11 API tests share.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createRestAPIClient, type mastodon } from 'masto';
import { type Keyspace, keyspace } from '../../src/kv/keys.js';
import type { SocialService } from '../../src/services/social/social-service.js';
import { api, type Harness, openHarness, type ReadPath, signUp, testClient } from './web-harness.js';

export interface MastoHarness {
  h: Harness;
  /** The in-process service, to check what was (not) written. */
  social: SocialService;
  /** The store's key layout, for keyCounts. */
  keys: Keyspace;
  url: string;
  /** Each user's token, by username, as signed up. */
  tokens: Map<string, string>;
  /** Signs `username` up (once) and answers a masto.js client with their token. */
  as(username: string): Promise<mastodon.rest.Client>;
  close(): Promise<void>;
}

export async function openMastoHarness(reads: ReadPath): Promise<MastoHarness> {
  const h = await openHarness({ reads });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(h.app.server!.address() as AddressInfo).port}`;
  const tokens = new Map<string, string>();
  return {
    h,
    social: h.social,
    keys: keyspace(),
    url,
    tokens,
    async as(username) {
      let token = tokens.get(username);
      if (token === undefined) {
        token = await signUp(h.app, username);
        tokens.set(username, token);
      }
      return createRestAPIClient({ url, accessToken: token });
    },
    close: () => h.close(),
  };
}

/** A password-grant token for `username` with only `scope`, through the harness's registered app. */
export async function scopedToken(h: Harness, username: string, scope: string): Promise<string> {
  const { clientId, clientSecret } = await testClient(h.app);
  const reply = await api(h.app, 'POST', '/oauth/token', {
    json: { grant_type: 'password', client_id: clientId, client_secret: clientSecret, username, password: 'correct horse', scope },
  });
  assert.equal(reply.status, 200, reply.text);
  return reply.body.access_token;
}

/** That the masto.js call fails with this HTTP status (and Mastodon's `{"error"}` message). */
export async function refused(call: PromiseLike<unknown>, status: number): Promise<void> {
  await assert.rejects(Promise.resolve(call), (error: { statusCode?: number; message?: string }) => {
    assert.equal(error.statusCode, status, `expected HTTP ${status}, got ${error.statusCode}: ${error.message}`);
    assert.ok(typeof error.message === 'string' && error.message !== '', 'Mastodon answers an error message');
    return true;
  });
}

/** Every page of a masto.js paginator, bounded; answers the pages' ids. */
export async function pagesOf<T extends { id: string }>(paginator: AsyncIterable<T[]>, most = 20): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of paginator) {
    pages.push(page.map((item) => item.id));
    assert.ok(pages.length <= most, `the paginator ends within ${most} pages`);
  }
  return pages;
}

/** Follows a list's Link `next` URLs from `path` (through inject, with `token`), bounded; answers each page's ids. */
export async function linkPages(h: Harness, path: string, token?: string, most = 20): Promise<string[][]> {
  const pages: string[][] = [];
  for (let next: string | undefined = path; next !== undefined; ) {
    const reply = await api(h.app, 'GET', next, { token });
    assert.equal(reply.status, 200, reply.text);
    pages.push((reply.body as Array<{ id: string }>).map((item) => item.id));
    assert.ok(pages.length <= most, `the Link header ends within ${most} pages`);
    const match = /<([^>]+)>; rel="next"/.exec(String(reply.headers.link ?? ''));
    next = match ? new URL(match[1]!).pathname + new URL(match[1]!).search : undefined;
  }
  return pages;
}

/** How many keys the store holds under each prefix: taken before and after a refused request, they must not change. */
export function keyCounts(m: MastoHarness, prefixes: readonly string[]): Promise<number[]> {
  return Promise.all(prefixes.map((prefix) => m.h.kv.count(prefix)));
}
