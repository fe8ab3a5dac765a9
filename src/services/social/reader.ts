import { lookupUsername } from '../../domain/account.js';
import { DomainError, guard } from '../../domain/errors.js';
import { parsePageRequest } from '../../domain/page.js';
import { isPostId, type Post } from '../../domain/post.js';
import type { Reader } from '../../domain/social.js';
import { parseTag } from '../../domain/text.js';
import { noSuchUser } from './accounts.js';
import { describePosts } from './describe.js';
import { noSuchPost } from './posts.js';
import type { ReadConsistency, SocialReads } from './reads.js';
import { thread } from './threads.js';
import { authorPosts, publicTimeline, tagTimeline } from './timelines.js';

/**
 * Where a Reader call reads, at which consistency, and for whom: nobody
 * for Social's public reads, the token's owner (a canonical username) for
 * an Actor's. Asked only once the input is valid, so a malformed cursor
 * costs no read.
 */
export type Viewing = (consistency: ReadConsistency) => Promise<{ reads: SocialReads; viewer: string | undefined }>;

/** A page of statuses is at most 40; their originals come with them. */
const MAX_DESCRIBED = 100;

/**
 * The Reader methods, written once for Social (nobody reads) and for an
 * Actor (its owner reads). Lists read `acknowledged`; describePosts reads
 * `linearizable` when asked to (a single status's page: its flags and
 * counts are registers a client reads back).
 */
export function reader(viewing: Viewing): Reader {
  return {
    listPosts: (author, limit, cursor) =>
      guard(async () => {
        const name = lookupUsername(author);
        const page = parsePageRequest(limit, cursor, isPostId);
        const { reads, viewer } = await viewing('acknowledged');
        return found(await authorPosts(reads, name, page, viewer), noSuchUser);
      }),
    publicTimeline: (limit, cursor) =>
      guard(async () => {
        const page = parsePageRequest(limit, cursor, isPostId);
        const { reads, viewer } = await viewing('acknowledged');
        return publicTimeline(reads, page, viewer);
      }),
    tagTimeline: (tag, limit, cursor) =>
      guard(async () => {
        const name = parseTag(tag);
        const page = parsePageRequest(limit, cursor, isPostId);
        const { reads, viewer } = await viewing('acknowledged');
        return tagTimeline(reads, name, page, viewer);
      }),
    getThread: (postId) =>
      guard(async () => {
        const { ancestors, descendants } = await threadAround(viewing, postId);
        return { ancestors, descendants };
      }),
    threadContext: (postId) =>
      guard(async () => {
        const { reads, viewer, root, ancestors, descendants } = await threadAround(viewing, postId);
        // From the thread's own reads: the description is of the state the thread was walked in.
        const described = await describePosts(reads, [root.id, ...ancestors.map(id), ...descendants.map(id)], viewer);
        return { ancestors, descendants, described, viewer };
      }),
    describePosts: (postIds, options) =>
      guard(async () => {
        if (!Array.isArray(postIds) || postIds.length > MAX_DESCRIBED) {
          throw new DomainError('invalid', `Describe at most ${MAX_DESCRIBED} posts at once.`);
        }
        const { reads, viewer } = await viewing(options?.linearizable ? 'linearizable' : 'acknowledged');
        return describePosts(reads, postIds, viewer);
      }),
  };
}

const id = (post: Post) => post.id;

/** The thread around `postId` as the viewing reads it, with those reads and the viewer; `not_found` for an unknown post. */
async function threadAround(viewing: Viewing, postId: string) {
  if (!isPostId(postId)) throw noSuchPost();
  const { reads, viewer } = await viewing('acknowledged');
  const hidden = viewer === undefined ? () => false : await reads.hiddenFor(viewer);
  return { reads, viewer, ...found(await thread(reads, postId, hidden), noSuchPost) };
}

export function found<T>(value: T | undefined, missing: () => DomainError): T {
  if (value === undefined) throw missing();
  return value;
}
