/**
 * Checks through the Mastodon client API that what was bulk-loaded is what
 * the services serve, before anything is measured: an account's counts and
 * every one of its statuses, a home timeline's first page, a log-in with the
 * shared password. Also probes each request
 * kind once, so a broken endpoint fails with its status and body rather
 * than as an anonymous error count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId, statusId } from '../src/domain/mastodon-ids.js';
import type { BenchUser, Workload } from './load-spec.js';

export interface ProfileCheck {
  username: string;
  token: string;
  followers: number;
  following: number;
  posts: number;
  /** The author's newest post id, as generated ('' when none). */
  newestId: string;
  /** false after measured writes: counts may only have grown (posts) or drifted (mix follows). */
  exact: boolean;
}

export interface FeedCheck {
  username: string;
  token: string;
  /** The newest post id among the followees, as generated. */
  newestId: string;
  /** How many items the first page must hold: min(20, posts by followees). */
  items: number;
  /**
   * exact: as generated. newer: measured posts may have arrived (the first
   * status may be newer, the count the same). shape: measured follows may
   * have changed whom the user follows, so only the order is checked.
   */
  mode: 'exact' | 'newer' | 'shape';
}

/** The Mastodon client API's app for the bench's log-in check (POST /api/v1/apps). */
export interface BenchApp {
  clientId: string;
  clientSecret: string;
}

const SCOPES = 'read write follow';
/** Pages of an author's statuses read at most: past this only order and the first page are checked. */
const MAX_STATUS_PAGES = 50;
const STATUS_PAGE = 40;

interface Answer {
  status: number;
  body: string;
  link: string | null;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text(), link: response.headers.get('link') };
}

function fail(what: string, detail: string): never {
  throw new Error(`load verification failed: ${what}: ${detail}`);
}

function json(what: string, url: string, init: RequestInit = {}, expected = 200): Promise<unknown> {
  return call(url, init).then(({ status, body }) => {
    if (status !== expected) fail(what, `HTTP ${status} ${body.slice(0, 300)}`);
    return JSON.parse(body) as unknown;
  });
}

/** The absolute URL of rel="next" in a Link header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /^\s*<([^>]+)>\s*;\s*rel="next"\s*$/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/** Status ids are 27-digit decimal strings: newer is greater, and equal length makes text order numeric order. */
function assertNewestFirst(what: string, ids: string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i - 1]!.length !== ids[i]!.length || ids[i - 1]! <= ids[i]!)
      fail(what, `statuses are not newest first: ${ids[i - 1]} then ${ids[i]}`);
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * The account's counts through GET /api/v1/accounts/lookup (the account
 * entity is the same as GET /api/v1/accounts/:id's, which the profiles
 * scenario measures and `probe` checks), then every status of the author
 * through GET /api/v1/accounts/:id/statuses, following the Link header.
 */
export async function checkProfile(baseUrl: string, check: ProfileCheck): Promise<void> {
  const what = `profile of ${check.username}`;
  const account = (await json(what, `${baseUrl}/api/v1/accounts/lookup?acct=${encodeURIComponent(check.username)}`, {
    headers: bearer(check.token),
  })) as {
    id: string;
    username: string;
    followers_count: number;
    following_count: number;
    statuses_count: number;
  };
  if (account.id !== accountId(check.username) || account.username !== check.username) {
    fail(what, `expected account ${accountId(check.username)} (${check.username}), got ${account.id} (${account.username})`);
  }
  const ok = check.exact
    ? account.followers_count === check.followers && account.following_count === check.following && account.statuses_count === check.posts
    : account.statuses_count >= check.posts;
  if (!ok) fail(what, `expected ${JSON.stringify({ ...check, token: undefined })}, got ${JSON.stringify(account)}`);

  const statusesWhat = `statuses of ${check.username}`;
  let url: string | undefined = `${baseUrl}/api/v1/accounts/${account.id}/statuses?limit=${STATUS_PAGE}`;
  const ids: string[] = [];
  let pages = 0;
  while (url !== undefined && pages < MAX_STATUS_PAGES) {
    const answer = await call(url, { headers: bearer(check.token) });
    if (answer.status !== 200) fail(statusesWhat, `HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
    const page = JSON.parse(answer.body) as { id: string; account: { id: string } }[];
    if (page.length > STATUS_PAGE) fail(statusesWhat, `${page.length} statuses on a page of ${STATUS_PAGE}`);
    for (const status of page) {
      if (status.account.id !== account.id) fail(statusesWhat, `status ${status.id} is by account ${status.account.id}`);
      ids.push(status.id);
    }
    pages++;
    const next = nextLink(answer.link);
    if (next !== undefined && !next.startsWith(baseUrl)) fail(statusesWhat, `Link next is not on the server: ${next}`);
    url = page.length === 0 ? undefined : next;
  }
  assertNewestFirst(statusesWhat, ids);
  if (new Set(ids).size !== ids.length) fail(statusesWhat, 'a status appears twice while paging');
  const newest = check.newestId === '' ? undefined : statusId(check.newestId);
  if (check.exact && ids[0] !== newest) fail(statusesWhat, `expected the newest to be ${newest}, got ${ids[0]}`);
  if (!check.exact && newest !== undefined && (ids[0] === undefined || ids[0] < newest)) {
    fail(statusesWhat, `expected the newest to be ${newest} or newer, got ${ids[0]}`);
  }
  if (url === undefined) {
    // Read to the end: every status is there.
    if (check.exact ? ids.length !== check.posts : ids.length < check.posts) {
      fail(statusesWhat, `expected ${check.posts} statuses, read ${ids.length} in ${pages} pages`);
    }
  }
}

export async function checkFeed(baseUrl: string, check: FeedCheck): Promise<void> {
  const what = `home timeline of ${check.username}`;
  const statuses = (await json(what, `${baseUrl}/api/v1/timelines/home?limit=20`, { headers: bearer(check.token) })) as { id: string }[];
  const newest = check.newestId === '' ? '' : statusId(check.newestId);
  const first = statuses[0]?.id ?? '';
  const newestOk =
    check.mode === 'exact'
      ? first === newest
      : check.mode === 'shape' || (first !== '' && first.length === newest.length && first >= newest);
  if (!newestOk || (check.mode !== 'shape' && statuses.length !== check.items)) {
    fail(what, `expected ${check.items} statuses starting at ${newest}, got ${statuses.length} starting at ${first}`);
  }
  assertNewestFirst(
    what,
    statuses.map((s) => s.id),
  );
}

/** Registers the app the log-in check uses, as a Mastodon client would. */
export async function registerApp(baseUrl: string): Promise<BenchApp> {
  const app = (await json('app registration', `${baseUrl}/api/v1/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'chorus bench', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: SCOPES }),
  })) as { client_id: string; client_secret: string };
  return { clientId: app.client_id, clientSecret: app.client_secret };
}

/** A log-in with the shared password (OAuth password grant), then the token is used once and revoked. */
export async function checkLogin(baseUrl: string, app: BenchApp, username: string, password: string): Promise<void> {
  const what = `login as ${username}`;
  const token = (await json(what, `${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'password',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      username,
      password,
      scope: SCOPES,
    }),
  })) as { access_token: string };
  const me = (await json(what, `${baseUrl}/api/v1/accounts/verify_credentials`, { headers: bearer(token.access_token) })) as {
    username: string;
  };
  if (me.username !== username) fail(what, `the token is ${me.username}'s`);
  await json(what, `${baseUrl}/oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, token: token.access_token }),
  });
}

/** Retries `check` for up to timeoutMs: after a restart the web tier's channel takes a moment to reconnect. */
export async function eventually(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** One request of each kind the workload sends; throws on anything but 2xx (and on a profile of the wrong account). */
export async function probe(baseUrl: string, workload: Workload, users: BenchUser[], statusIds: string[] = []): Promise<void> {
  const [a, b] = [users[0]!, users[1] ?? users[0]!];
  const auth = bearer(a.token);
  const requests: [string, string, RequestInit][] = [];
  if (workload === 'feed' || workload === 'mix') requests.push(['home timeline', '/api/v1/timelines/home?limit=20', { headers: auth }]);
  if (workload === 'profiles' || workload === 'mix') requests.push(['profile', `/api/v1/accounts/${b.accountId}`, { headers: auth }]);
  if (workload === 'posts' || workload === 'mix') {
    requests.push([
      'post',
      '/api/v1/statuses',
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-probe-${workload}` },
        body: JSON.stringify({ status: 'bench probe' }),
      },
    ]);
  }
  if (workload === 'mix' && a.username !== b.username) {
    const follow = `/api/v1/accounts/${b.accountId}/follow`;
    requests.push(['follow', follow, { method: 'POST', headers: auth }]);
    requests.push(['unfollow', `/api/v1/accounts/${b.accountId}/unfollow`, { method: 'POST', headers: auth }]);
    requests.push(['follow again', follow, { method: 'POST', headers: auth }]);
  }
  const status = statusIds[0];
  if (workload === 'favourites' && status !== undefined) {
    requests.push(['favourite', `/api/v1/statuses/${status}/favourite`, { method: 'POST', headers: auth }]);
    requests.push(['unfavourite', `/api/v1/statuses/${status}/unfavourite`, { method: 'POST', headers: auth }]);
  }
  if (workload === 'thread' && status !== undefined) requests.push(['thread', `/api/v1/statuses/${status}/context`, { headers: auth }]);
  if ((workload === 'favourites' || workload === 'thread') && status === undefined) throw new Error(`probe of ${workload}: no status ids`);
  for (const [what, path, init] of requests) {
    const { status, body } = await call(`${baseUrl}${path}`, init);
    if (status < 200 || status >= 300)
      throw new Error(`probe of ${workload} failed: ${what} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
    if (what === 'profile') {
      const account = JSON.parse(body) as { id?: unknown; username?: unknown };
      if (account.id !== b.accountId || account.username !== b.username) {
        throw new Error(`probe of ${workload} failed: ${path} answered account ${String(account.id)} (${String(account.username)})`);
      }
    }
  }
}
