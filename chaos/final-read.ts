/**
 * The read of everything after the faults are healed: each account's
 * statuses, following list, whole home timeline and notifications, every
 * page (following the Link header's rel="next"), whom it blocks, and each
 * reaction target as it sees it; retried until answered (the deployment
 * is whole again, so a failure here is itself a finding).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../src/domain/mastodon-ids.js';
import type { FinalState } from './history.js';
import { ACCOUNT_PAGE, type ChaosApp, passwordGrant, postRef, STATUS_PAGE } from './mastodon.js';
import { NOTIFICATION_PAGE, notificationRef, statusReadOf, type Target } from './social-actions.js';
import { type Answer, pathOf, type WebPool } from './web-pool.js';

const ATTEMPTS = 20;

async function send(pool: WebPool, path: string, token?: string, method = 'GET', json?: unknown): Promise<Answer> {
  const answer = await sendOrRefused(pool, path, token, method, json);
  if (!answer) throw new Error(`final read: ${method} ${path} was refused`);
  return answer;
}

/** Like send, but a 403 or 404 (a status hidden across a block) is an answer too: undefined. */
async function sendOrRefused(pool: WebPool, path: string, token?: string, method = 'GET', json?: unknown): Promise<Answer | undefined> {
  let last = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const answer = await pool.request(method, path, { token, json, timeoutMs: 10_000 });
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status === 403 || answer.status === 404) return undefined;
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`final read: ${method} ${path} failed ${ATTEMPTS} times, last: ${last}`);
}

/** Every page of a Mastodon list, from `path` on by rel="next". */
async function allPages<T>(pool: WebPool, path: string, token: string, map: (item: any) => T): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const page: Answer = await send(pool, next, token);
    if (!Array.isArray(page.body)) throw new Error(`final read: GET ${next} answered ${JSON.stringify(page.body)}, not a list`);
    items.push(...page.body.map(map));
    next = page.next === undefined ? undefined : pathOf(page.next);
  }
  return items;
}

export async function readFinalState(
  pool: WebPool,
  app: ChaosApp,
  usernames: string[],
  now: () => number,
  targets: readonly Target[] = [],
): Promise<FinalState> {
  const at = now();
  const users: FinalState['users'] = {};
  const statuses: NonNullable<FinalState['statuses']> = {};
  for (const target of targets) statuses[target.statusId] = { author: target.author, reads: {} };
  for (const username of usernames) {
    const token = String((await send(pool, '/oauth/token', undefined, 'POST', passwordGrant(app, username))).body.access_token);
    const id = accountId(username);
    users[username] = {
      posts: await allPages(pool, `/api/v1/accounts/${id}/statuses?limit=${STATUS_PAGE}`, token, postRef),
      following: await allPages(pool, `/api/v1/accounts/${id}/following?limit=${ACCOUNT_PAGE}`, token, (a) => String(a.username)),
      feed: await allPages(pool, `/api/v1/timelines/home?limit=${STATUS_PAGE}`, token, postRef),
      blocking: await blocking(pool, token, username, usernames),
      notifications: await allPages(pool, `/api/v1/notifications?limit=${NOTIFICATION_PAGE}`, token, notificationRef),
    };
    for (const target of targets) {
      const answer = await sendOrRefused(pool, `/api/v1/statuses/${target.statusId}`, token);
      if (answer) statuses[target.statusId]!.reads[username] = statusReadOf(answer.body);
    }
  }
  return targets.length === 0 ? { at, users } : { at, users, statuses };
}

/** Whom `username` blocks among the others, from one relationships read. */
async function blocking(pool: WebPool, token: string, username: string, usernames: string[]): Promise<string[]> {
  const others = usernames.filter((u) => u !== username);
  if (others.length === 0) return [];
  const answer = await send(pool, `/api/v1/accounts/relationships?${others.map((u) => `id[]=${accountId(u)}`).join('&')}`, token);
  const blocked = new Set(
    (answer.body as { id: string; blocking?: boolean }[]).filter((r) => r.blocking === true).map((r) => String(r.id)),
  );
  return others.filter((u) => blocked.has(accountId(u)));
}
