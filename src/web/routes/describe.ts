import type { Post } from '../../domain/post.js';
import type { PostDescriptions, Reader } from '../../domain/social.js';
import { type Described, described } from '../views/post.js';

/** describePosts' own limit. */
const DESCRIBE_MAX = 100;

/**
 * What rendering a page of posts needs besides the posts, read as the
 * page's viewer (readerOf) or for nobody: one
 * describePosts call for the posts and the parents they answer (so a
 * reply to a deleted post can say so), two only past 100 ids (a long
 * thread), sent at once.
 */
export async function describe(reader: Reader, posts: readonly Post[]): Promise<Described> {
  const parents = posts.flatMap((post) => (post.inReplyToId === undefined ? [] : [post.inReplyToId]));
  const ids = [...new Set([...posts.map((post) => post.id), ...parents])];
  const chunks: string[][] = [];
  for (let at = 0; at < ids.length; at += DESCRIBE_MAX) chunks.push(ids.slice(at, at + DESCRIBE_MAX));
  const answers = await Promise.all(chunks.map((chunk) => reader.describePosts(chunk)));
  const merged: PostDescriptions = { posts: answers.flatMap((a) => a.posts), profiles: answers.flatMap((a) => a.profiles) };
  return described(merged, ids);
}
