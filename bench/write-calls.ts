#!/usr/bin/env node
/**
 * What one write through the Mastodon API costs end to end (issue 13):
 * the web app over the real auth and social services in this process, on
 * a 3-member etcd cluster, with the social service reading through its
 * watch-fed view as deployed. Every call the routes make to Auth and
 * Social (each one gRPC call when deployed; `as(token).x` is the RPC x)
 * and every store call each service makes (a `revision` is the quorum
 * read behind a linearizable view read) is counted, for one request at a
 * time of each kind: a favourite, an unfavourite, a reblog, an unreblog
 * and a post with an Idempotency-Key.
 *
 *   npm run build && node dist/bench/write-calls.js [--root /other/dist] [--repeat 20]
 *
 * `--root` loads the services and the web app from another build's dist
 * directory, so two versions can be compared.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { KV } from '../src/kv/kv.js';
import { startEtcdCluster } from '../src/local-etcd/etcd-cluster.js';
import { countingCalls } from './counting-calls.js';
import { countingKv } from './counting-kv.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: path.join(import.meta.dirname, '..') },
    repeat: { type: 'string', default: '20' },
  },
});
const root = path.resolve(values.root);
const repeat = Number(values.repeat);
const load = (module: string) => import(path.join(root, module));
const FAST_HASHING = { memoryCost: 256, timeCost: 1 };

type Calls = Map<string, number>;

const perRequest = (calls: Calls) => Object.fromEntries([...calls].sort().map(([name, n]) => [name, Math.round((n / repeat) * 100) / 100]));

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chorus-write-calls-'));
  const cluster = await startEtcdCluster({ dataDir });
  const { EtcdKV } = await load('src/kv/etcd-kv.js');
  const { keyspace } = await load('src/kv/keys.js');
  const { AuthService } = await load('src/services/auth/auth-service.js');
  const { ReadModel } = await load('src/services/social/read-model.js');
  const { SocialService } = await load('src/services/social/social-service.js');
  const { buildApp } = await load('src/web/app.js');
  const { statusId } = await load('src/domain/mastodon-ids.js');
  const keys = keyspace();
  const kv: KV = await EtcdKV.connect({ endpoints: cluster.endpoints, revisionProbeKey: keys.root });
  let readModel: { close(): Promise<void> } | undefined;
  try {
    const authStore = countingKv(kv);
    const socialStore = countingKv(kv);
    const auth = new AuthService({ kv: authStore.kv, keys, passwordHashing: FAST_HASHING });
    const model = await ReadModel.start({ kv, keys });
    readModel = model;
    const social = new SocialService({ kv: socialStore.kv, keys, readModel: model });
    const authCalls: Calls = new Map();
    const socialCalls: Calls = new Map();
    const app = await buildApp({ auth: countingCalls(auth, authCalls), social: countingCalls(social, socialCalls) });
    await app.ready();
    const tokens: string[] = [];
    for (const name of ['author', 'fan']) tokens.push((await auth.signUp(name, 'correct horse')).token);
    const [authorToken, fanToken] = tokens as [string, string];
    const posted = await social.as(authorToken).post('popular');
    const id = statusId(posted.id);

    const send = async (method: 'POST', url: string, token: string, json?: unknown, headers: Record<string, string> = {}) => {
      const reply = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        payload: json === undefined ? undefined : JSON.stringify(json),
      });
      if (reply.statusCode !== 200) throw new Error(`${url}: HTTP ${reply.statusCode} ${reply.body}`);
    };
    const kinds: [string, (i: number) => Promise<void>][] = [
      ['favourite', () => send('POST', `/api/v1/statuses/${id}/favourite`, fanToken)],
      ['unfavourite', () => send('POST', `/api/v1/statuses/${id}/unfavourite`, fanToken)],
      ['reblog', () => send('POST', `/api/v1/statuses/${id}/reblog`, fanToken)],
      ['unreblog', () => send('POST', `/api/v1/statuses/${id}/unreblog`, fanToken)],
      ['post', (i) => send('POST', '/api/v1/statuses', fanToken, { status: `post ${i}` }, { 'idempotency-key': `write-calls-${i}` })],
    ];
    const counters = { 'web→auth': authCalls, 'web→social': socialCalls, 'auth→store': authStore.calls, 'social→store': socialStore.calls };
    /** Runs `act` and adds the calls it made (and its time) to `into`. */
    const measured = async (into: Record<string, Calls> & { ms?: number }, act: () => Promise<void>) => {
      for (const counter of Object.values(counters)) counter.clear();
      const started = performance.now();
      await act();
      into.ms = (into.ms ?? 0) + performance.now() - started;
      for (const [name, counter] of Object.entries(counters)) {
        into[name] ??= new Map();
        const sum = into[name];
        for (const [method, n] of counter) sum.set(method, (sum.get(method) ?? 0) + n);
      }
    };
    const report: Record<string, unknown> = { root, repeat };
    const totals = new Map<string, Record<string, Calls> & { ms?: number }>(kinds.map(([kind]) => [kind, {}]));
    // Each kind once before counting, so first-use costs (an app's grant read, a cold cache) are not counted.
    for (const [, act] of kinds) await act(-1);
    // Each action then its undo, so every request does its work (a repeat would be the idempotent case).
    const act = (kind: string) => kinds.find(([k]) => k === kind)![1];
    for (let i = 0; i < repeat; i++) {
      for (const [doing, undoing] of [
        ['favourite', 'unfavourite'],
        ['reblog', 'unreblog'],
      ] as const) {
        await measured(totals.get(doing)!, () => act(doing)(i));
        await measured(totals.get(undoing)!, () => act(undoing)(i));
      }
      await measured(totals.get('post')!, () => act('post')(i));
    }
    for (const [kind, total] of totals) {
      const { ms, ...calls } = total;
      report[kind] = {
        ...Object.fromEntries(Object.entries(calls).map(([name, counted]) => [name, perRequest(counted)])),
        meanMs: Math.round(((ms ?? 0) / repeat) * 10) / 10,
      };
    }
    await app.close();
    console.log(JSON.stringify(report, null, 1));
  } finally {
    await readModel?.close();
    await kv.close();
    await cluster.stop({ signal: 'SIGKILL' });
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
