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
 * thread), sent at once. `known` is what the read of the page described
 * already (the home feed's posts): only the parents it lacks are asked
 * for, and none when it has them all.
 */
export async function describe(reader: Reader, posts: readonly Post[], known?: PostDescriptions): Promise<Described> {
  const parents = posts.flatMap((post) => (post.inReplyToId === undefined ? [] : [post.inReplyToId]));
  const ids = [...new Set([...posts.map((post) => post.id), ...parents])];
  const have = new Set(known?.posts.map((view) => view.post.id));
  const asked = known ? new Set(posts.map((post) => post.id)) : new Set<string>();
  const wanted = ids.filter((id) => !have.has(id) && !asked.has(id));
  const chunks: string[][] = [];
  for (let at = 0; at < wanted.length; at += DESCRIBE_MAX) chunks.push(wanted.slice(at, at + DESCRIBE_MAX));
  const answers = [...(known ? [known] : []), ...(await Promise.all(chunks.map((chunk) => reader.describePosts(chunk))))];
  const merged: PostDescriptions = { posts: answers.flatMap((a) => a.posts), profiles: answers.flatMap((a) => a.profiles) };
  return described(merged, ids);
}
