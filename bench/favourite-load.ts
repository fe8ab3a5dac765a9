#!/usr/bin/env node
/**
 * Favourites of a few popular statuses (issue 13): on a fresh 3-member
 * etcd cluster, `connections` loops favourite or unfavourite (even odds)
 * one of 5 statuses as a random user, through the social service
 * in-process (a token's Actor over the watch-fed view; no web tier or
 * gRPC), for `seconds`; before and after, raw one-put txns on the same
 * cluster at the same concurrency give the ceiling, and raw txns of a
 * favourite's own shape (its compares and puts) what etcd allows this
 * design of the action. Afterwards the counts
 * are checked exactly: every status's favourite count as the service
 * reports it equals its favourite rows, and the actors' list rows add up
 * to the same total. The store calls the service makes per action are
 * counted by method.
 *
 * `--root` names another build's dist directory to load the service from
 * (the cluster, the ceiling and the load loop stay this build's), so two
 * versions can be run alternately on the same machine:
 *
 *   npm run build && node dist/bench/favourite-load.js [--root /other/dist] [--seconds 10] [--connections 64] [--users 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Compare, KV } from '../src/kv/kv.js';
import { startEtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { closedLoop, etcdPutCeiling, type OpsResult } from './ceilings.js';
import { countingKv } from './counting-kv.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: path.join(import.meta.dirname, '..') },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    users: { type: 'string', default: '200' },
  },
});
const root = path.resolve(values.root);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const userCount = Number(values.users);
const STATUSES = 5;
const WARMUP_S = 1;
const FAST_HASHING = { memoryCost: 256, timeCost: 1 };

const load = (module: string) => import(path.join(root, module));

const SHAPE_PREFIX = '/chorus-bench/favourite-shape/';

/**
 * Raw txns of a favourite's shape, outside the view's prefix: a row's
 * absence, four keys present (the post index, the session, two accounts)
 * and two absent (the blocks) compared, then three puts of a favourite's
 * sizes. Each loop rewrites its own three keys, so the keyspace stays
 * small (tens of thousands of fresh keys, and their deletion, slowed etcd
 * for the rest of the run). What a favourite would cost etcd with nothing
 * of Chorus around it: the ceiling of this design of the action.
 */
async function favouriteShapeCeiling(kv: KV, inFlight: number, durationS: number, warmupS: number): Promise<OpsResult> {
  const present = Array.from({ length: 4 }, (_, i) => `${SHAPE_PREFIX}present/${i}`);
  for (const key of present) await kv.put(key, 'x');
  const absent = (name: string): Compare => ({ key: `${SHAPE_PREFIX}absent/${name}`, target: 'version', op: '==', value: 0 });
  const favourite = (worker: number) =>
    kv.txn({
      compare: [
        absent(`row/${worker}`),
        ...present.map((key): Compare => ({ key, target: 'version', op: '>', value: 0 })),
        absent('block/1'),
        absent('block/2'),
      ],
      success: [
        { type: 'put', key: `${SHAPE_PREFIX}${worker}/row`, value: String(Date.now()) },
        { type: 'put', key: `${SHAPE_PREFIX}${worker}/list`, value: '0000000000000000-0000' },
        { type: 'put', key: `${SHAPE_PREFIX}${worker}/notification`, value: 'n'.repeat(160) },
      ],
    });
  if (warmupS > 0) await closedLoop(favourite, inFlight, warmupS);
  const result = await closedLoop(favourite, inFlight, durationS);
  await kv.deletePrefix(SHAPE_PREFIX);
  return result;
}

async function inBatches<T>(items: readonly T[], size: number, act: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(act));
}

const summary = (r: OpsResult) => ({
  opsPerS: Math.round(r.opsPerS),
  p50Ms: Math.round(r.latencyMs.p50),
  p99Ms: Math.round(r.latencyMs.p99),
  errors: r.errors,
});

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chorus-favourite-load-'));
  const cluster = await startEtcdCluster({ dataDir });
  const { EtcdKV } = await load('src/kv/etcd-kv.js');
  const { keyspace } = await load('src/kv/keys.js');
  const { AuthService } = await load('src/services/auth/auth-service.js');
  const { ReadModel } = await load('src/services/social/read-model.js');
  const { SocialService } = await load('src/services/social/social-service.js');
  const keys = keyspace();
  const kv: KV = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: keys.root });
  let readModel: { close(): Promise<void>; waitFor(revision: number): Promise<boolean> } | undefined;
  try {
    const auth = new AuthService({ kv, keys, passwordHashing: FAST_HASHING });
    const users = Array.from({ length: userCount }, (_, i) => `user${i}`);
    const tokens = new Map<string, string>();
    await inBatches(users, 8, async (name) => tokens.set(name, (await auth.signUp(name, 'correct horse')).token));
    const model = await ReadModel.start({ kv, keys });
    readModel = model;
    const counted = countingKv(kv);
    const social = new SocialService({ kv: counted.kv, keys, readModel: model });
    const statuses: string[] = [];
    for (const author of users.slice(0, STATUSES)) statuses.push((await social.trustedActor(author).post(`popular, by ${author}`)).id);

    const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
    const errors = new Map<string, number>();
    const act = async () => {
      const actor = social.as(tokens.get(pick(users))!);
      const status = pick(statuses);
      try {
        await (Math.random() < 0.5 ? actor.favourite(status) : actor.unfavourite(status));
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unknown';
        errors.set(code, (errors.get(code) ?? 0) + 1);
        throw error;
      }
    };

    const ceilingBefore = await etcdPutCeiling(kv, connections, seconds, WARMUP_S);
    await closedLoop(act, connections, WARMUP_S);
    counted.calls.clear();
    const favourites = await closedLoop(act, connections, seconds);
    const shape = await favouriteShapeCeiling(kv, connections, seconds, WARMUP_S);
    const calls = Object.fromEntries([...counted.calls].map(([method, n]) => [method, Math.round((n / favourites.ops) * 100) / 100]));
    const ceilingAfter = await etcdPutCeiling(kv, connections, seconds, WARMUP_S);
    const ceiling = (ceilingBefore.opsPerS + ceilingAfter.opsPerS) / 2;

    // Exact counts, read once the view has every write.
    if (!(await model.waitFor(await kv.revision()))) throw new Error('the view did not catch up');
    const described = await social.describePosts(statuses);
    const rows = await Promise.all(statuses.map((id) => kv.count(keys.favouritesPrefix(id))));
    const reported = statuses.map((id) => described.posts.find((p: { post: { id: string } }) => p.post.id === id)?.favourites);
    const listRows = (await Promise.all(users.map((name) => kv.count(keys.actorFavouritesPrefix(name))))).reduce((a, b) => a + b, 0);
    const totalRows = rows.reduce((a, b) => a + b, 0);
    const exact = rows.every((n, i) => n === reported[i]) && listRows === totalRows;

    console.log(
      JSON.stringify(
        {
          root,
          connections,
          seconds,
          users: userCount,
          loadBefore: loadBefore.map((x) => Math.round(x * 10) / 10),
          loadAfter: loadavg().map((x) => Math.round(x * 10) / 10),
          ceilingBefore: summary(ceilingBefore),
          ceilingAfter: summary(ceilingAfter),
          favourites: summary(favourites),
          ofCeiling: `${Math.round((favourites.opsPerS / ceiling) * 100)} %`,
          favouriteShapedTxns: { ...summary(shape), ofCeiling: `${Math.round((shape.opsPerS / ceiling) * 100)} %` },
          ofFavouriteShapedTxns: `${Math.round((favourites.opsPerS / shape.opsPerS) * 100)} %`,
          storeCallsPerAction: calls,
          errorsByCode: Object.fromEntries(errors),
          counts: { rows, reported, listRows, exact },
        },
        null,
        1,
      ),
    );
    if (!exact) process.exitCode = 1;
  } finally {
    await readModel?.close();
    await kv.close();
    await cluster.stop({ signal: 'SIGKILL' });
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
