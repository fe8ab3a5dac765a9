/**
 * The read of everything after the faults are healed: each account's
 * statuses, following list and whole home timeline, every page (following
 * the Link header's rel="next"), retried until answered (the deployment is
 * whole again, so a failure here is itself a finding).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { accountId } from '../src/domain/mastodon-ids.js';
import type { FinalState } from './history.js';
import { type Answer, pathOf, type WebPool } from './web-pool.js';
import { ACCOUNT_PAGE, type ChaosApp, passwordGrant, postRef, STATUS_PAGE } from './workload.js';

const ATTEMPTS = 20;

async function send(pool: WebPool, path: string, token?: string, method = 'GET', json?: unknown): Promise<Answer> {
  let last = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const answer = await pool.request(method, path, { token, json, timeoutMs: 10_000 });
      if (answer.status >= 200 && answer.status < 300) return answer;
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

export async function readFinalState(pool: WebPool, app: ChaosApp, usernames: string[], now: () => number): Promise<FinalState> {
  const at = now();
  const users: FinalState['users'] = {};
  for (const username of usernames) {
    const token = String((await send(pool, '/oauth/token', undefined, 'POST', passwordGrant(app, username))).body.access_token);
    const id = accountId(username);
    users[username] = {
      posts: await allPages(pool, `/api/v1/accounts/${id}/statuses?limit=${STATUS_PAGE}`, token, postRef),
      following: await allPages(pool, `/api/v1/accounts/${id}/following?limit=${ACCOUNT_PAGE}`, token, (a) => String(a.username)),
      feed: await allPages(pool, `/api/v1/timelines/home?limit=${STATUS_PAGE}`, token, postRef),
    };
  }
  return { at, users };
}
