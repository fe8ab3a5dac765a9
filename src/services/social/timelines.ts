import { decodeCursor, type Page, type PageRequest } from '../../domain/page.js';
import { isPostId, type Post } from '../../domain/post.js';
import { filteredPage, type RawPage } from './filtered-page.js';
import type { SocialReads } from './reads.js';

/**
 * The rules of the post listings, written once over SocialReads so the
 * view and the store apply them alike: who is hidden (reads.hiddenFor),
 * which replies a home feed shows, reblogs whose original is gone or
 * hidden, an original at most once per page. Listings read raw pages and
 * filter them (filtered-page.ts: bounded rounds, exact cursors).
 */

type Hidden = (author: string) => boolean;
const nobody: Hidden = () => false;

/** A raw page of posts as the reads give it, its cursor decoded back to a post id. */
function raw(page: Page<Post>): RawPage<Post> {
  return { items: page.items, next: page.next === null ? undefined : decodeCursor(page.next, isPostId) };
}

/** The originals of the reblogs among `posts`, by id (undefined for one deleted). */
async function originalsOf(reads: SocialReads, posts: readonly Post[]): Promise<Map<string, Post | undefined>> {
  const ids = [...new Set(posts.flatMap((post) => (post.reblogOf === undefined ? [] : [post.reblogOf])))];
  const originals = ids.length === 0 ? [] : await reads.postsById(ids);
  return new Map(ids.map((id, i) => [id, originals[i]]));
}

/** A reblog is shown only while its original exists and its original's author is not hidden. */
function reblogShown(post: Post, originals: Map<string, Post | undefined>, hidden: Hidden): boolean {
  if (post.reblogOf === undefined) return true;
  const original = originals.get(post.reblogOf);
  return original !== undefined && !hidden(original.author);
}

/**
 * The reader's home feed (SocialReads.feed) under Mastodon's home rules:
 * no hidden author, no reply unless it answers its own author, the reader
 * or someone the reader follows (and not someone hidden), no reblog of a
 * deleted or hidden post, each original once per page (as itself or its
 * first reblog, newest first). Undefined for an unknown reader.
 */
export async function homeFeed(reads: SocialReads, reader: string, page: PageRequest): Promise<Page<Post> | undefined> {
  const hidden = await reads.hiddenFor(reader);
  const shown = new Set<string>();
  let known = true;
  const result = await filteredPage<Post>({
    read: async (after, limit) => {
      const feed = await reads.feed(reader, { after, limit });
      known &&= feed !== undefined;
      return feed ? raw(feed) : { items: [], next: undefined };
    },
    keyOf: (post) => post.id,
    keep: async (posts) => {
      const answered = [
        ...new Set(posts.flatMap(({ author, inReplyToAuthor: to }) => (to === undefined || to === author || to === reader ? [] : [to]))),
      ];
      const [originals, follows] = await Promise.all([
        originalsOf(reads, posts),
        Promise.all(answered.map((name) => reads.isFollowing(reader, name))),
      ]);
      const followed = new Set(answered.filter((_, i) => follows[i]));
      return (post) => {
        if (hidden(post.author) || !reblogShown(post, originals, hidden)) return false;
        const to = post.inReplyToAuthor;
        if (to !== undefined && to !== post.author && to !== reader && (!followed.has(to) || hidden(to))) return false;
        const original = post.reblogOf ?? post.id;
        if (shown.has(original)) return false;
        shown.add(original);
        return true;
      };
    },
    limit: page.limit,
    after: page.after,
  });
  return known ? result : undefined;
}

/**
 * Everyone's posts but reblogs (SocialReads.timeline holds none); with a
 * viewer, hidden authors are left out. Read in rounds even without one:
 * the store's raw pages come short where reblogs or just-deleted posts
 * were left out.
 */
export async function publicTimeline(reads: SocialReads, page: PageRequest, viewer?: string): Promise<Page<Post>> {
  const hidden = viewer === undefined ? nobody : await reads.hiddenFor(viewer);
  return filteredPage<Post>({
    read: async (after, limit) => raw(await reads.timeline({ after, limit })),
    keyOf: (post) => post.id,
    keep: async () => (post) => !hidden(post.author),
    limit: page.limit,
    after: page.after,
  });
}

/** Posts with the tag, newest first (no reblogs: they have no text, so no tags); with a viewer, hidden authors are left out. */
export async function tagTimeline(reads: SocialReads, tag: string, page: PageRequest, viewer?: string): Promise<Page<Post>> {
  const hidden = viewer === undefined ? nobody : await reads.hiddenFor(viewer);
  return filteredPage<Post>({
    read: async (after, limit) => raw(await reads.tagged(tag, { after, limit })),
    keyOf: (post) => post.id,
    keep: async () => (post) => !hidden(post.author),
    limit: page.limit,
    after: page.after,
  });
}

/**
 * The author's posts and reblogs, newest first, leaving out reblogs whose
 * original is gone (or, for a viewer, hidden). A viewer who may not see
 * the author gets an empty page. Undefined for an unknown author.
 */
export async function authorPosts(reads: SocialReads, author: string, page: PageRequest, viewer?: string): Promise<Page<Post> | undefined> {
  const hidden = viewer === undefined ? nobody : await reads.hiddenFor(viewer);
  if (hidden(author)) {
    const unknown = (await reads.posts(author, { after: undefined, limit: 1 })) === undefined;
    return unknown ? undefined : { items: [], next: null };
  }
  let known = true;
  const result = await filteredPage<Post>({
    read: async (after, limit) => {
      const posts = await reads.posts(author, { after, limit });
      known &&= posts !== undefined;
      return posts ? raw(posts) : { items: [], next: undefined };
    },
    keyOf: (post) => post.id,
    keep: async (posts) => {
      const originals = await originalsOf(reads, posts);
      return (post) => reblogShown(post, originals, hidden);
    },
    limit: page.limit,
    after: page.after,
  });
  return known ? result : undefined;
}

/** The posts the actor favourited, most recently favourited first, leaving out deleted ones. Cursors name list entries. */
export async function favouritesOf(reads: SocialReads, actor: string, page: PageRequest): Promise<Page<Post>> {
  const result = await filteredPage({
    read: (after, limit) => reads.favourites(actor, { after, limit }),
    keyOf: (entry) => entry.id,
    keep: async () => (entry) => entry.post !== undefined,
    limit: page.limit,
    after: page.after,
  });
  return { items: result.items.map((entry) => entry.post!), next: result.next };
}
