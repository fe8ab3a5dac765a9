/**
 * What a load generator is asked to do and what it reports, independent of
 * which generator (wrk or autocannon) runs it.
 */
import { readFileSync } from 'node:fs';

/**
 * - hello: GET / (the bare node:http ceiling)
 * - feed: GET /api/v1/feed?limit=20 as a random user of the users file
 * - profiles: GET /api/v1/accounts/<random user>
 * - posts: POST /api/v1/posts as a random user
 * - mix: 45 % feed, 45 % profiles, 8 % posts, 2 % follow or unfollow (PUT/DELETE /api/v1/following/<other user>)
 */
export type Workload = 'hello' | 'feed' | 'profiles' | 'posts' | 'mix';

export interface LoadSpec {
  workload: Workload;
  /** Lines of "username token"; not needed for hello. */
  usersFile?: string;
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

export function readUsers(file: string): { username: string; token: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [username, token] = line.split(' ');
      return { username: username!, token: token! };
    });
}
