import type { Profile } from '../../domain/account.js';
import { isPostId, type Post, type PostView } from '../../domain/post.js';
import type { PostDescriptions } from '../../domain/social.js';
import type { SocialReads } from './reads.js';

/**
 * Everything rendering these posts needs besides their own fields, from
 * one SocialReads (so from one view state when the view serves it): a
 * PostView of each post that exists, in the order asked (repeats once),
 * then of the originals of reblogs among them not asked for, and the
 * profiles of every author, original author and account replied to.
 */
export async function describePosts(reads: SocialReads, ids: readonly string[], viewer: string | undefined): Promise<PostDescriptions> {
  const asked = [...new Set(ids.filter(isPostId))];
  const found = (await Promise.all(asked.map((id) => reads.post(id)))).filter((post): post is Post => post !== undefined);
  const have = new Set(found.map((post) => post.id));
  const missing = [...new Set(found.flatMap((post) => (post.reblogOf === undefined || have.has(post.reblogOf) ? [] : [post.reblogOf])))];
  const originals = (await Promise.all(missing.map((id) => reads.post(id)))).filter((post): post is Post => post !== undefined);
  const posts = [...found, ...originals];

  const names = [...new Set(posts.flatMap((post) => [post.author, ...(post.inReplyToAuthor === undefined ? [] : [post.inReplyToAuthor])]))];
  const [reactions, profiles] = await Promise.all([
    Promise.all(posts.map((post) => reads.reactions(post.id, viewer))),
    Promise.all(names.map((name) => reads.profile(name))),
  ]);
  return {
    posts: posts.map((post, i): PostView => ({ post, ...reactions[i]! })),
    profiles: profiles.filter((profile): profile is Profile => profile !== undefined),
  };
}
