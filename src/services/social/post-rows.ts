import { type Notification, notificationFor } from '../../domain/notification.js';
import type { Post } from '../../domain/post.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Op } from '../../kv/kv.js';

/**
 * Every key a post implies besides its record and its id index, named
 * from the post alone (and, for a reblog, the original's author), so the
 * txn that deletes the post can name each row its creation wrote: its
 * reply row, its tag rows, its reblog row and the notifications it
 * caused, whose ids are derived from the post's time (notificationFor).
 */
export interface PostRows {
  puts: { key: string; value: string }[];
  deletes: string[];
}

/**
 * Who a post notifies: the parent's author (a reply counts as a mention,
 * once) then the accounts it mentions, never its author. `notified` is
 * the subset actually notified when the post was written (blocks can
 * skip some); deleting names every candidate, since deleting an absent
 * key is harmless.
 */
export function mentionRecipients(post: Post): string[] {
  const candidates = [...(post.inReplyToAuthor === undefined ? [] : [post.inReplyToAuthor]), ...(post.mentions ?? [])];
  return [...new Set(candidates)].filter((name) => name !== post.author);
}

export function postRows(
  keys: Keyspace,
  post: Post,
  notified: readonly string[],
  /** For a reblog: the original's author (the reblog notifies them), when known. */
  originalAuthor?: string,
): PostRows {
  const puts: PostRows['puts'] = [];
  if (post.inReplyToId !== undefined) puts.push({ key: keys.reply(post.inReplyToId, post.id), value: post.author });
  for (const tag of post.tags ?? []) puts.push({ key: keys.tagPost(tag, post.id), value: post.author });
  const notifications: Notification[] = notified.map((recipient) =>
    notificationFor('mention', post.author, recipient, post.createdAtMs, post.id),
  );
  if (post.reblogOf !== undefined) {
    puts.push({ key: keys.reblog(post.reblogOf, post.author), value: post.id });
    if (originalAuthor !== undefined && originalAuthor !== post.author) {
      notifications.push(notificationFor('reblog', post.author, originalAuthor, post.createdAtMs, post.reblogOf));
    }
  }
  for (const notification of notifications) {
    puts.push({ key: keys.notification(notification.recipient, notification.id), value: JSON.stringify(notification) });
  }
  return { puts, deletes: puts.map((put) => put.key) };
}

/** The rows of a post to delete with it, whoever was notified when it was written. */
export function postRowDeletes(keys: Keyspace, post: Post, originalAuthor?: string): Op[] {
  return postRows(keys, post, mentionRecipients(post), originalAuthor).deletes.map((key) => ({ type: 'delete', key }));
}

export function putOps(rows: PostRows): Op[] {
  return rows.puts.map(({ key, value }) => ({ type: 'put', key, value }));
}
