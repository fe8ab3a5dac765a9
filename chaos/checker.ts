/**
 * Judges a chaos run from its history and the final state: pure, so the
 * unit tests can hand it histories that must fail. Each check names the
 * guarantee it backs; a violation is a sentence a person can act on.
 *
 * Each kind of read is held to its own promise (docs/architecture.md,
 * "Which reads give which guarantee"): the register reads, relationships
 * and a single status, are linearizable with the writes they read
 * (check-edges.ts, check-reactions.ts); timelines, lists and profiles see
 * every write acknowledged before they began (check-reads.ts); a token
 * whose logout was acknowledged is refused everywhere (checkRevokedTokens).
 */
import { blockedAtEnd, checkBlocksLeaveNoEdge, checkFollowEdges } from './check-edges.js';
import { checkNotifications } from './check-notifications.js';
import { checkReactions } from './check-reactions.js';
import { checkReadsSeeWrites, type ReadsJudged } from './check-reads.js';
import { compareStatusIds, type FinalState, type Op, type PostRef } from './history.js';

export interface CheckResult {
  violations: string[];
  /** Edges whose history went through the linearizability checker. */
  edgesChecked: number;
  /** (account, status) favourite and reblog registers that went through it. */
  reactionsChecked: number;
  /** Notifications in the final state matched against the actions. */
  notificationsChecked: number;
  postsAcknowledged: number;
  /** (read, acknowledged post) pairs the reads-see-acknowledged-writes check judged, and how many of those reads began soon after. */
  readsJudged: ReadsJudged;
}

/** Stops a broken run from printing thousands of lines; the count is kept. */
const MAX_REPORTED = 50;

export function checkHistory(ops: Op[], final: FinalState): CheckResult {
  const violations: string[] = [];
  checkPosts(ops, final, violations);
  checkFeeds(final, violations);
  const edgesChecked = checkFollowEdges(ops, final, violations);
  checkBlocksLeaveNoEdge(final, violations);
  const reactionsChecked = checkReactions(ops, final, violations);
  const notificationsChecked = checkNotifications(ops, final, violations);
  checkPageOrder(ops, final, violations);
  const readsJudged = checkReadsSeeWrites(ops, violations);
  checkRevokedTokens(ops, violations);
  const postsAcknowledged = new Set(ops.filter((o) => o.kind === 'post' && o.outcome === 'ok').map((o) => o.key)).size;
  const shown = violations.slice(0, MAX_REPORTED);
  if (violations.length > MAX_REPORTED) shown.push(`… and ${violations.length - MAX_REPORTED} more violations`);
  return { violations: shown, edgesChecked, reactionsChecked, notificationsChecked, postsAcknowledged, readsJudged };
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
      if (post.reblogOf !== undefined) continue; // a reblog: check-reactions.ts
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

/**
 * A home feed holds exactly the posts and reblogs of the accounts
 * followed at the end, each once, except reblogs of an account blocked
 * either way with the reader. One post may stand for another sharing its
 * original (itself or a reblog of it): a page shows an original at most
 * once. Reblogs are matched by (reblogger, original): a reblogger's own
 * listing may hide a reblog that the reader's feed shows.
 */
function checkFeeds(final: FinalState, violations: string[]): void {
  const reblogged = new Map<string, Set<string>>(); // reblogger → originals, from their posts and their reads
  for (const [user, { posts }] of Object.entries(final.users)) {
    reblogged.set(user, new Set(posts.flatMap((p) => (p.reblogOf === undefined ? [] : [p.reblogOf]))));
  }
  for (const [status, { reads }] of Object.entries(final.statuses ?? {})) {
    for (const [user, read] of Object.entries(reads)) if (read.reblogged) reblogged.get(user)?.add(status);
  }
  const authorOf = (status: string) => final.statuses?.[status]?.author;
  for (const [user, { following, feed }] of Object.entries(final.users)) {
    const originals = new Set(
      following.flatMap((followee) => (final.users[followee]?.posts ?? []).filter((p) => p.reblogOf === undefined).map((p) => p.id)),
    );
    const reblogs = new Set<string>(); // `${reblogger} ${original}` the feed must show
    const maybe = new Set<string>(); // … and those it may show: the reblogger could not read the original at the end
    for (const followee of following) {
      for (const original of reblogged.get(followee) ?? []) {
        const author = authorOf(original);
        if (author === undefined || !blockedAtEnd(final, user, author)) reblogs.add(`${followee} ${original}`);
      }
      for (const [original, { author, reads }] of Object.entries(final.statuses ?? {})) {
        if (!reads[followee] && !blockedAtEnd(final, user, author)) maybe.add(`${followee} ${original}`);
      }
    }
    const seen = new Set<string>();
    const shownOriginals = new Set<string>(); // originals the feed shows, as themselves or by a reblog it may show
    for (const post of feed) {
      if (seen.has(post.id)) violations.push(`${user}'s feed shows ${post.id} twice`);
      seen.add(post.id);
      const key = `${post.author} ${post.reblogOf}`;
      const expected = post.reblogOf === undefined ? originals.has(post.id) : reblogs.has(key) || maybe.has(key);
      if (expected) shownOriginals.add(post.reblogOf ?? post.id);
      else
        violations.push(
          `${user}'s feed shows ${post.id} by ${post.author}${post.reblogOf === undefined ? '' : ` (a reblog of ${post.reblogOf})`}, ` +
            `whom ${user} does not follow or who has no such ${post.reblogOf === undefined ? 'post' : 'reblog'} they may see`,
        );
    }
    for (const id of originals) {
      if (!seen.has(id) && !shownOriginals.has(id)) violations.push(`${user}'s feed misses ${id}, a post by someone ${user} follows`);
    }
    const reblogsShown = new Set(feed.filter((p) => p.reblogOf !== undefined).map((p) => `${p.author} ${p.reblogOf}`));
    for (const key of reblogs) {
      const [reblogger, original] = key.split(' ') as [string, string];
      if (!reblogsShown.has(key) && !shownOriginals.has(original))
        violations.push(`${user}'s feed misses ${reblogger}'s reblog of ${original}, and shows that post in no other way`);
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
