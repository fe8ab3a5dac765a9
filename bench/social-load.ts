import { setTimeout as sleep } from 'node:timers/promises';
/**
 * The data and checks of the issue 11 scenarios, through the Mastodon
 * client API: the popular statuses the favourites scenario hammers (a
 * favourite round trip on one of them first), and a thread built by
 * replying through POST /api/v1/statuses, checked with
 * GET /api/v1/statuses/:id/context before its reads are measured.
 */
import { statusId } from '../src/domain/mastodon-ids.js';
import type { BenchUser } from './load-spec.js';
import { seededRandom } from './synthetic.js';

/** How many statuses the favourites scenario spreads over: few, so each is a hot key if anything is. */
export const HOT_STATUSES = 5;
/** The thread: a chain of replies, each answering the one before, then replies to random posts of the thread. */
export const THREAD_CHAIN = 10;
export const THREAD_BRANCHES = 30;

interface StatusJson {
  id: string;
  favourited?: boolean;
  favourites_count?: number;
}

async function call(baseUrl: string, what: string, path: string, token: string, init: { method?: string; json?: unknown } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${what}: ${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${body.slice(0, 300)}`);
  return JSON.parse(body) as unknown;
}

/** The status ids of the newest bulk-loaded post of each of the first `count` authors that has one (the most followed). */
export function hotStatuses(newestIds: readonly string[], count = HOT_STATUSES): string[] {
  return newestIds
    .filter((id) => id !== '')
    .slice(0, count)
    .map(statusId);
}

/**
 * Favourites a status and reads it back, then unfavourites it and reads
 * it again: favourited and favourites_count must follow, as the service
 * promises read-after-write.
 */
export async function checkFavouriteRoundTrip(baseUrl: string, user: BenchUser, id: string): Promise<void> {
  const what = `favourite round trip on ${id} as ${user.username}`;
  const read = async () => (await call(baseUrl, what, `/api/v1/statuses/${id}`, user.token)) as StatusJson;
  await call(baseUrl, what, `/api/v1/statuses/${id}/unfavourite`, user.token, { method: 'POST' });
  const before = await read();
  await call(baseUrl, what, `/api/v1/statuses/${id}/favourite`, user.token, { method: 'POST' });
  const favourited = await read();
  await call(baseUrl, what, `/api/v1/statuses/${id}/unfavourite`, user.token, { method: 'POST' });
  const after = await read();
  const counts = [before.favourites_count, favourited.favourites_count, after.favourites_count];
  if (before.favourited !== false || favourited.favourited !== true || after.favourited !== false) {
    throw new Error(`${what}: favourited read ${before.favourited}, ${favourited.favourited}, ${after.favourited}`);
  }
  if (typeof counts[0] !== 'number' || counts[1] !== counts[0] + 1 || counts[2] !== counts[0]) {
    throw new Error(`${what}: favourites_count read ${counts.join(', ')}`);
  }
}

/** Rounds of reads, and the pause between them, that requests still in flight after the load stops may take to land. */
const SETTLE_ROUNDS = 20;
const SETTLE_PAUSE_MS = 500;

/**
 * After the favourites scenario: every reader sees the same count for each
 * status, within the users there are. The load generator stops sending
 * before the server has answered everything it accepted, so favourites
 * may still land for a moment: reads are repeated (a bounded number of
 * rounds) until the writes have settled, and then every reader must agree.
 */
export async function checkFavouriteCounts(baseUrl: string, readers: BenchUser[], ids: string[], users: number): Promise<void> {
  for (const id of ids) {
    let counts = new Set<number | undefined>();
    for (let round = 0; round < SETTLE_ROUNDS; round++) {
      if (round > 0) await sleep(SETTLE_PAUSE_MS);
      counts = new Set();
      for (const reader of readers) {
        counts.add(((await call(baseUrl, 'favourite counts', `/api/v1/statuses/${id}`, reader.token)) as StatusJson).favourites_count);
      }
      if (counts.size === 1) break;
    }
    const [count] = [...counts];
    if (counts.size !== 1 || typeof count !== 'number' || count < 0 || count > users) {
      throw new Error(`favourite counts of ${id}: readers saw ${[...counts].join(', ')}`);
    }
  }
}

export interface Thread {
  /** Every status of the thread, the root first. */
  ids: string[];
  /** The last reply of the chain, and how many ancestors it has. */
  deepest: string;
  depth: number;
}

/** Replies to `root` through the API as the given users in turn; seeded, so two runs build the same shape. */
export async function buildThread(baseUrl: string, root: string, authors: BenchUser[], seed: number): Promise<Thread> {
  const random = seededRandom(seed);
  const ids = [root];
  const reply = async (parent: string, n: number) => {
    const author = authors[n % authors.length]!;
    const status = (await call(baseUrl, 'thread', '/api/v1/statuses', author.token, {
      method: 'POST',
      json: { status: `bench thread reply ${seed}-${n}`, in_reply_to_id: parent },
    })) as StatusJson;
    ids.push(String(status.id));
  };
  for (let n = 0; n < THREAD_CHAIN; n++) await reply(ids.at(-1)!, n);
  const deepest = ids.at(-1)!;
  for (let n = THREAD_CHAIN; n < THREAD_CHAIN + THREAD_BRANCHES; n++) await reply(ids[Math.floor(random() * ids.length)]!, n);
  return { ids, deepest, depth: THREAD_CHAIN };
}

/** The root's context holds every reply below it and no ancestor; the chain's last reply has the whole chain above it. */
export async function checkThread(baseUrl: string, reader: BenchUser, thread: Thread): Promise<void> {
  type Context = { ancestors: StatusJson[]; descendants: StatusJson[] };
  const context = async (id: string) => (await call(baseUrl, 'thread', `/api/v1/statuses/${id}/context`, reader.token)) as Context;
  const root = await context(thread.ids[0]!);
  const below = new Set(root.descendants.map((s) => String(s.id)));
  const missing = thread.ids.slice(1).filter((id) => !below.has(id));
  if (root.ancestors.length !== 0 || missing.length > 0 || below.size !== thread.ids.length - 1) {
    throw new Error(
      `thread: the root's context has ${root.ancestors.length} ancestors and ${below.size} descendants, missing ${missing.join(', ') || 'none'}`,
    );
  }
  const deepest = await context(thread.deepest);
  const chain = thread.ids.slice(0, thread.depth);
  if (deepest.ancestors.map((s) => String(s.id)).join(',') !== chain.join(',')) {
    throw new Error(
      `thread: the chain's last reply has ancestors ${deepest.ancestors.map((s) => s.id).join(', ')}, expected ${chain.join(', ')}`,
    );
  }
}
