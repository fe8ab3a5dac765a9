#!/usr/bin/env node
/**
 * `npm run bench`: deploys Chorus on loopback in a temp dir, bulk-loads a
 * synthetic social graph, measures every scenario of issue 3 against its
 * ceiling in the same run, and writes bench/results/<timestamp>.{json,svg}
 * (plus latest.{json,svg}). Exits non-zero on any error (a non-2xx
 * response, a socket error, a crashed process, a failed verification),
 * never on a missed target: the numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedKV } from '../src/kv/embedded-kv.js';
import { EtcdKV } from '../src/kv/etcd-kv.js';
import { DEFAULT_ROOT } from '../src/kv/keys.js';
import type { KV } from '../src/kv/kv.js';
import type { EtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { stopAllSupervised } from '../src/supervisor/supervised-process.js';
import { type LoadStats, loadAccountsAndFollows, loadPosts, loadSessions, type SessionToken, sharedPasswordHash } from './bulk-load.js';
import { etcdGetCeiling, etcdPutCeiling, measureHello } from './ceilings.js';
import { renderChart } from './chart.js';
import { ClusterDeployment, EmbeddedDeployment, type Measured, sampleRss, startEtcd } from './deploy.js';
import { chooseGenerator, LoadGenerator } from './load-generator.js';
import { type BenchUser, benchUser, type Workload, writeUsers } from './load-spec.js';
import { type BenchOptions, parseBenchOptions, SCENARIOS, type Scenario, USAGE } from './options.js';
import { recordWindow } from './profile-windows.js';
import { type BenchReport, evaluateTargets, formatReport, type LoadStep, machineInfo, type ScenarioResult } from './report.js';
import { buildThread, checkFavouriteCounts, checkFavouriteRoundTrip, checkThread, HOT_STATUSES, hotStatuses } from './social-load.js';
import { type Graph, generateGraph, PostGenerator } from './synthetic.js';
import { checkFeed, checkLogin, checkProfile, eventually, probe, registerApp } from './verify.js';

const PASSWORD = 'bench password';
const SESSION_TTL_SECONDS = 6 * 3600;

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const progress = (message: string) => console.log(`[${elapsed()}] ${message}`);

/** What must be stopped whatever happens. */
const resources: { etcd?: EtcdCluster; kv?: KV; workDir?: string; keepTemp: boolean } = { keepTemp: false };

async function cleanup(): Promise<void> {
  await stopAllSupervised();
  await resources.kv?.close().catch(() => undefined);
  await resources.etcd?.stop({ signal: 'SIGKILL' });
  if (resources.workDir) {
    if (resources.keepTemp) console.log(`temp dir kept: ${resources.workDir}`);
    else rmSync(resources.workDir, { recursive: true, force: true });
  }
}

function writeUsersFile(file: string, tokens: SessionToken[]): BenchUser[] {
  const users = tokens.map((t) => benchUser(t.username, t.token));
  writeUsers(file, users);
  return users;
}

function step(what: string, stats: LoadStats): LoadStep {
  const seconds = stats.ms / 1000;
  progress(
    `loaded ${what}: ${stats.keys} keys in ${stats.txns} txns, ${seconds.toFixed(1)} s (${Math.round(stats.keys / seconds)} keys/s)`,
  );
  return { what, keys: stats.keys, txns: stats.txns, seconds, keysPerS: stats.keys / seconds };
}

/** Users whose feeds and profiles are checked: the most followed, one from the middle, the least followed, and the special user. */
function checkedRanks(graph: Graph): number[] {
  const n = graph.users.length;
  return [...new Set([0, Math.floor(n / 2), n - 1])];
}

async function verifyAll(baseUrl: string, graph: Graph, posts: PostGenerator, tokens: Map<string, string>, exact: boolean): Promise<void> {
  for (const rank of checkedRanks(graph)) {
    await checkProfile(baseUrl, {
      username: graph.users[rank]!,
      token: tokens.get(graph.users[rank]!)!,
      newestId: posts.newestIds[rank]!,
      followers: graph.followerCounts[rank]!,
      following: graph.following[rank]!.length,
      posts: posts.postCounts[rank]!,
      exact,
    });
    const followees = graph.following[rank]!;
    await checkFeed(baseUrl, {
      username: graph.users[rank]!,
      token: tokens.get(graph.users[rank]!)!,
      newestId: posts.newestAmong(followees),
      items: Math.min(20, posts.countAmong(followees)),
      mode: exact ? 'exact' : 'shape',
    });
  }
  const special = graph.special;
  await checkFeed(baseUrl, {
    username: special.username,
    token: tokens.get(special.username)!,
    newestId: posts.newestAmong(special.following),
    items: Math.min(20, posts.countAmong(special.following)),
    // Nobody in the measured workloads follows on its behalf, so only new posts can change its feed.
    mode: exact ? 'exact' : 'newer',
  });
}

async function etcdVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('etcd', ['--version']);
    return /etcd Version:\s*(\S+)/.exec(stdout)?.[1] ?? stdout.split('\n')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function runBench(options: BenchOptions, workDir: string, report: BenchReport): Promise<void> {
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const generator = new LoadGenerator(report.machine.generator as 'wrk' | 'autocannon', workDir, options.warmupS);
  const nowMs = Date.now();

  const graph = generateGraph({
    users: options.users,
    avgFollowing: options.avgFollowing,
    specialFollows: options.specialFollows,
    zipfExponent: options.zipfExponent,
    seed: options.seed,
    nowMs,
  });
  report.graph = {
    users: graph.users.length,
    followEdges: graph.edges,
    avgFollowing: (graph.edges - graph.special.following.length) / graph.users.length,
    maxFollowers: Math.max(...graph.followerCounts),
    specialUser: graph.special.username,
    specialFollows: graph.special.following.length,
  };
  progress(`graph: ${graph.users.length} users, ${graph.edges} follow edges, most-followed has ${report.graph.maxFollowers} followers`);
  const accounts = [
    ...graph.users.map((username, i) => ({ username, createdAtMs: graph.createdAtMs[i]! })),
    { username: graph.special.username, createdAtMs: graph.special.createdAtMs },
  ];
  const passwordHash = await sharedPasswordHash(PASSWORD);

  /** The bare node:http ceiling, measured once per run, before the first scenario that is divided by it. */
  const measureHttpCeiling = async () => {
    progress('measuring the bare node:http ceiling');
    const hello = await measureHello(generator, { connections: options.connections, durationS: options.durationS, logDir });
    report.ceilings.nodeHttp = {
      rps: hello.result.rps,
      latencyMs: hello.result.latencyMs,
      connections: options.connections,
      rssMiB: hello.rssMiB,
    };
    if (hello.result.errorCount + (hello.result.warmupErrors ?? 0) > 0) {
      report.errors += hello.result.errorCount + (hello.result.warmupErrors ?? 0);
      report.failures.push(`node:http ceiling: ${JSON.stringify(hello.result.errors)}`);
    }
    progress(`bare node:http: ${hello.result.rps.toFixed(0)} req/s, p99 ${hello.result.latencyMs.p99.toFixed(2)} ms`);
    return { name: 'node:http' as const, rate: hello.result.rps };
  };
  const runs = (name: Scenario) => options.only.includes(name);

  /** Scenario runner shared by both deployments. */
  const scenario = async (def: {
    id: string;
    label: string;
    deployment: 'cluster' | 'embedded';
    posts: number;
    workload: Workload;
    usersFile: string;
    users: BenchUser[];
    statusIds?: string[];
    ports: number[];
    connections: number;
    /** Shorter measurements than the others' (see socialScenarios). */
    durationS?: number;
    warmupS?: number;
    ceiling?: { name: 'node:http' | 'etcd one-put txn'; rate: number | undefined };
    processes: () => Measured[];
    assertRunning: () => void;
  }): Promise<ScenarioResult | undefined> => {
    try {
      await probe(`http://127.0.0.1:${def.ports[0]}`, def.workload, def.users, def.statusIds);
      const result = await generator.measure(
        {
          workload: def.workload,
          usersFile: def.usersFile,
          statusIds: def.statusIds,
          ports: def.ports,
          connections: def.connections,
          durationS: def.durationS ?? options.durationS,
        },
        def.warmupS,
        (window) => options.profileDir && recordWindow(options.profileDir, def.id, window),
      );
      def.assertRunning();
      const errors = result.errorCount + (result.warmupErrors ?? 0);
      const ratio = def.ceiling?.rate ? result.rps / def.ceiling.rate : undefined;
      const s: ScenarioResult = {
        id: def.id,
        label: def.label,
        deployment: def.deployment,
        posts: def.posts,
        webInstances: def.ports.length,
        connections: def.connections,
        requests: result.requests,
        rps: result.rps,
        latencyMs: result.latencyMs,
        errors,
        errorDetail: { ...result.errors, warmup: result.warmupErrors ?? 0 },
        ceiling: def.ceiling?.name,
        ratio,
        rssMiB: sampleRss(def.processes()),
      };
      report.scenarios.push(s);
      report.errors += errors;
      if (errors > 0) report.failures.push(`${def.label}: ${errors} errors ${JSON.stringify(s.errorDetail)}`);
      // Requests still in flight when the measurement ends are not counted: none answered means nothing was measured,
      // which a slow machine can cause without any error, so it is a warning, not a failure.
      if (result.requests === 0) {
        const warning = `${def.label}: no request was answered in the ${result.durationS.toFixed(1)} s measured; its figures are not a measurement`;
        report.warnings.push(warning);
        progress(`WARNING: ${warning}`);
      }
      progress(
        `${def.label}: ${s.rps.toFixed(0)} req/s${ratio === undefined ? '' : ` (${(ratio * 100).toFixed(1)} % of ${def.ceiling!.name})`}, ` +
          `p50 ${s.latencyMs.p50.toFixed(2)} ms, p99 ${s.latencyMs.p99.toFixed(2)} ms, p99.9 ${s.latencyMs.p999.toFixed(2)} ms, errors ${errors}`,
      );
      return s;
    } catch (error) {
      def.assertRunning();
      report.errors++;
      report.failures.push(`${def.label}: ${(error as Error).message}`);
      progress(`${def.label}: FAILED: ${(error as Error).message}`);
      return undefined;
    }
  };

  const anyOnCluster = options.only.some((name) => name !== 'embedded');
  const httpCeiling = anyOnCluster ? await clusterScenarios() : undefined;
  if (options.embedded) await embeddedScenario(httpCeiling ?? (await measureHttpCeiling()));

  /** The replicated deployment's scenarios; answers the node:http ceiling it measured. */
  async function clusterScenarios() {
    progress('starting a 3-member etcd cluster');
    const etcd = await startEtcd(workDir);
    resources.etcd = etcd;
    const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, timeoutMs: 30_000, revisionProbeKey: DEFAULT_ROOT });
    resources.kv = kv;
    report.load.push(
      step('accounts and follow edges (etcd)', await loadAccountsAndFollows(kv, graph, passwordHash, options.loadConcurrency)),
    );
    const sessions = await loadSessions(kv, accounts, SESSION_TTL_SECONDS, options.loadConcurrency);
    report.load.push(step('sessions (etcd)', sessions.stats));
    const tokens = new Map(sessions.tokens.map((t) => [t.username, t.token]));
    const usersFile = path.join(workDir, 'users.txt');
    const specialFile = path.join(workDir, 'special-user.txt');
    const users = writeUsersFile(
      usersFile,
      sessions.tokens.filter((t) => t.username !== graph.special.username),
    );
    const specialUsers = writeUsersFile(
      specialFile,
      sessions.tokens.filter((t) => t.username === graph.special.username),
    );

    const postGenerator = new PostGenerator(graph, options.seed + 1, options.zipfExponent, nowMs);
    let loaded = 0;
    const growTo = async (size: number) => {
      if (size <= loaded) return;
      report.load.push(
        step(`posts ${loaded} → ${size} (etcd)`, await loadPosts(kv, postGenerator, size - loaded, options.loadConcurrency)),
      );
      loaded = size;
    };
    await growTo(options.sizes[0]!);

    const webCount = Math.max(options.webInstances, options.compareWeb ? 2 : 1);
    progress(`starting auth, social and ${webCount} web instance(s)`);
    const cluster = await ClusterDeployment.start(etcd, {
      workDir,
      logDir,
      webInstances: webCount,
      profileDir: options.profileDir,
      mainScript: options.mainScript,
    });
    const ports = cluster.webPorts.slice(0, options.webInstances);
    const baseUrl = `http://127.0.0.1:${ports[0]}`;
    await checkLogin(baseUrl, await registerApp(baseUrl), graph.users[0]!, PASSWORD);
    let measuredWrites = false;
    await verifyAll(baseUrl, graph, postGenerator, tokens, true);
    progress('load verified through the Mastodon API (account counts, statuses, home timelines, a log-in)');

    const httpCeiling = await measureHttpCeiling();

    const coldStart = async (posts: number) => {
      const ms = await cluster.startSocial();
      const entry = { ms, posts, socialRssMiB: sampleRss(cluster.processes()).social };
      report.coldStarts.push(entry);
      progress(`social cold start on ${posts} posts: ${(ms / 1000).toFixed(2)} s to SERVING, RSS ${entry.socialRssMiB} MiB`);
    };
    const onCluster = {
      deployment: 'cluster' as const,
      processes: () => cluster.processes(),
      assertRunning: () => cluster.assertRunning(),
    };
    /**
     * Favourites of a few popular statuses (the hot-key question) and reads
     * of one thread, each checked through the API first. Measured for half
     * as long as the others (at least 3 s, as long as the quick run's
     * others), after half the warm-up, to keep the default run under 10
     * minutes; so is the one-put ceiling the favourites are divided by,
     * measured again just before them (the ceiling falls as the run fills
     * etcd, by up to half within one run).
     */
    const socialScenarios = async (size: number) => {
      const social = { ...onCluster, posts: size, usersFile, users, ports, connections: options.connections };
      const short = {
        durationS: Math.min(options.durationS, Math.max(3, Math.ceil(options.durationS / 2))),
        warmupS: Math.ceil(options.warmupS / 2),
      };
      const newest = hotStatuses(postGenerator.newestIds, HOT_STATUSES + 1);
      const hot = newest.slice(0, HOT_STATUSES);
      if (runs('favourites')) {
        await checkFavouriteRoundTrip(baseUrl, users[0]!, hot[0]!);
        const put = await etcdPutCeiling(kv, options.connections, short.durationS, short.warmupS);
        report.ceilings.etcdPutBeforeFavourites = { ...put, inFlight: options.connections };
        const putRate = put.opsPerS;
        progress(`etcd one-put txn, just before the favourites: ${put.opsPerS.toFixed(0)}/s, p99 ${put.latencyMs.p99.toFixed(2)} ms`);
        const favourites = await scenario({
          ...social,
          ...short,
          id: 'favourites',
          label: `favourites of ${hot.length} popular statuses`,
          workload: 'favourites',
          statusIds: hot,
          ceiling: { name: 'etcd one-put txn', rate: putRate },
        });
        if (favourites) await checkFavouriteCounts(baseUrl, users.slice(0, 2), hot, users.length);
      }
      if (!runs('thread')) return;
      progress('building a thread through the API');
      const thread = await buildThread(baseUrl, newest.at(-1)!, users.slice(0, 20), options.seed);
      await checkThread(baseUrl, users[0]!, thread);
      progress(`thread of ${thread.ids.length} statuses built and checked through GET /api/v1/statuses/:id/context`);
      await scenario({
        ...social,
        ...short,
        id: 'thread',
        label: `thread reads (${thread.ids.length} statuses)`,
        workload: 'thread',
        statusIds: thread.ids,
        ceiling: httpCeiling,
      });
    };

    for (const size of options.sizes) {
      if (size > loaded) {
        // The social service is down while posts load: its view would otherwise ingest every one through
        // its watch, which on 2 cores halves the load rate. Starting it again measures the cold start at this size.
        await cluster.stopSocial();
        await growTo(size);
        progress(`starting the social service on ${size} posts (cold start)`);
        await coldStart(size);
        await eventually(() => verifyAll(baseUrl, graph, postGenerator, tokens, !measuredWrites), 60_000);
        progress(`${size} posts verified through the API`);
      }
      const feed = runs('feed')
        ? await scenario({
            ...onCluster,
            id: `feed@${size}`,
            label: `home feed, ${size} posts`,
            posts: size,
            workload: 'feed',
            usersFile,
            users,
            ports,
            connections: options.connections,
            ceiling: httpCeiling,
          })
        : undefined;
      const rss = feed?.rssMiB ?? {};
      if (feed) {
        report.sizes.push({
          posts: size,
          rps: feed.rps,
          p50: feed.latencyMs.p50,
          p99: feed.latencyMs.p99,
          p999: feed.latencyMs.p999,
          socialRssMiB: rss.social,
          etcdRssMiB: rss['etcd-1'],
        });
      }
      if (size !== options.posts) continue;

      if (options.compareWeb) {
        const other = options.webInstances === 1 ? 2 : 1;
        await scenario({
          ...onCluster,
          id: `feed-web-${other}`,
          label: `home feed, ${other} web instance${other > 1 ? 's' : ''}`,
          posts: size,
          workload: 'feed',
          usersFile,
          users,
          ports: cluster.webPorts.slice(0, other),
          connections: options.connections,
          ceiling: httpCeiling,
        });
      }
      if (runs('profiles'))
        await scenario({
          ...onCluster,
          id: 'profiles',
          label: 'profile reads',
          posts: size,
          workload: 'profiles',
          usersFile,
          users,
          ports,
          connections: options.connections,
          ceiling: httpCeiling,
        });
      if (runs('follows-many'))
        await scenario({
          ...onCluster,
          id: 'feed-follows-many',
          label: `feed of ${graph.special.username}`,
          posts: size,
          workload: 'feed',
          usersFile: specialFile,
          users: specialUsers,
          ports,
          connections: options.specialConnections,
        });

      const writes = (['posts', 'mix', 'favourites', 'thread'] as const).some(runs);
      if (!writes) continue;
      // The ceiling of the writes (posts, favourites); the linearizable get beside it.
      let putRate = 0;
      if (runs('posts') || runs('favourites')) {
        progress('measuring the etcd ceilings (EtcdKV, same client as the services)');
        const put = await etcdPutCeiling(kv, options.connections, options.durationS, options.warmupS);
        report.ceilings.etcdPut = { ...put, inFlight: options.connections };
        progress(`etcd one-put txn: ${put.opsPerS.toFixed(0)}/s, p99 ${put.latencyMs.p99.toFixed(2)} ms, errors ${put.errors}`);
        const get = await etcdGetCeiling(kv, options.connections, options.durationS, options.warmupS);
        report.ceilings.etcdGet = { ...get, inFlight: options.connections };
        progress(`etcd linearizable get: ${get.opsPerS.toFixed(0)}/s, p99 ${get.latencyMs.p99.toFixed(2)} ms, errors ${get.errors}`);
        putRate = put.opsPerS;
      }

      measuredWrites = true;
      if (runs('posts'))
        await scenario({
          ...onCluster,
          id: 'posts',
          label: 'post writes',
          posts: size,
          workload: 'posts',
          usersFile,
          users,
          ports,
          connections: options.connections,
          ceiling: { name: 'etcd one-put txn', rate: putRate },
        });
      if (runs('mix'))
        await scenario({
          ...onCluster,
          id: 'mix',
          label: 'mix 90/8/2',
          posts: size,
          workload: 'mix',
          usersFile,
          users,
          ports,
          connections: options.connections,
          ceiling: httpCeiling,
        });

      // Issue 11's scenarios come last at this size, so every scenario above runs on the same data as before they existed.
      try {
        await socialScenarios(size);
      } catch (error) {
        report.errors++;
        report.failures.push(`issue 11 scenarios: ${(error as Error).message}`);
        progress(`issue 11 scenarios: FAILED: ${(error as Error).message}`);
      }
    }

    // A run of some scenarios only (--only) measures no closing cold start: only a full run reports it.
    if (report.coldStarts.length === 0 && SCENARIOS.every(runs)) {
      await cluster.stopSocial();
      await coldStart(loaded);
      await eventually(() => verifyAll(baseUrl, graph, postGenerator, tokens, false), 30_000);
    }
    report.coldStart = report.coldStarts[report.coldStarts.length - 1];

    await cluster.stop();
    await kv.close();
    resources.kv = undefined;
    await etcd.stop({ signal: 'SIGKILL' });
    resources.etcd = undefined;
    return httpCeiling;
  }

  async function embeddedScenario(httpCeiling: { name: 'node:http'; rate: number }) {
    // The embedded deployment: loaded before `all` starts, since the SQLite file is locked by one process.
    const dataDir = path.join(workDir, 'embedded');
    mkdirSync(dataDir, { recursive: true });
    progress(`loading the embedded store (${options.posts} posts)`);
    // Throwaway data: loaded without fsync per transaction (the store is closed, so synced, before Chorus opens it).
    const embedded = await EmbeddedKV.open({ path: path.join(dataDir, 'chorus.sqlite'), unsafeNoFsync: true });
    resources.kv = embedded;
    report.load.push(step('accounts and follow edges (embedded)', await loadAccountsAndFollows(embedded, graph, passwordHash, 1)));
    const embeddedSessions = await loadSessions(embedded, accounts, SESSION_TTL_SECONDS, 1);
    report.load.push(step('sessions (embedded)', embeddedSessions.stats));
    const embeddedPosts = new PostGenerator(graph, options.seed + 1, options.zipfExponent, nowMs);
    report.load.push(step(`posts 0 → ${options.posts} (embedded)`, await loadPosts(embedded, embeddedPosts, options.posts, 1)));
    await embedded.close();
    resources.kv = undefined;
    const embeddedFile = path.join(workDir, 'users-embedded.txt');
    const embeddedUsers = writeUsersFile(
      embeddedFile,
      embeddedSessions.tokens.filter((t) => t.username !== graph.special.username),
    );

    progress('starting the embedded deployment (chorus all)');
    const all = await EmbeddedDeployment.start(dataDir, {
      workDir,
      logDir,
      webInstances: 1,
      profileDir: options.profileDir,
      mainScript: options.mainScript,
    });
    const embeddedTokens = new Map(embeddedSessions.tokens.map((t) => [t.username, t.token]));
    await verifyAll(`http://127.0.0.1:${all.webPort}`, graph, embeddedPosts, embeddedTokens, true);
    await scenario({
      id: 'embedded-feed',
      label: `home feed, embedded, ${options.posts} posts`,
      deployment: 'embedded',
      posts: options.posts,
      workload: 'feed',
      usersFile: embeddedFile,
      users: embeddedUsers,
      ports: [all.webPort],
      connections: options.connections,
      ceiling: httpCeiling,
      processes: () => all.processes(),
      assertRunning: () => all.assertRunning(),
    });
    await all.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchOptions(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const workDir = mkdtempSync(path.join(tmpdir(), 'chorus-bench-'));
  resources.workDir = workDir;
  resources.keepTemp = options.keepTemp;
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nbench: ${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const generatorName = chooseGenerator(options.generator);
  const startedAt = new Date();
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    durationS: 0,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    options,
    machine: machineInfo(await etcdVersion(), generatorName),
    graph: { users: 0, followEdges: 0, avgFollowing: 0, maxFollowers: 0, specialUser: '', specialFollows: 0 },
    load: [],
    ceilings: {},
    scenarios: [],
    sizes: [],
    coldStarts: [],
    targets: [],
    errors: 0,
    failures: [],
    warnings: [],
  };
  progress(`work dir ${workDir}; generator ${generatorName}; ${options.quick ? 'quick' : 'full'} run`);
  try {
    await runBench(options, workDir, report);
  } catch (error) {
    report.errors++;
    report.failures.push(
      `aborted: ${(error as Error).stack ?? String(error)}${(error as Error).cause ? `\ncause: ${String((error as Error).cause)}` : ''}`,
    );
    progress(`ABORTED: ${(error as Error).message}`);
  } finally {
    if (!interrupted) await cleanup();
  }
  if (interrupted) return 130;
  report.durationS = (performance.now() - started) / 1000;
  report.targets = evaluateTargets(report);
  console.log(`\n${formatReport(report)}\n`);
  mkdirSync(options.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const jsonFile = path.join(options.outDir, `${stamp}.json`);
  const svgFile = path.join(options.outDir, `${stamp}.svg`);
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svgFile, renderChart(report));
  copyFileSync(jsonFile, path.join(options.outDir, 'latest.json'));
  copyFileSync(svgFile, path.join(options.outDir, 'latest.svg'));
  console.log(`results: ${jsonFile}\n         ${svgFile}`);
  if (report.errors > 0) {
    console.error(`bench: ${report.errors} error(s); see FAILURES above`);
    return 1;
  }
  return 0;
}

// Exit explicitly: a stray handle (a gRPC channel in reconnect back-off) must not keep a CI job waiting.
process.exit(await main(process.argv.slice(2)));
