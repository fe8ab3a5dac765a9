/**
 * Reads see acknowledged writes, part of the pure checker: the promise of
 * the reads that come from a read index of bounded age (timelines, lists,
 * profiles: docs/architecture.md, "Which reads give which guarantee"),
 * checked on every such read of the history, through whichever web and
 * social instance served it. A read that started after a post was
 * acknowledged must show it, in the author's posts and profile count, and
 * in the feed of a reader certainly following the author throughout. No
 * more is asked of these reads: one may miss a post that another read
 * already showed, while the post is not yet acknowledged. (The reads of a
 * register, relationships and a single status, promise linearizability:
 * check-edges.ts and check-reactions.ts.)
 *
 * Only the part of a page a post would fall in is judged: pages are
 * newest first, and a newer status has a greater id, so an incomplete
 * page covers the posts whose ids are greater than its last (oldest) one.
 * A post counts as shown when a reblog of it is (a page shows an original
 * once). Reads across a block are not judged while the block may have
 * been in force: a blocked reader sees none of the posts.
 */
import { BlockWindows, certainlyFollowing, edgeWrites } from './check-edges.js';
import { compareStatusIds, type Op } from './history.js';

/**
 * A read that began this soon after a post's acknowledgement is one that
 * commit-wait protects: a read index of bounded age (10 ms by default)
 * that it may use could predate the post's commit but for that wait.
 */
export const SOON_AFTER_MS = 50;

export interface ReadsJudged {
  /** (read, acknowledged post) pairs judged: the read began after the acknowledgement, and the post falls in its page. */
  judged: number;
  /** Those whose read began less than SOON_AFTER_MS after the acknowledgement. */
  soon: number;
}

export function checkReadsSeeWrites(ops: Op[], violations: string[]): ReadsJudged {
  const byAuthor = new Map<string, Op[]>();
  for (const p of ops) {
    if (p.kind === 'post' && p.outcome === 'ok' && p.postId) byAuthor.set(p.client, [...(byAuthor.get(p.client) ?? []), p]);
  }
  const edges = edgeWrites(ops);
  const blocks = new BlockWindows(ops);
  const counted: ReadsJudged = { judged: 0, soon: 0 };
  const judge = (read: Op, post: Op) => {
    counted.judged++;
    if (read.start - post.end < SOON_AFTER_MS) counted.soon++;
  };
  const misses = (read: Op, author: string) => {
    const page = read.posts ?? [];
    const shown = new Set(page.map((p) => p.reblogOf ?? p.id));
    const oldest = page.at(-1)?.id;
    const covered = (p: Op) => p.end < read.start && (read.complete || (oldest !== undefined && compareStatusIds(p.postId!, oldest) > 0));
    const judged = (byAuthor.get(author) ?? []).filter(covered);
    for (const post of judged) judge(read, post);
    return judged.filter((p) => !shown.has(p.postId!));
  };
  for (const read of ops) {
    if (read.outcome !== 'ok') continue;
    if (read.kind === 'posts' && read.target && !blocks.possible(read.client, read.target, read.start, read.end)) {
      for (const missed of misses(read, read.target)) {
        violations.push(
          `stale read: ${read.client}'s read of ${read.target}'s posts [${Math.round(read.start)}] misses ${missed.postId}, acknowledged at ${Math.round(missed.end)}`,
        );
      }
    }
    if (read.kind === 'profile' && read.target && read.counts) {
      const acknowledged = (byAuthor.get(read.target) ?? []).filter((p) => p.end < read.start);
      for (const post of acknowledged) judge(read, post);
      const before = acknowledged.length;
      if (read.counts.posts < before) {
        violations.push(
          `stale read: ${read.client} read ${read.target}'s profile at ${Math.round(read.start)} with ${read.counts.posts} posts, after ${before} were acknowledged`,
        );
      }
    }
    if (read.kind === 'feed') {
      for (const author of byAuthor.keys()) {
        if (!certainlyFollowing(edges.get(`${read.client}→${author}`) ?? [], read.start, read.end)) continue;
        for (const missed of misses(read, author)) {
          violations.push(
            `stale read: ${read.client}'s feed [${Math.round(read.start)}] misses ${missed.postId} by ${author}, acknowledged at ${Math.round(missed.end)}`,
          );
        }
      }
    }
  }
  return counted;
}
