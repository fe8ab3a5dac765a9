/**
 * The results of a run: one JSON-able record, the targets judged
 * against it, and the table printed on stdout.
 */
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { OpsResult } from './ceilings.js';
import type { BenchOptions } from './options.js';

export interface Latency {
  p50: number;
  p90?: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ScenarioResult {
  id: string;
  label: string;
  deployment: 'cluster' | 'embedded';
  /** Posts in the store when measured. */
  posts: number;
  webInstances: number;
  connections: number;
  requests: number;
  rps: number;
  latencyMs: Latency;
  errors: number;
  errorDetail: Record<string, number>;
  ceiling?: 'node:http' | 'etcd one-put txn';
  /** rps divided by the ceiling's rate. */
  ratio?: number;
  /** MiB per process, sampled right after the scenario. */
  rssMiB: Record<string, number | undefined>;
}

export interface LoadStep {
  what: string;
  keys: number;
  txns: number;
  seconds: number;
  keysPerS: number;
}

export interface Machine {
  cpuModel: string;
  cpus: number;
  totalMemoryGiB: number;
  os: string;
  node: string;
  etcd: string;
  generator: string;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAverageAtStart: number;
}

export interface TargetResult {
  what: string;
  target: string;
  measured: string;
  /** undefined when the scenario was not run. */
  pass: boolean | undefined;
}

export interface BenchReport {
  startedAt: string;
  durationS: number;
  command: string;
  options: BenchOptions;
  machine: Machine;
  graph: { users: number; followEdges: number; avgFollowing: number; maxFollowers: number; specialUser: string; specialFollows: number };
  load: LoadStep[];
  ceilings: {
    nodeHttp?: { rps: number; latencyMs: Latency; connections: number; rssMiB?: number };
    etcdPut?: OpsResult & { inFlight: number };
    /**
     * One-put txns again right before the favourites, which run last: the
     * ceiling falls as the run fills etcd (by up to half within one run),
     * so the favourites are divided by the ceiling of their own moment.
     */
    etcdPutBeforeFavourites?: OpsResult & { inFlight: number };
    etcdGet?: OpsResult & { inFlight: number };
  };
  scenarios: ScenarioResult[];
  /** The feed scenario at each data size. */
  sizes: { posts: number; rps: number; p50: number; p99: number; p999: number; socialRssMiB?: number; etcdRssMiB?: number }[];
  /** The social service started on the loaded store, at each size it was started at; the last one is coldStart. */
  coldStarts: { ms: number; posts: number; socialRssMiB?: number }[];
  coldStart?: { ms: number; posts: number; socialRssMiB?: number };
  targets: TargetResult[];
  errors: number;
  failures: string[];
  /** What makes a figure meaningless without being an error: a scenario in which no request was answered. */
  warnings: string[];
}

export function machineInfo(etcdVersion: string, generator: string): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    totalMemoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    etcd: etcdVersion,
    generator,
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const pct = (ratio: number | undefined) => (ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)} %`);

export function evaluateTargets(report: BenchReport): TargetResult[] {
  const find = (id: string) => report.scenarios.find((s) => s.id === id);
  const main = report.options.posts;
  const feed = find(`feed@${main}`);
  const embedded = find('embedded-feed');
  const posts = find('posts');
  const favourites = find('favourites');
  const special = find('feed-follows-many');
  const first = report.sizes[0];
  const last = report.sizes[report.sizes.length - 1];
  const growth = first && last && first !== last ? last.p50 / first.p50 : undefined;
  const coldSocialRss = report.coldStart?.socialRssMiB;
  const lastRss = Math.max(last?.socialRssMiB ?? 0, coldSocialRss ?? 0) || undefined;
  const t = (what: string, target: string, measured: string, pass: boolean | undefined): TargetResult => ({ what, target, measured, pass });
  /** Issue 13: the status and account pages at half the home timeline's rate at least (cluster, same run). */
  const ofFeed = (what: string, read: ScenarioResult | undefined) => {
    const ratio = read && feed ? read.rps / feed.rps : undefined;
    return t(`${what} vs the home feed's req/s`, '≥ 50 %', pct(ratio), ratio === undefined ? undefined : ratio >= 0.5);
  };
  return [
    t('home feed, cluster, req/s vs node:http', '≥ 25 %', pct(feed?.ratio), feed?.ratio === undefined ? undefined : feed.ratio >= 0.25),
    t('home feed, cluster, p99', '≤ 25 ms', `${fmt(feed?.latencyMs.p99, 2)} ms`, feed ? feed.latencyMs.p99 <= 25 : undefined),
    t(
      'home feed, embedded, req/s vs node:http',
      '≥ 50 %',
      pct(embedded?.ratio),
      embedded?.ratio === undefined ? undefined : embedded.ratio >= 0.5,
    ),
    t('post writes vs etcd one-put txn/s', '≥ 60 %', pct(posts?.ratio), posts?.ratio === undefined ? undefined : posts.ratio >= 0.6),
    t(
      'favourites vs etcd one-put txn/s',
      '≥ 60 %',
      pct(favourites?.ratio),
      favourites?.ratio === undefined ? undefined : favourites.ratio >= 0.6,
    ),
    t(
      `feed p50 at ${last?.posts ?? '?'} vs ${first?.posts ?? '?'} posts`,
      '≤ 1.3×',
      growth === undefined ? '—' : `${growth.toFixed(2)}×`,
      growth === undefined ? undefined : growth <= 1.3,
    ),
    t(
      `feed of a user following ${report.graph.specialFollows}, p99`,
      '≤ 20 ms',
      `${fmt(special?.latencyMs.p99, 2)} ms`,
      special ? special.latencyMs.p99 <= 20 : undefined,
    ),
    t(
      `social RSS at ${last?.posts ?? '?'} posts`,
      '≤ 1.5 GB',
      lastRss === undefined ? '—' : `${fmt(lastRss, 0)} MiB`,
      lastRss === undefined ? undefined : lastRss * 1024 * 1024 <= 1.5e9,
    ),
    t(
      `social cold start at ${report.coldStart?.posts ?? '?'} posts`,
      '≤ 30 s',
      report.coldStart ? `${(report.coldStart.ms / 1000).toFixed(2)} s` : '—',
      report.coldStart ? report.coldStart.ms <= 30_000 : undefined,
    ),
    ofFeed('thread reads', find('thread')),
    ofFeed('profile reads', find('profiles')),
    t('errors during every scenario', '0', String(report.errors), report.errors === 0),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(`Chorus bench, ${report.startedAt}, ${report.durationS.toFixed(0)} s: ${report.command}`);
  out.push(
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGiB} GiB, ${m.os}, node ${m.node}, etcd ${m.etcd}, generator ${m.generator}, load average at start ${m.loadAverageAtStart}`,
  );
  const g = report.graph;
  out.push(
    `graph: ${g.users} users, ${g.followEdges} follow edges (${g.avgFollowing.toFixed(1)} per user, most-followed has ${g.maxFollowers}), ` +
      `${g.specialUser} follows ${g.specialFollows}`,
  );
  out.push('', 'bulk load (straight into the store, 128-op txns):');
  out.push(
    table(
      ['step', 'keys', 'txns', 's', 'keys/s'],
      report.load.map((l) => [l.what, String(l.keys), String(l.txns), fmt(l.seconds, 1), fmt(l.keysPerS, 0)]),
    ),
  );
  const ceilingRow = (name: string, inFlight: number, opsPerS: number, latency: Pick<Latency, 'p50' | 'p99' | 'p999'>) => [
    name,
    String(inFlight),
    fmt(opsPerS, 0),
    fmt(latency.p50, 2),
    fmt(latency.p99, 2),
    fmt(latency.p999, 2),
  ];
  const c = report.ceilings;
  out.push('', 'ceilings (same run, same machine):');
  out.push(
    table(
      ['ceiling', 'in flight', 'ops/s', 'p50 ms', 'p99 ms', 'p99.9 ms'],
      [
        c.nodeHttp && ceilingRow('bare node:http hello world', c.nodeHttp.connections, c.nodeHttp.rps, c.nodeHttp.latencyMs),
        c.etcdPut && ceilingRow('etcd one-put txn (EtcdKV)', c.etcdPut.inFlight, c.etcdPut.opsPerS, c.etcdPut.latencyMs),
        c.etcdPutBeforeFavourites &&
          ceilingRow(
            'etcd one-put txn, before favourites',
            c.etcdPutBeforeFavourites.inFlight,
            c.etcdPutBeforeFavourites.opsPerS,
            c.etcdPutBeforeFavourites.latencyMs,
          ),
        c.etcdGet && ceilingRow('etcd linearizable get (EtcdKV)', c.etcdGet.inFlight, c.etcdGet.opsPerS, c.etcdGet.latencyMs),
      ].filter((r): r is string[] => r !== undefined),
    ),
  );
  out.push('', 'scenarios:');
  out.push(
    table(
      ['scenario', 'posts', 'conns', 'req/s', 'of ceiling', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'RSS MiB'],
      report.scenarios.map((s) => [
        s.label,
        String(s.posts),
        String(s.connections),
        fmt(s.rps, 0),
        s.ratio === undefined ? '—' : `${pct(s.ratio)} ${s.ceiling === 'node:http' ? 'http' : 'etcd'}`,
        fmt(s.latencyMs.p50, 2),
        fmt(s.latencyMs.p99, 2),
        fmt(s.latencyMs.p999, 2),
        String(s.errors),
        Object.entries(s.rssMiB)
          .map(([name, mib]) => `${name} ${fmt(mib, 0)}`)
          .join(', '),
      ]),
    ),
  );
  out.push('', 'feed as the data grows (social stopped while posts load, then started: a cold start per size):');
  out.push(
    table(
      ['posts', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'p50 vs first', 'social RSS MiB', 'etcd-1 RSS MiB'],
      report.sizes.map((s) => [
        String(s.posts),
        fmt(s.rps, 0),
        fmt(s.p50, 2),
        fmt(s.p99, 2),
        fmt(s.p999, 2),
        `${(s.p50 / report.sizes[0]!.p50).toFixed(2)}×`,
        fmt(s.socialRssMiB, 0),
        fmt(s.etcdRssMiB, 0),
      ]),
    ),
  );
  if (report.coldStarts.length > 0) out.push('');
  for (const c of report.coldStarts) {
    out.push(
      `social cold start on ${c.posts} posts: ${(c.ms / 1000).toFixed(2)} s from spawn to SERVING; RSS then ${fmt(c.socialRssMiB, 0)} MiB`,
    );
  }
  out.push('', 'targets (issue 3):');
  out.push(
    table(
      ['what', 'target', 'measured', 'result'],
      report.targets.map((t) => [t.what, t.target, t.measured, t.pass === undefined ? 'not run' : t.pass ? 'pass' : 'MISS']),
    ),
  );
  if (report.failures.length > 0) out.push('', 'FAILURES:', ...report.failures.map((f) => `  ${f}`));
  if (report.warnings.length > 0) out.push('', 'WARNINGS (figures that measured nothing):', ...report.warnings.map((w) => `  ${w}`));
  return out.join('\n');
}
