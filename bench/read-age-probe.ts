#!/usr/bin/env node
/**
 * The cluster's reads and writes at each read index age (issue 13,
 * CHORUS_READ_INDEX_AGE_MS), on one bulk-loaded etcd cluster:
 *
 *   node dist/bench/read-age-probe.js [--ages 0,10] [--rounds 2] [--posts N] [--users N]
 *     [--duration S] [--warmup S] [--connections N] [--special-connections N] [--load-concurrency N]
 *
 * Loads the bench's synthetic graph (50 followees per user on average,
 * one user following 5,000) and posts into a 3-member etcd cluster once,
 * then starts auth, social and one web instance for each age, all on that
 * cluster at once, and in each round measures every age in turn (the
 * order reversed every other round, so the machine's other load falls on
 * every age alike) with wrk: a bare
 * node:http hello world, the home timeline as a random user, the home
 * timeline of the user following 5,000 (at 4 connections, as the bench
 * does) and post writes (at 64 connections, and at 1, whose latency shows
 * the commit-wait itself). Prints one line per measurement with the load
 * average at its start, then each age's medians.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EtcdKV } from '../src/kv/etcd-kv.js';
import { DEFAULT_ROOT } from '../src/kv/keys.js';
import { stopAllSupervised } from '../src/supervisor/supervised-process.js';
import { loadAccountsAndFollows, loadPosts, loadSessions, sharedPasswordHash } from './bulk-load.js';
import { measureHello } from './ceilings.js';
import { ClusterDeployment, startEtcd } from './deploy.js';
import { chooseGenerator, LoadGenerator } from './load-generator.js';
import { benchUser, type LoadResult, type Workload, writeUsers } from './load-spec.js';
import { generateGraph, PostGenerator } from './synthetic.js';
import { probe } from './verify.js';

const { values } = parseArgs({
  options: {
    ages: { type: 'string', default: '0,10' },
    rounds: { type: 'string', default: '2' },
    users: { type: 'string', default: '10000' },
    posts: { type: 'string', default: '200000' },
    'special-follows': { type: 'string', default: '5000' },
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    'special-connections': { type: 'string', default: '4' },
    // Lower than the bench's 48: on a shared machine etcd times out bulk txns at 48.
    'load-concurrency': { type: 'string', default: '16' },
  },
});
const ages = values.ages.split(',').map(Number);
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
const load1 = () => loadavg()[0]!.toFixed(1);

const workDir = mkdtempSync(path.join(tmpdir(), 'chorus-read-age-'));
const logDir = path.join(workDir, 'logs');
mkdirSync(logDir);
const etcd = await startEtcd(workDir);
const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, timeoutMs: 30_000, revisionProbeKey: DEFAULT_ROOT });
interface Row {
  age: number;
  what: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}
const rows: Row[] = [];
try {
  const nowMs = Date.now();
  const graph = generateGraph({
    users: Number(values.users),
    avgFollowing: 50,
    specialFollows: Number(values['special-follows']),
    zipfExponent: 1,
    seed: 1,
    nowMs,
  });
  const loadConcurrency = Number(values['load-concurrency']);
  await loadAccountsAndFollows(kv, graph, await sharedPasswordHash('probe password'), loadConcurrency);
  const accounts = [
    ...graph.users.map((username, i) => ({ username, createdAtMs: graph.createdAtMs[i]! })),
    { username: graph.special.username, createdAtMs: graph.special.createdAtMs },
  ];
  const { tokens } = await loadSessions(kv, accounts, 6 * 3600, loadConcurrency);
  const usersFile = path.join(workDir, 'users.txt');
  const specialFile = path.join(workDir, 'special.txt');
  const users = tokens.filter((t) => t.username !== graph.special.username).map((t) => benchUser(t.username, t.token));
  const special = tokens.filter((t) => t.username === graph.special.username).map((t) => benchUser(t.username, t.token));
  writeUsers(usersFile, users);
  writeUsers(specialFile, special);
  await loadPosts(kv, new PostGenerator(graph, 2, 1, nowMs), Number(values.posts), loadConcurrency);
  log(`loaded ${graph.users.length} users, ${graph.edges} follow edges, ${values.posts} posts`);

  const generator = new LoadGenerator(chooseGenerator('auto'), workDir, Number(values.warmup));
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const record = (age: number, what: string, result: LoadResult) => {
    // Kept and counted, not thrown: on a machine this shared, wrk's 2 s timeout is what errors are.
    const errors = result.errorCount + (result.warmupErrors ?? 0);
    rows.push({ age, what, rps: result.rps, p50: result.latencyMs.p50, p99: result.latencyMs.p99, errors });
    log(
      `age ${age} ms, ${what}: ${result.rps.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, ` +
        `p99 ${result.latencyMs.p99.toFixed(1)} ms, errors ${errors}${errors > 0 ? ` ${JSON.stringify(result.errors)}` : ''}`,
    );
  };
  // One deployment per age, all up at once on the same store, so that each round measures every age within
  // a minute: the machine's other load then falls on all alike, as it would not across restarts.
  const deployments: { age: number; cluster: ClusterDeployment }[] = [];
  for (const age of ages) {
    process.env.CHORUS_READ_INDEX_AGE_MS = String(age);
    deployments.push({ age, cluster: await ClusterDeployment.start(etcd, { workDir, logDir, webInstances: 1 }) });
    log(`age ${age} ms: auth, social and web started`);
  }
  for (let round = 0; round < Number(values.rounds); round++) {
    const hello = await measureHello(generator, { connections, durationS, logDir });
    log(`round ${round + 1}: node:http ${hello.result.rps.toFixed(0)} req/s (load average ${load1()})`);
    rows.push({
      age: -1,
      what: 'node:http',
      rps: hello.result.rps,
      p50: hello.result.latencyMs.p50,
      p99: hello.result.latencyMs.p99,
      errors: 0,
    });
    for (const { age, cluster } of round % 2 === 0 ? deployments : [...deployments].reverse()) {
      cluster.assertRunning();
      const ports = cluster.webPorts;
      const measure = async (what: string, workload: Workload, file: string, probeUsers: typeof users, n: number) => {
        await probe(`http://127.0.0.1:${ports[0]}`, workload, probeUsers);
        log(`age ${age} ms, ${what}: load average ${load1()}`);
        record(age, what, await generator.measure({ workload, usersFile: file, ports, connections: n, durationS }));
      };
      await measure('home feed', 'feed', usersFile, users, connections);
      await measure(`feed of ${graph.special.username}`, 'feed', specialFile, special, Number(values['special-connections']));
      await measure('post writes', 'posts', usersFile, users, connections);
      // Alone, a post's latency shows the commit-wait itself.
      await measure('post writes, 1 connection', 'posts', usersFile, users, 1);
    }
  }
  for (const { cluster } of deployments) await cluster.stop();
} finally {
  await stopAllSupervised();
  await kv.close().catch(() => undefined);
  await etcd.stop({ signal: 'SIGKILL' });
  rmSync(workDir, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const hello = median(rows.filter((r) => r.age === -1).map((r) => r.rps));
console.log(`\nmedians over ${values.rounds} rounds (node:http ${hello.toFixed(0)} req/s)`);
for (const what of [...new Set(rows.filter((r) => r.age >= 0).map((r) => r.what))]) {
  for (const age of ages) {
    const of = rows.filter((r) => r.age === age && r.what === what);
    const rps = median(of.map((r) => r.rps));
    console.log(
      `${what.padEnd(24)} age ${String(age).padStart(3)} ms: ${rps.toFixed(0).padStart(6)} req/s (${((rps / hello) * 100).toFixed(1)} %), ` +
        `p50 ${median(of.map((r) => r.p50)).toFixed(1)} ms, p99 ${median(of.map((r) => r.p99)).toFixed(1)} ms, ` +
        `errors ${of.reduce((sum, r) => sum + r.errors, 0)}`,
    );
  }
}
