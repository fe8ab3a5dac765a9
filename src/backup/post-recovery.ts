/**
 * Putting back posts lost to a mistaken mass delete, from a restored copy
 * of a backup into the live store (docs/operations/recovery.md): only the
 * posts the copy has and the live store lacks, each written as its own
 * txn exactly as creating it wrote it (record, id index, reply and tag
 * rows, reblog row), so everything written since the backup stays.
 * Notifications are not put back: they would reappear as unread news.
 */
import type { Post } from '../domain/post.js';
import type { Keyspace } from '../kv/keys.js';
import type { Compare, KV, Op } from '../kv/kv.js';
import { parsePost } from '../kv/records.js';
import { postRows, putOps } from '../services/social/post-rows.js';

export interface RecoveryPlan {
  /** Posts to put back, oldest first (a reply after its parent). */
  missing: Post[];
  /** Posts the copy has that cannot be put back, and why. */
  skipped: { post: Post; why: string }[];
}

// Large pages: etcd 3.4 walks the whole rest of a prefix on every page, so fewer pages cost less.
const PAGE = 10_000;

/** Every key and value under `prefix`, page by page. */
async function* listAll(kv: KV, prefix: string): AsyncGenerator<{ key: string; value: string }> {
  let after: string | undefined;
  for (;;) {
    const page = await kv.range({ prefix, after, limit: PAGE, timeoutMs: 60_000 });
    yield* page.items;
    if (!page.more || page.items.length === 0) return;
    after = page.items.at(-1)!.key;
  }
}

/**
 * Compares the posts of `authors` (all authors when empty) in `restored`
 * with `live`. A post is put back only if its author still has an account
 * and, for a reply or a reblog, the post it refers to exists or is put
 * back too.
 */
export async function planPostRecovery(live: KV, restored: KV, keys: Keyspace, authors: readonly string[] = []): Promise<RecoveryPlan> {
  const prefixes = authors.length === 0 ? [keys.family('posts-by')] : authors.map((author) => keys.authorPostsPrefix(author));
  const candidates: Post[] = [];
  for (const prefix of prefixes) {
    const present = new Set<string>();
    for await (const { key } of listAll(live, prefix)) present.add(key);
    for await (const { key, value } of listAll(restored, prefix)) if (!present.has(key)) candidates.push(parsePost(value));
  }
  // A parent is older than its replies, so it is judged (and, if skipped, struck from `recovering`) first.
  candidates.sort((a, b) => a.createdAtMs - b.createdAtMs);
  const recovering = new Set(candidates.map((post) => post.id));
  const accountExists = new Map<string, boolean>();
  const exists = async (key: string) => (await live.get(key)) !== undefined;
  const plan: RecoveryPlan = { missing: [], skipped: [] };
  for (const post of candidates) {
    if (!accountExists.has(post.author)) accountExists.set(post.author, await exists(keys.account(post.author)));
    const refersTo = post.inReplyToId ?? post.reblogOf;
    const why = !accountExists.get(post.author)
      ? 'its author has no account any more'
      : refersTo !== undefined && !recovering.has(refersTo) && !(await exists(keys.post(refersTo)))
        ? `the post it ${post.reblogOf === undefined ? 'replies to' : 'reblogs'} is gone`
        : undefined;
    if (why) {
      plan.skipped.push({ post, why });
      recovering.delete(post.id);
    } else plan.missing.push(post);
  }
  plan.missing = referencedFirst(plan.missing);
  return plan;
}

/** Oldest first, except that a post another one replies to or reblogs comes before it (ids of one millisecond are in no order). */
function referencedFirst(posts: Post[]): Post[] {
  const byId = new Map(posts.map((post) => [post.id, post]));
  const ordered: Post[] = [];
  const placed = new Set<string>();
  const place = (post: Post) => {
    if (placed.has(post.id)) return;
    placed.add(post.id);
    const referenced = byId.get(post.inReplyToId ?? post.reblogOf ?? '');
    if (referenced) place(referenced);
    ordered.push(post);
  };
  for (const post of [...posts].sort((a, b) => a.createdAtMs - b.createdAtMs)) place(post);
  return ordered;
}

/** One post's txn: its rows, if its author still exists, it is still absent and what it refers to is there. */
function recoveryTxn(keys: Keyspace, post: Post): { compare: Compare[]; success: Op[] } {
  const compare: Compare[] = [
    { key: keys.account(post.author), target: 'version', op: '!=', value: 0 },
    { key: keys.post(post.id), target: 'version', op: '==', value: 0 },
  ];
  const refersTo = post.inReplyToId ?? post.reblogOf;
  if (refersTo !== undefined) compare.push({ key: keys.post(refersTo), target: 'version', op: '!=', value: 0 });
  // One reblog per account and original, as reblogging requires.
  if (post.reblogOf !== undefined) compare.push({ key: keys.reblog(post.reblogOf, post.author), target: 'version', op: '==', value: 0 });
  return {
    compare,
    success: [
      { type: 'put', key: keys.authorPost(post.author, post.id), value: JSON.stringify(post) },
      { type: 'put', key: keys.post(post.id), value: post.author },
      ...putOps(postRows(keys, post, [])),
    ],
  };
}

/** Writes the plan's posts, oldest first, a few at a time; returns how many were written and how many had changed meanwhile. */
export async function applyPostRecovery(live: KV, keys: Keyspace, plan: RecoveryPlan): Promise<{ written: number; refused: Post[] }> {
  let written = 0;
  const refused: Post[] = [];
  // Replies need their parents first: a post waits for the posts before it only when it refers to one of them.
  const done = new Map<string, Promise<boolean>>();
  const inFlight = new Set<Promise<unknown>>();
  for (const post of plan.missing) {
    const refersTo = post.inReplyToId ?? post.reblogOf;
    const before = refersTo === undefined ? undefined : done.get(refersTo);
    const write = (async () => {
      if (before) await before;
      const result = await live.txn(recoveryTxn(keys, post));
      if (result.succeeded) written++;
      else refused.push(post);
      return result.succeeded;
    })();
    done.set(post.id, write);
    const tracked = write.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { written, refused };
}
