/**
 * What a load generator is asked to do and what it reports, independent of
 * which generator (wrk or autocannon) runs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { accountId } from '../src/domain/mastodon-ids.js';

/**
 * The requests are the Mastodon client API's (docs/api.md):
 * - hello: GET / (the bare node:http ceiling)
 * - feed: GET /api/v1/timelines/home?limit=20 as a random user of the users file
 * - profiles: GET /api/v1/accounts/<account id of a random user>, with a random user's token
 *   (Chorus's account routes need one, unlike Mastodon's)
 * - posts: POST /api/v1/statuses {status} with a fresh Idempotency-Key, as a random user
 * - mix: 45 % feed, 45 % profiles, 8 % posts, 2 % follow or unfollow
 *   (POST /api/v1/accounts/<account id of another user>/follow or /unfollow)
 * - favourites: POST /api/v1/statuses/<id>/favourite or /unfavourite (even
 *   odds) of one of a few popular statuses (`statusIds`), as a random user
 * - thread: GET /api/v1/statuses/<id>/context of a random post of one
 *   thread (`statusIds`), as a random user
 * - status: GET /api/v1/statuses/<id> of a random one of `statusIds`, as a random user
 * - account-statuses: GET /api/v1/accounts/<id>/statuses of a random user, as a random user
 */
export type Workload = 'hello' | 'feed' | 'profiles' | 'posts' | 'mix' | 'favourites' | 'thread' | 'status' | 'account-statuses';

export interface LoadSpec {
  workload: Workload;
  /** Lines of "username token accountId" (see writeUsers); not needed for hello. */
  usersFile?: string;
  /** Status ids the favourites and thread workloads pick from. */
  statusIds?: string[];
  /** One or more web ports on 127.0.0.1; connections are spread over them. */
  ports: number[];
  connections: number;
  durationS: number;
  /** Distinguishes repeated runs (seeds, post texts). */
  runId: number;
}

export interface LoadResult {
  generator: 'wrk' | 'autocannon';
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  errors: { non2xx: number; connect: number; read: number; write: number; timeout: number };
  /** Sum of every kind of error above. */
  errorCount: number;
  /** Errors during the unmeasured warm-up: they count as failures too. */
  warmupErrors?: number;
}

/** A bench user: a bearer token, and the Mastodon account id (accountId(username)), computed once so wrk's Lua needs no big numbers. */
export interface BenchUser {
  username: string;
  token: string;
  accountId: string;
}

export function benchUser(username: string, token: string): BenchUser {
  return { username, token, accountId: accountId(username) };
}

export function writeUsers(file: string, users: BenchUser[]): void {
  writeFileSync(file, users.map((u) => `${u.username} ${u.token} ${u.accountId}\n`).join(''));
}

export function readUsers(file: string): BenchUser[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [username, token, id] = line.split(' ');
      return { username: username!, token: token!, accountId: id! };
    });
}
