/**
 * The read of everything after the faults are healed: each account's posts,
 * following list and whole home feed, every page, retried until answered
 * (the deployment is whole again, so a failure here is itself a finding).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FinalState, PostRef } from './history.js';
import type { WebPool } from './web-pool.js';
import { PASSWORD } from './workload.js';

const ATTEMPTS = 20;

async function get(pool: WebPool, path: string, token?: string, method = 'GET', json?: unknown): Promise<any> {
  let last = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const answer = await pool.request(method, path, { token, json, timeoutMs: 10_000 });
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      last = `HTTP ${answer.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`final read: ${method} ${path} failed ${ATTEMPTS} times, last: ${last}`);
}

async function allPages<T>(pool: WebPool, path: string, field: string, token?: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: any = await get(pool, `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    items.push(...(page[field] as T[]));
    cursor = page.next;
  } while (cursor);
  return items;
}

export async function readFinalState(pool: WebPool, usernames: string[], now: () => number): Promise<FinalState> {
  const at = now();
  const users: FinalState['users'] = {};
  for (const username of usernames) {
    const { token } = await get(pool, '/api/v1/sessions', undefined, 'POST', { username, password: PASSWORD });
    const asRef = (p: PostRef) => ({ id: p.id, author: p.author, text: p.text });
    users[username] = {
      posts: (await allPages<PostRef>(pool, `/api/v1/accounts/${username}/posts`, 'posts')).map(asRef),
      following: (await allPages<{ username: string }>(pool, `/api/v1/accounts/${username}/following`, 'accounts')).map((a) => a.username),
      feed: (await allPages<PostRef>(pool, '/api/v1/feed', 'posts', token)).map(asRef),
    };
  }
  return { at, users };
}
