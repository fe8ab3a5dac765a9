/**
 * Checks through the public API that what was bulk-loaded is what the
 * services serve, before anything is measured: a profile's counts, a feed's
 * first post, a login with the shared password. Also probes each request
 * kind once, so a broken endpoint fails with its status and body rather
 * than as an anonymous error count.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workload } from './load-spec.js';

export interface ProfileCheck {
  username: string;
  followers: number;
  following: number;
  posts: number;
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
   * post may be newer, the count the same). shape: measured follows may
   * have changed whom the user follows, so only the order is checked.
   */
  mode: 'exact' | 'newer' | 'shape';
}

async function call(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

function fail(what: string, detail: string): never {
  throw new Error(`load verification failed: ${what}: ${detail}`);
}

export async function checkProfile(baseUrl: string, check: ProfileCheck): Promise<void> {
  const { status, body } = await call(`${baseUrl}/api/v1/accounts/${check.username}`);
  if (status !== 200) fail(`profile of ${check.username}`, `HTTP ${status} ${body}`);
  const profile = JSON.parse(body) as { followers: number; following: number; posts: number };
  const ok = check.exact
    ? profile.followers === check.followers && profile.following === check.following && profile.posts === check.posts
    : profile.posts >= check.posts;
  if (!ok) fail(`profile of ${check.username}`, `expected ${JSON.stringify(check)}, got ${body}`);
}

export async function checkFeed(baseUrl: string, check: FeedCheck): Promise<void> {
  const { status, body } = await call(`${baseUrl}/api/v1/feed?limit=20`, { headers: { authorization: `Bearer ${check.token}` } });
  if (status !== 200) fail(`feed of ${check.username}`, `HTTP ${status} ${body}`);
  const feed = JSON.parse(body) as { posts: { id: string }[] };
  const first = feed.posts[0]?.id ?? '';
  const newestOk = check.mode === 'exact' ? first === check.newestId : check.mode === 'shape' || (first !== '' && first <= check.newestId);
  if (!newestOk || (check.mode !== 'shape' && feed.posts.length !== check.items)) {
    fail(
      `feed of ${check.username}`,
      `expected ${check.items} posts starting at ${check.newestId}, got ${feed.posts.length} starting at ${first}`,
    );
  }
  for (let i = 1; i < feed.posts.length; i++) {
    if (feed.posts[i - 1]!.id >= feed.posts[i]!.id) fail(`feed of ${check.username}`, 'posts are not newest first');
  }
}

export async function checkLogin(baseUrl: string, username: string, password: string): Promise<void> {
  const { status, body } = await call(`${baseUrl}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (status !== 201) fail(`login as ${username}`, `HTTP ${status} ${body}`);
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

/** One request of each kind the workload sends; throws on anything but 2xx. */
export async function probe(baseUrl: string, workload: Workload, users: { username: string; token: string }[]): Promise<void> {
  const [a, b] = [users[0]!, users[1] ?? users[0]!];
  const auth = { authorization: `Bearer ${a.token}` };
  const requests: [string, string, RequestInit][] = [];
  if (workload === 'feed' || workload === 'mix') requests.push(['feed', '/api/v1/feed?limit=20', { headers: auth }]);
  if (workload === 'profiles' || workload === 'mix') requests.push(['profile', `/api/v1/accounts/${b.username}`, {}]);
  if (workload === 'posts' || workload === 'mix') {
    requests.push([
      'post',
      '/api/v1/posts',
      { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'bench probe' }) },
    ]);
  }
  if (workload === 'mix' && a.username !== b.username) {
    requests.push(['follow', `/api/v1/following/${b.username}`, { method: 'PUT', headers: auth }]);
    requests.push(['unfollow', `/api/v1/following/${b.username}`, { method: 'DELETE', headers: auth }]);
    requests.push(['follow again', `/api/v1/following/${b.username}`, { method: 'PUT', headers: auth }]);
  }
  for (const [what, path, init] of requests) {
    const { status, body } = await call(`${baseUrl}${path}`, init);
    if (status < 200 || status >= 300)
      throw new Error(`probe of ${workload} failed: ${what} ${path}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}
