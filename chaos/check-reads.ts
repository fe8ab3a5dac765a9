/**
 * Read-your-writes, part of the pure checker: a read that started after a
 * post was acknowledged must show it, in the author's posts and profile
 * count, and in the feed of a reader certainly following the author
 * throughout. Only the part of a page a post would fall in is judged:
 * pages are newest first, and a newer status has a greater id, so an
 * incomplete page covers the posts whose ids are greater than its last
 * (oldest) one. A post counts as shown when a reblog of it is (a page
 * shows an original once). Reads across a block are not judged while the
 * block may have been in force: a blocked reader sees none of the posts.
 */
import { BlockWindows, certainlyFollowing, edgeWrites } from './check-edges.js';
import { compareStatusIds, type Op } from './history.js';

export function checkReadsSeeWrites(ops: Op[], violations: string[]): void {
  const byAuthor = new Map<string, Op[]>();
  for (const p of ops) {
    if (p.kind === 'post' && p.outcome === 'ok' && p.postId) byAuthor.set(p.client, [...(byAuthor.get(p.client) ?? []), p]);
  }
  const edges = edgeWrites(ops);
  const blocks = new BlockWindows(ops);
  const misses = (read: Op, author: string) => {
    const page = read.posts ?? [];
    const shown = new Set(page.map((p) => p.reblogOf ?? p.id));
    const oldest = page.at(-1)?.id;
    return (byAuthor.get(author) ?? []).filter(
      (p) =>
        p.end < read.start && !shown.has(p.postId!) && (read.complete || (oldest !== undefined && compareStatusIds(p.postId!, oldest) > 0)),
    );
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
      const before = (byAuthor.get(read.target) ?? []).filter((p) => p.end < read.start).length;
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
}
