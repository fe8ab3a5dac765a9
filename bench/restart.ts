/**
 * `node dist/bench/restart.js [--posts N] [--runs N] [--modes listing,snapshot] [--work-dir DIR]`:
 * times the social read model's start against a 3-member etcd cluster
 * holding the bench's data set (10,000 accounts, ~500,000 follow edges,
 * 10,000 sessions, N posts; 200,000 by default), by listing the store and
 * by loading its snapshot (the store unchanged since it was saved),
 * alternately, each start in a fresh process. A work dir that already
 * holds a loaded cluster (from an earlier run with --keep) is reused.
 *
 * The child mode (`--measure listing|snapshot --endpoints a,b,c --dir D`)
 * starts one read model, prints one JSON line and exits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EtcdKV } from '../src/kv/etcd-kv.js';
import { DEFAULT_ROOT, keyspace } from '../src/kv/keys.js';
import { startEtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { ReadModel } from '../src/services/social/read-model.js';
import { ViewSnapshots } from '../src/services/social/view-snapshot.js';
import { loadAccountsAndFollows, loadPosts, loadSessions, sharedPasswordHash } from './bulk-load.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const { values } = parseArgs({
  options: {
    posts: { type: 'string' },
    runs: { type: 'string' },
    'work-dir': { type: 'string' },
    keep: { type: 'boolean' },
    measure: { type: 'string' },
    endpoints: { type: 'string' },
    dir: { type: 'string' },
    modes: { type: 'string' },
  },
});

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

if (values.measure) {
  await measure(values.measure, values.endpoints!.split(','), values.dir!);
} else {
  await main();
}

/** One start in this process: how long until the view is whole, and what it costs. */
async function measure(mode: string, endpoints: string[], dir: string): Promise<void> {
  const kv = await EtcdKV.connect({ endpoints, timeoutMs: 30_000, revisionProbeKey: DEFAULT_ROOT });
  const fields: Record<string, unknown> = {};
  const log = (message: string, f?: Record<string, unknown>) => {
    if (message === 'loaded the view snapshot') fields.loadMs = f?.loadMs;
    if (message === 'saved the view snapshot') Object.assign(fields, { saveMs: f?.ms, bytes: f?.bytes, entries: f?.entries });
    if (message.startsWith('view snapshot not used') || message.startsWith('watch')) fields.note = `${message} ${JSON.stringify(f)}`;
    // Every line on stderr: the parent shows a start's slow or failed pages (read-model.ts #timed).
    process.stderr.write(`${message} ${f ? JSON.stringify(f) : ''}\n`);
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const model = await ReadModel.start({
    kv,
    keys: keyspace(),
    log,
    snapshots: mode === 'listing' ? undefined : new ViewSnapshots(dir),
  });
  const startMs = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  const cpuMs = Math.round((used.user + used.system) / 1000);
  const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const stats = model.view.stats();
  // Closing saves the snapshot (when the view changed since the one loaded, or there was none).
  await model.close();
  await kv.close();
  console.log(JSON.stringify({ mode, startMs, cpuMs, rssMiB, ...stats, ...fields, load: load() }));
}

async function main(): Promise<void> {
  const posts = Number(values.posts ?? 200_000);
  const runs = Number(values.runs ?? 2);
  const workDir = values['work-dir'] ?? mkdtempSync(path.join(tmpdir(), 'chorus-restart-'));
  mkdirSync(workDir, { recursive: true });
  const loadedFile = path.join(workDir, 'loaded.json');
  const etcd = await startEtcdCluster({ dataDir: path.join(workDir, 'etcd') });
  try {
    const loaded = existsSync(loadedFile) ? (JSON.parse(readFileSync(loadedFile, 'utf8')) as { posts: number }).posts : 0;
    if (loaded < posts) {
      const kv = await EtcdKV.connect({ endpoints: etcd.endpoints, timeoutMs: 30_000, revisionProbeKey: DEFAULT_ROOT });
      const nowMs = Date.now();
      const graph = generateGraph({ users: 10_000, avgFollowing: 50, specialFollows: 5000, zipfExponent: 1, seed: 1, nowMs });
      const started = Date.now();
      if (loaded === 0) {
        await loadAccountsAndFollows(kv, graph, await sharedPasswordHash('correct horse'), 16);
        const accounts = graph.users.map((username, i) => ({ username, createdAtMs: graph.createdAtMs[i]! }));
        await loadSessions(kv, accounts, 7 * 24 * 3600, 16);
      }
      // More posts for a work dir loaded before: another seed, so none repeats an earlier one.
      await loadPosts(kv, new PostGenerator(graph, 2 + loaded, 1, nowMs), posts - loaded, 16);
      console.log(
        `loaded ${posts - loaded} posts${loaded ? '' : ' and the graph'} in ${((Date.now() - started) / 1000).toFixed(0)} s (load ${load()})`,
      );
      await kv.close();
      writeFileSync(loadedFile, JSON.stringify({ posts }));
      rmSync(path.join(workDir, 'snapshot'), { recursive: true, force: true });
    }
    const snapshotDir = path.join(workDir, 'snapshot');
    const child = (mode: string) => {
      const args = [process.argv[1]!, '--measure', mode, '--endpoints', etcd.endpoints.join(','), '--dir', snapshotDir];
      const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`${mode} run failed: ${result.stderr}`);
      for (const line of result.stderr.split('\n')) if (line.startsWith('listing page')) console.log(`  ${line}`);
      const line = result.stdout.trim().split('\n').at(-1)!;
      console.log(`${mode.padEnd(9)} (load before ${load()}): ${line}`);
    };
    // The first snapshot start finds none, lists, and saves one on close.
    if (!existsSync(path.join(snapshotDir, 'view.snapshot'))) child('save');
    console.log(`snapshot file: ${statSync(path.join(snapshotDir, 'view.snapshot')).size} bytes`);
    const modes = (values.modes ?? 'listing,snapshot').split(',');
    for (let run = 0; run < runs; run++) for (const mode of modes) child(mode);
    console.log(execFileSync('uptime', { encoding: 'utf8' }).trim());
  } finally {
    await etcd.stop();
    if (!values.keep && !values['work-dir']) rmSync(workDir, { recursive: true, force: true });
    else console.log(`kept ${workDir}${values.keep ? '' : ' (given)'}; ${readFileSync(loadedFile, 'utf8')}`);
  }
}
