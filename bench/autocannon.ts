/**
 * The fallback load generator where wrk is not installed: autocannon, in
 * this process. It costs far more CPU per request than wrk, so on a small
 * machine it lowers every number, ceilings included (ratios hold better).
 */
import type { LoadResult, LoadSpec } from './load-spec.js';
import { readUsers } from './load-spec.js';

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  let autocannon: Autocannon;
  try {
    // A variable specifier: autocannon ships no types, and the interface above is all we use.
    const moduleName = 'autocannon';
    autocannon = ((await import(moduleName)) as { default: Autocannon }).default;
  } catch (error) {
    throw new Error('neither wrk nor autocannon is available: apt-get install wrk, or npm install --save-dev autocannon', {
      cause: error,
    });
  }
  const users = spec.usersFile ? readUsers(spec.usersFile) : [];
  let seq = 0;
  const pick = () => Math.floor(Math.random() * users.length);
  const bearer = (i: number) => ({ authorization: `Bearer ${users[i]!.token}` });
  const feed = (i: number): AutocannonRequest => ({ method: 'GET', path: '/api/v1/timelines/home?limit=20', headers: bearer(i) });
  // Chorus's account routes need a token (docs/api.md): user i reads a random account.
  const profile = (i: number): AutocannonRequest => ({
    method: 'GET',
    path: `/api/v1/accounts/${users[pick()]!.accountId}`,
    headers: bearer(i),
  });
  const post = (i: number): AutocannonRequest => {
    const key = `${spec.runId}-${++seq}`;
    return {
      method: 'POST',
      path: '/api/v1/statuses',
      headers: { ...bearer(i), 'content-type': 'application/json', 'idempotency-key': `bench-autocannon-${key}` },
      body: JSON.stringify({ status: `bench post ${key} from autocannon` }),
    };
  };
  const follow = (i: number): AutocannonRequest => {
    let j = Math.floor(Math.random() * (users.length - 1));
    if (j >= i) j++;
    const action = Math.random() < 0.5 ? 'follow' : 'unfollow';
    return { method: 'POST', path: `/api/v1/accounts/${users[j]!.accountId}/${action}`, headers: bearer(i) };
  };
  const statuses = spec.statusIds ?? [];
  const status = () => statuses[Math.floor(Math.random() * statuses.length)]!;
  // Many users favouriting and unfavouriting a few popular statuses.
  const favourite = (i: number): AutocannonRequest => ({
    method: 'POST',
    path: `/api/v1/statuses/${status()}/${Math.random() < 0.5 ? 'favourite' : 'unfavourite'}`,
    headers: bearer(i),
  });
  const thread = (i: number): AutocannonRequest => ({ method: 'GET', path: `/api/v1/statuses/${status()}/context`, headers: bearer(i) });
  const statusRead = (i: number): AutocannonRequest => ({ method: 'GET', path: `/api/v1/statuses/${status()}`, headers: bearer(i) });
  const accountStatuses = (i: number): AutocannonRequest => ({
    method: 'GET',
    path: `/api/v1/accounts/${users[pick()]!.accountId}/statuses`,
    headers: bearer(i),
  });
  const next = (): AutocannonRequest => {
    if (spec.workload === 'hello') return { method: 'GET', path: '/' };
    const i = pick();
    if (spec.workload === 'feed') return feed(i);
    if (spec.workload === 'profiles') return profile(i);
    if (spec.workload === 'posts') return post(i);
    if (spec.workload === 'favourites') return favourite(i);
    if (spec.workload === 'thread') return thread(i);
    if (spec.workload === 'status') return statusRead(i);
    if (spec.workload === 'account-statuses') return accountStatuses(i);
    const r = Math.random();
    return r < 0.45 ? feed(i) : r < 0.9 ? profile(i) : r < 0.98 ? post(i) : follow(i);
  };
  const urls = spec.ports.map((port) => `http://127.0.0.1:${port}`);
  const result = await autocannon({
    url: urls.length === 1 ? urls[0] : urls,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 5,
    requests: [{ setupRequest: (request: AutocannonRequest) => ({ ...request, ...next() }) }],
  });
  const errors = { non2xx: result.non2xx, connect: 0, read: result.errors - result.timeouts, write: 0, timeout: result.timeouts };
  const total = result.requests.total;
  return {
    generator: 'autocannon',
    requests: total,
    durationS: result.duration,
    rps: total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p999: result.latency.p99_9,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    errors,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
  };
}
