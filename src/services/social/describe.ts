import { isPostId, type PostView } from '../../domain/post.js';
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
  const found = (await reads.postsById(asked)).filter(exists);
  const have = new Set(asked);
  const missing = new Set<string>();
  for (const post of found) if (post.reblogOf !== undefined && !have.has(post.reblogOf)) missing.add(post.reblogOf);
  const posts = missing.size === 0 ? found : [...found, ...(await reads.postsById([...missing])).filter(exists)];

  const names = new Set<string>();
  for (const post of posts) {
    names.add(post.author);
    if (post.inReplyToAuthor !== undefined) names.add(post.inReplyToAuthor);
  }
  const [reactions, profiles] = await Promise.all([
    reads.reactionsOf(
      posts.map((post) => post.id),
      viewer,
    ),
    reads.profilesOf([...names]),
  ]);
  return {
    posts: posts.map((post, i): PostView => ({ post, ...reactions[i]! })),
    profiles: profiles.filter(exists),
  };
}

const exists = <T>(value: T | undefined): value is T => value !== undefined;
