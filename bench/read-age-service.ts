#!/usr/bin/env node
/**
 * The social service's reads and posts in process at each read index age
 * (issue 13, CHORUS_READ_INDEX_AGE_MS), without the web tier and gRPC:
 *
 *   node dist/bench/read-age-service.js [--ages 0,10] [--rounds 6] [--seconds 4]
 *     [--users N] [--posts N] [--in-flight N]
 *
 * One 3-member etcd cluster holding the bench's synthetic graph, one
 * watch-fed view, and one SocialService per age over that view, each
 * through a KV that counts its calls (and, above 0, waits after its writes
 * as `openStore` makes the services do). Each round runs every age in
 * turn, the order reversed every other round, so that the machine's other
 * load falls on each alike: home feeds of random users at 64 in flight,
 * the feed of the user following 5,000 at 4, and posts one at a time.
 * Since only the read index differs between the services, the difference
 * is what the age buys: the wait for a quorum read, and how many there are.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CommitWaitKV } from '../src/kv/commit-wait-kv.js';
import { EtcdKV } from '../src/kv/etcd-kv.js';
import { DEFAULT_ROOT } from '../src/kv/keys.js';
import { ReadModel } from '../src/services/social/read-model.js';
import { SocialService } from '../src/services/social/social-service.js';
import { loadAccountsAndFollows, loadPosts, loadSessions, sharedPasswordHash } from './bulk-load.js';
import { closedLoop, type OpsResult } from './ceilings.js';
import { countingKv } from './counting-kv.js';
import { startEtcd } from './deploy.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const { values } = parseArgs({
  options: {
    ages: { type: 'string', default: '0,10' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '4' },
    users: { type: 'string', default: '6000' },
    posts: { type: 'string', default: '40000' },
    'in-flight': { type: 'string', default: '64' },
  },
});
const ages = values.ages.split(',').map(Number);
const seconds = Number(values.seconds);
const load1 = () => loadavg()[0]!.toFixed(1);

const workDir = mkdtempSync(path.join(tmpdir(), 'chorus-read-age-service-'));
const etcd = await startEtcd(workDir);
const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, timeoutMs: 30_000, revisionProbeKey: DEFAULT_ROOT });
let model: ReadModel | undefined;
interface Row {
  age: number;
  what: string;
  result: OpsResult;
  revisionsPerCall: number;
}
const rows: Row[] = [];
try {
  const nowMs = Date.now();
  const graph = generateGraph({ users: Number(values.users), avgFollowing: 50, specialFollows: 5000, zipfExponent: 1, seed: 1, nowMs });
  await loadAccountsAndFollows(kv, graph, await sharedPasswordHash('probe password'), 16);
  const accounts = [
    ...graph.users.map((username, i) => ({ username, createdAtMs: graph.createdAtMs[i]! })),
    { username: graph.special.username, createdAtMs: graph.special.createdAtMs },
  ];
  const { tokens } = await loadSessions(kv, accounts, 6 * 3600, 16);
  await loadPosts(kv, new PostGenerator(graph, 2, 1, nowMs), Number(values.posts), 16);
  const readers = tokens.filter((t) => t.username !== graph.special.username);
  const special = tokens.find((t) => t.username === graph.special.username)!;
  model = await ReadModel.start({ kv });
  console.log(`loaded ${graph.users.length} users, ${graph.edges} follow edges, ${values.posts} posts; view ready`);
  const services = ages.map((age) => {
    const counted = countingKv(kv);
    const writes = age > 0 ? new CommitWaitKV(counted.kv, age) : counted.kv;
    return { age, calls: counted.calls, social: new SocialService({ kv: writes, readModel: model, readIndexAgeMs: age }) };
  });
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  let posted = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const { age, calls, social } of round % 2 === 0 ? services : [...services].reverse()) {
      const run = async (what: string, inFlight: number, op: () => Promise<unknown>) => {
        const before = calls.get('revision') ?? 0;
        const load = load1();
        const result = await closedLoop(op, inFlight, seconds);
        const revisionsPerCall = ((calls.get('revision') ?? 0) - before) / Math.max(1, result.ops);
        rows.push({ age, what, result, revisionsPerCall });
        console.log(
          `round ${round + 1}, age ${age} ms, ${what}: ${result.opsPerS.toFixed(0)}/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, ` +
            `p99 ${result.latencyMs.p99.toFixed(1)} ms, ${revisionsPerCall.toFixed(3)} quorum reads per call, errors ${result.errors} (load average ${load})`,
        );
      };
      await run('home feed', Number(values['in-flight']), () => social.as(pick(readers).token).homeFeed(20));
      await run('follows-5000 feed', 4, () => social.as(special.token).homeFeed(20));
      await run('post, 1 in flight', 1, () => social.as(pick(readers).token).post(`read age probe ${++posted}`));
    }
  }
} finally {
  await model?.close();
  await kv.close().catch(() => undefined);
  await etcd.stop({ signal: 'SIGKILL' });
  rmSync(workDir, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(`\nmedians over ${values.rounds} rounds`);
for (const what of [...new Set(rows.map((r) => r.what))]) {
  for (const age of ages) {
    const of = rows.filter((r) => r.age === age && r.what === what);
    console.log(
      `${what.padEnd(18)} age ${String(age).padStart(3)} ms: ${median(of.map((r) => r.result.opsPerS))
        .toFixed(0)
        .padStart(6)}/s, ` +
        `p50 ${median(of.map((r) => r.result.latencyMs.p50)).toFixed(1)} ms, p99 ${median(of.map((r) => r.result.latencyMs.p99)).toFixed(1)} ms, ` +
        `${median(of.map((r) => r.revisionsPerCall)).toFixed(3)} quorum reads per call, errors ${of.reduce((n, r) => n + r.result.errors, 0)}`,
    );
  }
}
