/**
 * `node dist/bench/view-snapshot-load.js [--posts N] [--dir DIR]`: the
 * store-free part of a restart from a snapshot. Builds the social view of
 * the bench's data set (10,000 accounts, ~500,000 follow edges, 10,000
 * sessions, N posts; 1,000,000 by default) in memory from records in the
 * store's formats, saves it, then loads it in a fresh process and prints
 * the time and memory of each step. The store's part (identity, revision,
 * a watch with nothing to replay) is a few round trips; bench/restart.ts
 * times the whole start against etcd.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { keyspace } from '../src/kv/keys.js';
import type { StoredSession } from '../src/kv/records.js';
import { View } from '../src/services/social/view.js';
import { ViewSnapshots } from '../src/services/social/view-snapshot.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const { values } = parseArgs({ options: { posts: { type: 'string' }, dir: { type: 'string' }, load: { type: 'boolean' } } });
const dir = values.dir ?? path.join(tmpdir(), `chorus-view-snapshot-${process.pid}`);
const snapshots = new ViewSnapshots(dir);
const stamp = { store: 'bench', root: keyspace().root, revision: 1 };
const mib = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

if (values.load) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const view = new View();
  const result = await snapshots.load({ store: stamp.store, root: stamp.root, storeRevision: 1 }, view);
  view.endListing();
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      step: 'load',
      ms: Math.round(performance.now() - started),
      cpuMs: Math.round((used.user + used.system) / 1000),
      rssMiB: mib(),
      ...result,
      ...view.stats(),
      load: load(),
    }),
  );
} else {
  const posts = Number(values.posts ?? 1_000_000);
  const keys = keyspace();
  const nowMs = Date.now();
  const graph = generateGraph({ users: 10_000, avgFollowing: 50, specialFollows: 5000, zipfExponent: 1, seed: 1, nowMs });
  const view = new View(keys);
  const put = (key: string, value: string) => view.applyListed({ key, value, modRevision: 2 });
  graph.users.forEach((username, i) => {
    put(keys.account(username), JSON.stringify({ username, createdAtMs: graph.createdAtMs[i]! }));
    const session: StoredSession = { username, accountCreatedAtMs: graph.createdAtMs[i]!, createdAtMs: nowMs, leaseId: '1' };
    put(keys.session(`token${i}`), JSON.stringify(session));
    for (const rank of graph.following[i]!) put(keys.following(username, graph.users[rank]!), '1');
  });
  const generator = new PostGenerator(graph, 2, 1, nowMs);
  for (let i = 0; i < posts; i++) {
    const post = generator.next();
    put(keys.authorPost(post.author, post.id), JSON.stringify(post));
  }
  view.endListing();
  const started = performance.now();
  const saved = await snapshots.save(stamp, view);
  console.log(JSON.stringify({ step: 'save', ms: Math.round(performance.now() - started), ...saved, rssMiB: mib(), load: load() }));
  for (let run = 0; run < 2; run++) {
    const child = spawnSync(process.execPath, [process.argv[1]!, '--load', '--dir', dir], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(child.stderr);
    process.stdout.write(child.stdout);
  }
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}
