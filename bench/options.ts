/**
 * `npm run bench -- [flags]`: sizes, durations and concurrency. The
 * defaults are the (10,000 users, 50 followed on average, 200,000
 * posts, feed at 20k/200k/1M posts, 64 connections) and finish in under 10
 * minutes on 2 cores; --quick shrinks everything to a smoke run of under 2.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  users: number;
  avgFollowing: number;
  /** The data size the main scenarios run at. */
  posts: number;
  /** Post counts the feed scenario is repeated at, ascending; includes `posts`. */
  sizes: number[];
  specialFollows: number;
  zipfExponent: number;
  connections: number;
  /** Connections for the "follows 5,000" feed, whose target is a latency. */
  specialConnections: number;
  durationS: number;
  warmupS: number;
  webInstances: number;
  /** Also measure the feed with the other web instance count (1 vs 2). */
  compareWeb: boolean;
  loadConcurrency: number;
  seed: number;
  generator: 'auto' | 'wrk' | 'autocannon';
  embedded: boolean;
  /** The scenarios to run (SCENARIOS); all of them unless --only narrows it. */
  only: readonly Scenario[];
  outDir: string;
  /** Write V8 CPU profiles of the chorus processes here. */
  profileDir: string | undefined;
  /** Another build's dist/src/cmd/main.js to deploy, to compare builds with the same bench (A/B). */
  mainScript: string | undefined;
  keepTemp: boolean;
}

/**
 * The scenario groups --only can name: the home feed at each size, with
 * the other web instance count, profile reads, the follows-5,000 feed,
 * post writes, the mix, favourites, thread reads, and the embedded feed.
 */
export const SCENARIOS = ['feed', 'feed-web', 'profiles', 'follows-many', 'posts', 'mix', 'favourites', 'thread', 'embedded'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const USAGE = `usage: npm run bench -- [flags]
  --quick                 a smoke run (< 2 min): small data, short measurements
  --users N               users in the graph (default 10000; quick 1000)
  --avg-following N       accounts followed per user on average (default 50)
  --posts N               posts for the main scenarios (default 200000; quick 10000)
  --sizes A,B,C           post counts the feed is measured at (default 20000,200000,1000000)
  --special-follows N     accounts the special user follows (default 5000)
  --zipf S                popularity exponent (default 1)
  --connections N         HTTP connections and etcd requests in flight (default 64)
  --special-connections N connections for the follows-5000 feed (default 4)
  --duration S            seconds measured per scenario (default 8; quick 3)
  --warmup S              unmeasured seconds before each (default 3; quick 1)
  --web-instances N       web instances the scenarios use (default 1)
  --no-compare-web        skip the feed with the other web instance count
  --no-embedded           skip the embedded-store scenario
  --only A,B              run only these scenarios (${SCENARIOS.join(', ')});
                          the cluster is not started when only embedded is asked
  --load-concurrency N    bulk-load transactions in flight (default 48)
  --generator G           auto | wrk | autocannon (default auto: wrk when on PATH)
  --seed N                graph seed (default 1)
  --out DIR               results directory (default bench/results)
  --profile DIR           run chorus processes with --cpu-prof into DIR
                          (profile-summary.js DIR then reads each scenario's window apart)
  --main PATH             deploy another build's dist/src/cmd/main.js (A/B with this bench)
  --keep-temp             keep the temp dir (logs, data) for inspection`;

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      users: { type: 'string' },
      'avg-following': { type: 'string' },
      posts: { type: 'string' },
      sizes: { type: 'string' },
      'special-follows': { type: 'string' },
      zipf: { type: 'string' },
      connections: { type: 'string' },
      'special-connections': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'web-instances': { type: 'string' },
      'no-compare-web': { type: 'boolean' },
      'no-embedded': { type: 'boolean' },
      only: { type: 'string' },
      'load-concurrency': { type: 'string' },
      generator: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      main: { type: 'string' },
      'keep-temp': { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const num = (name: keyof typeof values, fallback: number, min: number, max: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || n > max) {
      throw new Error(`--${name} must be a number from ${min} to ${max}, got "${String(raw)}"`);
    }
    return n;
  };
  const int = (name: keyof typeof values, fallback: number, min: number, max: number) => Math.round(num(name, fallback, min, max));
  const users = int('users', quick ? 1000 : 10_000, 10, 1_000_000);
  const posts = int('posts', quick ? 10_000 : 200_000, 1, 20_000_000);
  const sizes = (values.sizes ?? (quick ? '2000,10000,20000' : '20000,200000,1000000')).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes must be comma-separated post counts, got "${values.sizes}"`);
    return n;
  });
  const only = new Set<Scenario>(SCENARIOS);
  if (values.only !== undefined) {
    only.clear();
    for (const name of values.only.split(',').map((s) => s.trim())) {
      if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only takes ${SCENARIOS.join(', ')}; got "${name}"`);
      only.add(name as Scenario);
    }
  }
  if (values['no-embedded']) only.delete('embedded');
  if (values['no-compare-web']) only.delete('feed-web');
  const generator = values.generator ?? 'auto';
  if (generator !== 'auto' && generator !== 'wrk' && generator !== 'autocannon') {
    throw new Error(`--generator must be auto, wrk or autocannon, got "${generator}"`);
  }
  return {
    quick,
    users,
    avgFollowing: int('avg-following', 50, 1, 10_000),
    posts,
    sizes: [...new Set([...sizes, posts])].sort((a, b) => a - b),
    specialFollows: Math.min(users, int('special-follows', 5000, 1, 1_000_000)),
    zipfExponent: num('zipf', 1, 0, 3),
    connections: int('connections', 64, 1, 10_000),
    specialConnections: int('special-connections', 4, 1, 10_000),
    durationS: int('duration', quick ? 3 : 8, 1, 600),
    warmupS: int('warmup', quick ? 1 : 3, 0, 600),
    webInstances: int('web-instances', 1, 1, 16),
    compareWeb: only.has('feed-web'),
    loadConcurrency: int('load-concurrency', 48, 1, 1024),
    seed: int('seed', 1, 0, 2 ** 31),
    generator,
    embedded: only.has('embedded'),
    only: [...only],
    outDir: path.resolve(values.out ?? 'bench/results'),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    mainScript: values.main === undefined ? undefined : path.resolve(values.main),
    keepTemp: values['keep-temp'] ?? false,
  };
}
