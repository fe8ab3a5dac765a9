/**
 * Judges a chaos run from its history and the final state: pure, so the
 * unit tests can hand it histories that must fail. Each check names the
 * guarantee it backs; a violation is a sentence a person can act on.
 */
import { compareStatusIds, type FinalState, type Op, type PostRef } from './history.js';
import { type EdgeInput, followEdgeModel, type HistoryOp, isLinearizable } from './linearizability.js';

export interface CheckResult {
  violations: string[];
  /** Edges whose history went through the linearizability checker. */
  edgesChecked: number;
  postsAcknowledged: number;
}

/** Stops a broken run from printing thousands of lines; the count is kept. */
const MAX_REPORTED = 50;

export function checkHistory(ops: Op[], final: FinalState): CheckResult {
  const violations: string[] = [];
  checkPosts(ops, final, violations);
  checkFeeds(final, violations);
  const edgesChecked = checkFollowEdges(ops, final, violations);
  checkPageOrder(ops, final, violations);
  checkReadsSeeWrites(ops, violations);
  checkRevokedTokens(ops, violations);
  const postsAcknowledged = new Set(ops.filter((o) => o.kind === 'post' && o.outcome === 'ok').map((o) => o.key)).size;
  const shown = violations.slice(0, MAX_REPORTED);
  if (violations.length > MAX_REPORTED) shown.push(`… and ${violations.length - MAX_REPORTED} more violations`);
  return { violations: shown, edgesChecked, postsAcknowledged };
}

/** Every acknowledged post stored exactly once, by its key; nothing stored that no client attempted. */
function checkPosts(ops: Op[], final: FinalState, violations: string[]): void {
  const attempts = new Map<string, Op[]>(); // text → attempts
  for (const op of ops) {
    if (op.kind !== 'post' || op.text === undefined) continue;
    attempts.set(op.text, [...(attempts.get(op.text) ?? []), op]);
  }
  const stored = new Map<string, PostRef[]>(); // text → copies in the author's posts
  for (const [user, { posts }] of Object.entries(final.users)) {
    for (const post of posts) {
      if (post.author !== user) violations.push(`${user}'s posts list a post by ${post.author}: ${post.id}`);
      stored.set(post.text, [...(stored.get(post.text) ?? []), post]);
    }
  }
  for (const [text, copies] of stored) {
    const tried = attempts.get(text);
    if (!tried) violations.push(`phantom post: "${text}" (${copies[0]!.id}) was stored but no client attempted it`);
    else if (tried[0]!.client !== copies[0]!.author)
      violations.push(`post "${text}" stored under ${copies[0]!.author}, attempted by ${tried[0]!.client}`);
    else if (tried.every((o) => o.outcome === 'failed'))
      violations.push(`refused post stored: every attempt of "${text}" got a 4xx, yet it is stored`);
    if (copies.length > 1)
      violations.push(`duplicate post: "${text}" stored ${copies.length} times (${copies.map((c) => c.id).join(', ')})`);
  }
  for (const [text, tried] of attempts) {
    const acked = tried.filter((o) => o.outcome === 'ok');
    if (acked.length === 0) continue;
    const ids = new Set(acked.map((o) => o.postId));
    if (ids.size > 1)
      violations.push(`duplicate post: retries of key ${tried[0]!.key} were acknowledged with different ids ${[...ids].join(', ')}`);
    const copies = stored.get(text) ?? [];
    if (copies.length === 0)
      violations.push(`lost write: post ${tried[0]!.key} by ${tried[0]!.client} was acknowledged (${acked[0]!.postId}) but is not stored`);
    else if (!ids.has(copies[0]!.id))
      violations.push(`post ${tried[0]!.key} is stored as ${copies[0]!.id}, acknowledged as ${[...ids].join(', ')}`);
  }
}

/** A home feed holds exactly the posts of the accounts followed at the end, each once. */
function checkFeeds(final: FinalState, violations: string[]): void {
  for (const [user, { following, feed }] of Object.entries(final.users)) {
    const expected = new Set(following.flatMap((followee) => (final.users[followee]?.posts ?? []).map((p) => p.id)));
    const seen = new Set<string>();
    for (const post of feed) {
      if (seen.has(post.id)) violations.push(`${user}'s feed shows ${post.id} twice`);
      seen.add(post.id);
      if (!expected.has(post.id))
        violations.push(`${user}'s feed shows ${post.id} by ${post.author}, whom ${user} does not follow or who has no such post`);
    }
    for (const id of expected) if (!seen.has(id)) violations.push(`${user}'s feed misses ${id}, a post by someone ${user} follows`);
  }
}

/**
 * Per follow edge, follow/unfollow/"is following" ops (and the final read)
 * must be linearizable as a one-bit register. "Is following" is each entry
 * of a relationships answer; an account missing from the answer says
 * nothing about its edge. Ops with an unknown outcome may take effect at
 * any time before the final read, or never; reads that got no answer say
 * nothing and are left out.
 */
function checkFollowEdges(ops: Op[], final: FinalState, violations: string[]): number {
  const edges = new Map<string, HistoryOp<EdgeInput, boolean | undefined>[]>();
  const add = (edge: string, op: HistoryOp<EdgeInput, boolean | undefined>) => edges.set(edge, [...(edges.get(edge) ?? []), op]);
  const users = Object.keys(final.users);
  for (const op of ops) {
    if ((op.kind === 'follow' || op.kind === 'unfollow') && op.target && op.outcome !== 'failed') {
      add(`${op.client}→${op.target}`, {
        input: { kind: op.kind },
        output: undefined,
        start: op.start,
        end: op.outcome === 'ok' ? op.end : final.at,
      });
    }
    if (op.kind === 'relationships' && op.outcome === 'ok' && op.relationships) {
      for (const [other, following] of Object.entries(op.relationships)) {
        if (other === op.client || !users.includes(other)) continue;
        add(`${op.client}→${other}`, { input: { kind: 'read' }, output: following, start: op.start, end: op.end });
      }
    }
  }
  let checked = 0;
  for (const [edge, history] of edges) {
    if (!history.some((h) => h.input.kind !== 'read')) continue; // never written: reads of the initial state only
    const [from, to] = edge.split('→') as [string, string];
    const finalValue = final.users[from]?.following.includes(to) ?? false;
    history.push({ input: { kind: 'read' }, output: finalValue, start: final.at, end: final.at });
    checked++;
    if (!isLinearizable(followEdgeModel, history)) {
      violations.push(`follow edge ${edge} is not linearizable: ${describeEdge(history)}`);
    }
  }
  return checked;
}

function describeEdge(history: HistoryOp<EdgeInput, boolean | undefined>[]): string {
  return [...history]
    .sort((a, b) => a.start - b.start)
    .map(
      (h) =>
        `${h.input.kind}${h.input.kind === 'read' ? `=${h.output}` : ''}[${Math.round(h.start)},${h.end === Infinity ? '?' : Math.round(h.end)}]`,
    )
    .join(' ');
}

/**
 * Read-your-writes, and more: a read that started after a post was
 * acknowledged must show it, in the author's posts and profile count, and
 * in the feed of a reader certainly following the author throughout. Only
 * the part of a page a post would fall in is judged: pages are newest
 * first, and a newer status has a greater id, so an incomplete page covers
 * the posts whose ids are greater than its last (oldest) one.
 */
function checkReadsSeeWrites(ops: Op[], violations: string[]): void {
  const ackedPosts = ops.filter((o) => o.kind === 'post' && o.outcome === 'ok' && o.postId);
  const byAuthor = new Map<string, Op[]>();
  for (const p of ackedPosts) byAuthor.set(p.client, [...(byAuthor.get(p.client) ?? []), p]);
  const edgeWrites = new Map<string, Op[]>();
  for (const op of ops) {
    if ((op.kind === 'follow' || op.kind === 'unfollow') && op.target && op.outcome !== 'failed') {
      const edge = `${op.client}→${op.target}`;
      edgeWrites.set(edge, [...(edgeWrites.get(edge) ?? []), op]);
    }
  }
  const misses = (read: Op, author: string) => {
    const page = read.posts ?? [];
    const shown = new Set(page.map((p) => p.id));
    const oldest = page.at(-1)?.id;
    return (byAuthor.get(author) ?? []).filter(
      (p) =>
        p.end < read.start && !shown.has(p.postId!) && (read.complete || (oldest !== undefined && compareStatusIds(p.postId!, oldest) > 0)),
    );
  };
  for (const read of ops) {
    if (read.outcome !== 'ok') continue;
    if (read.kind === 'posts' && read.target) {
      for (const missed of misses(read, read.target)) {
        violations.push(
          `stale read: ${read.client}'s read of ${read.target}'s posts [${Math.round(read.start)}] misses ${missed.postId}, acknowledged at ${Math.round(missed.end)}`,
        );
      }
    }
    if (read.kind === 'profile' && read.target && read.counts) {
      const before = (byAuthor.get(read.target) ?? []).filter((p) => p.end < read.start).length;
      if (read.counts.posts < before) {
        violations.push(
          `stale read: ${read.client} read ${read.target}'s profile at ${Math.round(read.start)} with ${read.counts.posts} posts, after ${before} were acknowledged`,
        );
      }
    }
    if (read.kind === 'feed') {
      for (const author of byAuthor.keys()) {
        if (!certainlyFollowing(edgeWrites.get(`${read.client}→${author}`) ?? [], read.start, read.end)) continue;
        for (const missed of misses(read, author)) {
          violations.push(
            `stale read: ${read.client}'s feed [${Math.round(read.start)}] misses ${missed.postId} by ${author}, acknowledged at ${Math.round(missed.end)}`,
          );
        }
      }
    }
  }
}

/**
 * Every list of statuses is newest first, each id smaller than the one
 * before: the read-your-writes check relies on it to know which posts a
 * partial page covers.
 */
function checkPageOrder(ops: Op[], final: FinalState, violations: string[]): void {
  const check = (what: string, posts: PostRef[]) => {
    for (let i = 1; i < posts.length; i++) {
      if (compareStatusIds(posts[i - 1]!.id, posts[i]!.id) <= 0) {
        violations.push(`${what} is not newest first: ${posts[i - 1]!.id} before ${posts[i]!.id}`);
        return;
      }
    }
  };
  for (const op of ops) {
    if (op.outcome === 'ok' && op.posts) check(`${op.client}'s ${op.kind} read at ${Math.round(op.start)}`, op.posts);
  }
  for (const [user, { posts, feed }] of Object.entries(final.users)) {
    check(`${user}'s final posts list`, posts);
    check(`${user}'s final feed`, feed);
  }
}

/** Whether a follow was acknowledged before `start` and no unfollow could have landed before `end`. */
function certainlyFollowing(writes: Op[], start: number, end: number): boolean {
  const follows = writes.filter((w) => w.kind === 'follow' && w.outcome === 'ok' && w.end < start);
  return follows.some((f) => !writes.some((w) => w.kind === 'unfollow' && w.start < end && (w.outcome !== 'ok' || w.end > f.start)));
}

/** After a logout is acknowledged, no request with that token may succeed. */
function checkRevokedTokens(ops: Op[], violations: string[]): void {
  const revokedAt = new Map<string, number>();
  for (const op of ops) {
    if (op.kind === 'logout' && op.outcome === 'ok' && op.token)
      revokedAt.set(op.token, Math.min(op.end, revokedAt.get(op.token) ?? Infinity));
  }
  for (const op of ops) {
    const at = op.token ? revokedAt.get(op.token) : undefined;
    if (at !== undefined && op.outcome === 'ok' && op.start > at) {
      violations.push(
        `logged-out token worked: ${op.client}'s ${op.kind} at ${Math.round(op.start)} succeeded after the logout acknowledged at ${Math.round(at)}`,
      );
    }
  }
}
