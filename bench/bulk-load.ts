/**
 * Loads the synthetic data straight into the store through the KV
 * interface, in exactly the services' layouts (src/kv/keys.ts) and record
 * formats (src/kv/records.ts): the HTTP API would pay an Argon2 hash per
 * sign-up and a transaction per post. Ops are packed into transactions of
 * up to 128 (etcd's limit) with a bounded number in flight.
 */

import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Post } from '../src/domain/post.js';
import { keyspace } from '../src/kv/keys.js';
import type { KV, LeaseId, Op } from '../src/kv/kv.js';
import type { StoredAccount, StoredSession, StoredUserSession } from '../src/kv/records.js';
import { PasswordHasher } from '../src/services/auth/password.js';
import type { Graph, PostGenerator } from './synthetic.js';

/** The deployment's layout: the default root, which `chorus` runs under. */
const keys = keyspace();

export const MAX_TXN_OPS = 128;

export interface LoadStats {
  keys: number;
  txns: number;
  ms: number;
}

export interface SessionToken {
  username: string;
  token: string;
}

/** Plain puts are idempotent, so a txn whose outcome is unknown is simply sent again. */
const ATTEMPTS = 4;

/**
 * Writes groups of ops; a group never straddles two transactions (both
 * directions of a follow edge, a post and its index land together).
 */
export async function writeGroups(kv: KV, groups: Iterable<Op[]>, concurrency: number): Promise<LoadStats> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let keyCount = 0;
  let txns = 0;
  const send = (ops: Op[]) => {
    txns++;
    keyCount += ops.length;
    const promise = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await kv.txn({ compare: [], success: ops });
          return;
        } catch (error) {
          if (attempt >= ATTEMPTS) throw error;
          await sleep(200 * attempt);
        }
      }
    })()
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };
  let batch: Op[] = [];
  for (const group of groups) {
    if (batch.length + group.length > MAX_TXN_OPS) {
      send(batch);
      batch = [];
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) break;
    }
    batch.push(...group);
  }
  if (batch.length > 0 && !failure) send(batch);
  await Promise.all(inFlight);
  if (failure) throw new Error('bulk load failed', { cause: failure });
  return { keys: keyCount, txns, ms: performance.now() - started };
}

/** One Argon2id hash (the services' own parameters) shared by every account: hashing 10,000 would take minutes. */
export async function sharedPasswordHash(password: string): Promise<string> {
  return new PasswordHasher().hash(password);
}

function* accountAndFollowOps(graph: Graph, passwordHash: string): Generator<Op[]> {
  const account = (username: string, createdAtMs: number): Op => {
    const record: StoredAccount = { username, createdAtMs, passwordHash };
    return { type: 'put', key: keys.account(username), value: JSON.stringify(record) };
  };
  for (let i = 0; i < graph.users.length; i++) yield [account(graph.users[i]!, graph.createdAtMs[i]!)];
  yield [account(graph.special.username, graph.special.createdAtMs)];
  const edge = (follower: string, followee: string, since: number): Op[] => [
    { type: 'put', key: keys.following(follower, followee), value: String(since) },
    { type: 'put', key: keys.follower(followee, follower), value: String(since) },
  ];
  for (let i = 0; i < graph.users.length; i++) {
    const follower = graph.users[i]!;
    const since = graph.createdAtMs[i]! + 3600_000;
    for (const rank of graph.following[i]!) yield edge(follower, graph.users[rank]!, since);
  }
  for (const rank of graph.special.following) {
    yield edge(graph.special.username, graph.users[rank]!, graph.special.createdAtMs + 3600_000);
  }
}

export function loadAccountsAndFollows(kv: KV, graph: Graph, passwordHash: string, concurrency: number): Promise<LoadStats> {
  return writeGroups(kv, accountAndFollowOps(graph, passwordHash), concurrency);
}

function* postOps(generator: PostGenerator, count: number): Generator<Op[]> {
  for (let i = 0; i < count; i++) {
    const post: Post = generator.next();
    yield [
      { type: 'put', key: keys.authorPost(post.author, post.id), value: JSON.stringify(post) },
      { type: 'put', key: keys.post(post.id), value: post.author },
    ];
  }
}

/** Generates and writes `count` more posts. */
export function loadPosts(kv: KV, generator: PostGenerator, count: number, concurrency: number): Promise<LoadStats> {
  return writeGroups(kv, postOps(generator, count), concurrency);
}

/** Creates a session for each user, as the auth service would, all on one lease of `ttlSeconds`. */
export async function loadSessions(
  kv: KV,
  accounts: { username: string; createdAtMs: number }[],
  ttlSeconds: number,
  concurrency: number,
): Promise<{ tokens: SessionToken[]; stats: LoadStats; leaseId: LeaseId }> {
  const leaseId = await kv.grantLease(ttlSeconds);
  const createdAtMs = Date.now();
  const tokens: SessionToken[] = [];
  function* ops(): Generator<Op[]> {
    for (const account of accounts) {
      const token = randomBytes(32).toString('base64url');
      const hash = createHash('sha256').update(token, 'utf8').digest('hex');
      tokens.push({ username: account.username, token });
      const session: StoredSession = { username: account.username, accountCreatedAtMs: account.createdAtMs, createdAtMs, leaseId };
      const userSession: StoredUserSession = { leaseId, createdAtMs };
      yield [
        { type: 'put', key: keys.session(hash), value: JSON.stringify(session), lease: leaseId },
        { type: 'put', key: keys.userSession(account.username, hash), value: JSON.stringify(userSession), lease: leaseId },
      ];
    }
  }
  const stats = await writeGroups(kv, ops(), concurrency);
  return { tokens, stats, leaseId };
}
