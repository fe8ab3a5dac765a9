/**
 * `node dist/bench/load-deployment.js DATA_DIR [POSTS]`: fills the running
 * `chorus cluster` of DATA_DIR with the bench's synthetic data set (10,000
 * accounts, ~500,000 follow edges, 200,000 posts by default), for timing
 * backups, restores and recovery procedures at a realistic size. Connects
 * as the `chorus` user, as the services do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { localClusterAccess } from '../src/backup/deployment-backup.js';
import { EtcdKV } from '../src/kv/etcd-kv.js';
import { keyspace } from '../src/kv/keys.js';
import { loadAccountsAndFollows, loadPosts, sharedPasswordHash } from './bulk-load.js';
import { generateGraph, PostGenerator } from './synthetic.js';

const [dataDir, postsArg] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: load-deployment.js DATA_DIR [POSTS]');
const access = localClusterAccess(path.resolve(dataDir));
if (!access) throw new Error(`${dataDir} holds no chorus cluster`);
const tlsDir = path.join(path.resolve(dataDir), 'etcd', 'tls');
const kv = await EtcdKV.connect({
  endpoints: access.endpoints,
  timeoutMs: 10_000,
  tls: {
    ca: readFileSync(path.join(tlsDir, 'ca.pem')),
    cert: readFileSync(path.join(tlsDir, 'chorus.pem')),
    key: readFileSync(path.join(tlsDir, 'chorus-key.pem')),
  },
  revisionProbeKey: keyspace().root,
});
const nowMs = Date.now();
const graph = generateGraph({ users: 10_000, avgFollowing: 50, specialFollows: 5000, zipfExponent: 1, seed: 1, nowMs });
const accounts = await loadAccountsAndFollows(kv, graph, await sharedPasswordHash('correct horse'), 48);
console.log(`accounts and follows: ${accounts.keys} keys in ${(accounts.ms / 1000).toFixed(1)} s`);
const posts = await loadPosts(kv, new PostGenerator(graph, 2, 1, nowMs), Number(postsArg ?? 200_000), 48);
console.log(`posts: ${posts.keys} keys in ${(posts.ms / 1000).toFixed(1)} s`);
await kv.close();
