#!/usr/bin/env node
/**
 * The status reads of issue 13 on the embedded deployment (`chorus all`),
 * each against a bare node:http in the same run:
 *
 *   node dist/bench/timeline-probe.js load DIR [--users N] [--posts N] [--special-follows N]
 *   node dist/bench/timeline-probe.js measure DIR [--main PATH] [--duration S] [--connections N] [--only a,b] [--profile DIR]
 *
 * `load` bulk-loads the bench's synthetic graph (50 followees per user on
 * average) into DIR's SQLite file, builds one thread of 41 statuses
 * through the API and writes the users and the thread's status ids
 * beside it. `measure` starts `chorus all` on DIR (from `--main`, another
 * build's dist/src/cmd/main.js, to compare builds on the same data) and
 * measures with wrk: the home timeline, a status, a status's context and
 * an account's statuses, each read as a random user, after a bare
 * node:http hello world; and `special`, the home timeline of the one
 * user who follows `--special-follows` accounts (the bench's
 * follows_5000), read at 4 connections like the bench does. It prints one line per workload with the CPU
 * time `chorus all` spent per request (user + system, from /proc: less
 * sensitive to other load than req/s) and the load average at its start,
 * since the machine is shared.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { statusId } from '../src/domain/mastodon-ids.js';
import { EmbeddedKV } from '../src/kv/embedded-kv.js';
import { stopAllSupervised } from '../src/supervisor/supervised-process.js';
import { loadAccountsAndFollows, loadPosts, loadSessions, sharedPasswordHash } from './bulk-load.js';
import { measureHello } from './ceilings.js';
import { EmbeddedDeployment } from './deploy.js';
import { chooseGenerator, LoadGenerator } from './load-generator.js';
import { benchUser, type Workload, writeUsers } from './load-spec.js';
import { recordWindow } from './profile-windows.js';
import { buildThread } from './social-load.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string', default: '10000' },
    posts: { type: 'string', default: '200000' },
    'special-follows': { type: 'string', default: '50' },
    main: { type: 'string' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    only: { type: 'string', default: 'hello,feed,status,thread,account-statuses' },
    profile: { type: 'string' },
  },
});
const [command, dirArg] = positionals;
if ((command !== 'load' && command !== 'measure') || !dirArg) {
  console.error('usage: timeline-probe.js load|measure DIR [options] (see the comment at the top of bench/timeline-probe.ts)');
  process.exit(2);
}
const dir = path.resolve(dirArg);
const dataDir = path.join(dir, 'data');
const usersFile = path.join(dir, 'users.txt');
const threadFile = path.join(dir, 'thread.txt');
const specialFile = path.join(dir, 'special-user.txt');
const logDir = path.join(dir, 'logs');
mkdirSync(logDir, { recursive: true });
const profileDir = values.profile && path.resolve(values.profile);
const deployOptions = {
  workDir: dir,
  logDir,
  webInstances: 1,
  mainScript: values.main && path.resolve(values.main),
  profileDir,
};

async function load(): Promise<void> {
  const nowMs = Date.now();
  const specialFollows = Number(values['special-follows']);
  const graph = generateGraph({ users: Number(values.users), avgFollowing: 50, specialFollows, zipfExponent: 1, seed: 1, nowMs });
  mkdirSync(dataDir, { recursive: true });
  const kv = await EmbeddedKV.open({ path: path.join(dataDir, 'chorus.sqlite'), unsafeNoFsync: true });
  const accounts = graph.users.map((username, i) => ({ username, createdAtMs: graph.createdAtMs[i]! }));
  await loadAccountsAndFollows(kv, graph, await sharedPasswordHash('probe password'), 1);
  const special = { username: graph.special.username, createdAtMs: graph.special.createdAtMs };
  const sessions = await loadSessions(kv, [...accounts, special], 24 * 3600, 1);
  const posts = new PostGenerator(graph, 2, 1, nowMs);
  const stats = await loadPosts(kv, posts, Number(values.posts), 1);
  console.log(`loaded ${graph.users.length} users, ${graph.edges} follows, ${stats.keys} post keys in ${(stats.ms / 1000).toFixed(1)} s`);
  await kv.close();
  const users = sessions.tokens.filter((t) => t.username !== special.username).map((t) => benchUser(t.username, t.token));
  writeUsers(usersFile, users);
  writeUsers(
    specialFile,
    sessions.tokens.filter((t) => t.username === special.username).map((t) => benchUser(t.username, t.token)),
  );

  const all = await EmbeddedDeployment.start(dataDir, deployOptions);
  try {
    const root = statusId(posts.newestIds[5]!);
    const thread = await buildThread(`http://127.0.0.1:${all.webPort}`, root, users.slice(0, 20), 1);
    writeFileSync(threadFile, `${thread.ids.join('\n')}\n`);
    console.log(`thread of ${thread.ids.length} statuses under ${root}`);
  } finally {
    await all.stop();
  }
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), counted after the command's closing parenthesis from field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(): Promise<void> {
  const generator = new LoadGenerator(chooseGenerator('auto'), dir, Number(values.warmup));
  const only = new Set(values.only.split(','));
  const spec = { connections: Number(values.connections), durationS: Number(values.duration) };
  const statusIds = readFileSync(threadFile, 'utf8').split('\n').filter(Boolean);
  const line = (
    what: string,
    r: { rps: number; requests: number; latencyMs: { p50: number; p99: number }; errorCount: number },
    load: number,
    cpu?: number,
  ) =>
    console.log(
      `${what.padEnd(18)} ${Math.round(r.rps).toString().padStart(7)} req/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  ` +
        `${cpu === undefined ? '' : `cpu ${Math.round((cpu / r.requests) * 1e6)} µs/req  `}errors ${r.errorCount}  load ${load.toFixed(2)}`,
    );
  if (only.has('hello')) {
    const load = loadavg()[0]!;
    line('hello (node:http)', (await measureHello(generator, { ...spec, logDir })).result, load);
  }
  const all = await EmbeddedDeployment.start(dataDir, deployOptions);
  try {
    for (const name of ['feed', 'status', 'thread', 'account-statuses', 'special']) {
      if (!only.has(name)) continue;
      const load = loadavg()[0]!;
      const workload: Workload = name === 'special' ? 'feed' : (name as Workload);
      const request =
        name === 'special'
          ? { ...spec, connections: 4, workload, usersFile: specialFile, statusIds, ports: [all.webPort] }
          : { ...spec, workload, usersFile, statusIds, ports: [all.webPort] };
      await generator.measure({ ...request, durationS: Number(values.warmup) }, 0);
      const pid = all.processes()[0]!.pid;
      const cpuBefore = cpuSeconds(pid);
      const result = await generator.measure(request, 0, (window) => profileDir && recordWindow(profileDir, name, window));
      line(name, result, load, cpuSeconds(pid) - cpuBefore);
    }
  } finally {
    await all.stop();
  }
}

try {
  await (command === 'load' ? load() : measure());
} finally {
  await stopAllSupervised();
}
