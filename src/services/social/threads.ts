import type { Post } from '../../domain/post.js';
import type { Thread } from '../../domain/social.js';
import type { SocialReads } from './reads.js';

export const MAX_ANCESTORS = 40;
export const MAX_DESCENDANTS = 100;
/** Replies looked at in all, shown or hidden: bounds the walk below a post whose replies are mostly hidden. */
const MAX_VISITS = 4 * MAX_DESCENDANTS;

/** A thread and the post it is around (the post asked for, or a reblog's original). */
export interface ThreadAround extends Thread {
  root: Post;
}

/**
 * The thread around a post (a reblog's original, for a reblog): its
 * ancestors oldest first, walking up inReplyToId until a deleted one or
 * MAX_ANCESTORS steps; its descendants depth-first, each post's replies
 * oldest first, up to MAX_DESCENDANTS. A hidden post is left out, but the
 * walk goes on through it, as Mastodon filters each status on its own.
 * Undefined for an unknown post.
 */
export async function thread(reads: SocialReads, postId: string, hidden: (author: string) => boolean): Promise<ThreadAround | undefined> {
  const given = await reads.post(postId);
  const root = given?.reblogOf === undefined ? given : await reads.post(given.reblogOf);
  if (!root) return undefined;

  const ancestors: Post[] = [];
  let at = root;
  for (let step = 0; step < MAX_ANCESTORS && at.inReplyToId !== undefined; step++) {
    const parent = await reads.post(at.inReplyToId);
    if (!parent) break;
    ancestors.push(parent);
    at = parent;
  }

  const descendants: Post[] = [];
  // Depth-first with an explicit stack: the next reply to look at is on top.
  const stack: string[] = [];
  const push = (replies: readonly string[]) => {
    for (let i = replies.length - 1; i >= 0; i--) stack.push(replies[i]!);
  };
  push(await reads.replies(root.id));
  for (let visits = 0; stack.length > 0 && descendants.length < MAX_DESCENDANTS && visits < MAX_VISITS; visits++) {
    const reply = await reads.post(stack.pop()!);
    if (!reply) continue;
    if (!hidden(reply.author)) descendants.push(reply);
    push(await reads.replies(reply.id));
  }
  return { root, ancestors: ancestors.filter((post) => !hidden(post.author)).reverse(), descendants };
}
