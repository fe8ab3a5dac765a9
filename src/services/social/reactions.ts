import type { Account } from '../../domain/account.js';
import { lookupUsername } from '../../domain/account.js';
import { DomainError } from '../../domain/errors.js';
import { notificationFor } from '../../domain/notification.js';
import { encodeCursor, type Page, parsePageRequest } from '../../domain/page.js';
import { derivedId, isPostId, newPostId, type Post } from '../../domain/post.js';
import { CONFLICT, compareAndSwap, retryOnConflict } from '../../kv/cas.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Op } from '../../kv/kv.js';
import { rangeAfterCursor } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { accountsExist, getAccount, isUsername, noSuchUser } from './accounts.js';
import { blockedAction, foundBlock, noBlockEitherWay } from './block-guard.js';
import { postRows, putOps } from './post-rows.js';
import { deleteStoredPost, noSuchPost, readPost, readTarget, type StoredPost } from './posts.js';

/**
 * Favourites and reblogs. Each is one txn holding its row, its index row
 * and its notification, requiring the post, both accounts (accountsExist:
 * nothing lands after either's deletion) and no block either way; the
 * row's existence is the idempotency check, as for follow edges. A
 * reaction to a reblog is a reaction to its original, as in Mastodon.
 */

/** The actor's entry in their own favourites list: derived, so unfavourite can name it from the favourite's time. */
export function favouriteListId(timeMs: number, actor: string, postId: string): string {
  return derivedId(timeMs, `${actor}/${postId}`);
}

/** Every row a favourite writes, named from its time (so unfavourite can name them from the favourite row's value). */
export function favouriteRows(keys: Keyspace, actor: string, postId: string, author: string | undefined, timeMs: number) {
  const rows = [
    { key: keys.favourite(postId, actor), value: String(timeMs) },
    { key: keys.actorFavourite(actor, favouriteListId(timeMs, actor, postId)), value: postId },
  ];
  if (author !== undefined && author !== actor) {
    const notification = notificationFor('favourite', actor, author, timeMs, postId);
    rows.push({ key: keys.notification(author, notification.id), value: JSON.stringify(notification) });
  }
  return rows;
}

/** Answers the id of the post favourited: the original, for a reblog's id. */
export async function favourite(store: Store, now: () => number, actorInput: string, postId: string): Promise<string> {
  const { kv, keys } = store;
  const actor = lookupUsername(actorInput);
  const target = await readTarget(store, postId);
  if (!target) throw noSuchPost();
  const { post, index } = target;
  const row = keys.favourite(post.id, actor);
  const guard = noBlockEitherWay(keys, actor, post.author);
  const accounts = accountsExist(keys, [post.author, actor]);
  const result = await kv.txn({
    compare: [
      { key: index.key, target: 'version', op: '>', value: 0 },
      { key: row, target: 'version', op: '==', value: 0 },
      ...guard.compare,
      ...accounts.compare,
    ],
    success: favouriteRows(keys, actor, post.id, post.author, now()).map(({ key, value }): Op => ({ type: 'put', key, value })),
    failure: [{ type: 'get', key: index.key }, { type: 'get', key: row }, ...guard.failure, ...accounts.failure],
  });
  if (result.succeeded) {
    if (post.author !== actor) store.notified?.(post.author, result.revision);
    return post.id;
  }
  const [exists, already, ...rest] = result.results;
  const blocks = rest.slice(0, guard.failure.length);
  const gone = accounts.gone(rest.slice(guard.failure.length));
  if (gone.has(actor)) throw noSuchUser();
  // A post whose author is deleted is going with them: as good as gone.
  if (!exists || gone.has(post.author)) throw noSuchPost();
  if (foundBlock(blocks)) throw blockedAction('favourite this post');
  // Otherwise the favourite exists already: a repeat writes nothing.
  if (!already) throw new DomainError('internal', 'A favourite failed for no reason the store gave.');
  return post.id;
}

/**
 * Reads the favourite's time to name its other rows, then deletes all of
 * them in one txn guarded by the favourite's modRevision. A deleted post
 * can be unfavourited; its author (the notification's recipient) went
 * with it, so that notification stays, about a post that is gone.
 * Answers the id of the post unfavourited (the original, for a reblog's).
 */
export async function unfavourite(store: Store, actorInput: string, postId: string): Promise<string> {
  const { kv, keys } = store;
  const actor = lookupUsername(actorInput);
  if (!isPostId(postId)) throw noSuchPost();
  const given = await readPost(store, postId);
  const targetId = given?.post.reblogOf ?? postId;
  const author = targetId === given?.post.id ? given.post.author : (await kv.get(keys.post(targetId)))?.value;
  const result = await compareAndSwap(kv, {
    key: keys.favourite(targetId, actor),
    plan: async (current) => {
      if (!current) {
        if (!given) throw noSuchPost();
        return { success: [], value: undefined };
      }
      const rows = favouriteRows(keys, actor, targetId, author, Number(current.value));
      return { success: rows.map(({ key }): Op => ({ type: 'delete', key })), value: undefined };
    },
  });
  if (result.status === 'exhausted') throw new DomainError('unavailable', 'Too many changes to this favourite at once; try again.');
  return targetId;
}

/**
 * A reblog is a post of the actor's (no text, reblogOf the original)
 * written with its reblogs/ row and the original author's notification,
 * once per actor and original: a repeat returns the first reblog.
 */
export async function reblog(store: Store, now: () => number, random: () => number, actorInput: string, postId: string): Promise<Post> {
  const { kv, keys } = store;
  const actor = lookupUsername(actorInput);
  const target = await readTarget(store, postId);
  if (!target) throw noSuchPost();
  const original = target.post;
  const row = keys.reblog(original.id, actor);
  const first = async (reblogId: string) => (await readPost(store, reblogId))?.post;
  const existing = await kv.get(row);
  const repeat = existing && (await first(existing.value));
  if (repeat) return repeat;
  const guard = noBlockEitherWay(keys, actor, original.author);
  const stored = await retryOnConflict(MAX_ID_ATTEMPTS, async () => {
    const createdAtMs = now();
    const post: Post = { id: newPostId(createdAtMs, random), author: actor, text: '', createdAtMs, reblogOf: original.id };
    const result = await kv.txn({
      compare: [
        { key: keys.account(actor), target: 'version', op: '>', value: 0 },
        { key: keys.post(post.id), target: 'version', op: '==', value: 0 },
        { key: target.index.key, target: 'version', op: '>', value: 0 },
        { key: row, target: 'version', op: '==', value: 0 },
        ...guard.compare,
        { key: keys.account(original.author), target: 'version', op: '>', value: 0 },
      ],
      success: [
        { type: 'put', key: keys.authorPost(actor, post.id), value: JSON.stringify(post) },
        { type: 'put', key: keys.post(post.id), value: actor },
        ...putOps(postRows(keys, post, [], original.author)),
      ],
      failure: [
        { type: 'get', key: keys.account(actor) },
        { type: 'get', key: target.index.key },
        { type: 'get', key: row },
        ...guard.failure,
        { type: 'get', key: keys.account(original.author) },
      ],
    });
    if (result.succeeded) {
      if (original.author !== actor) store.notified?.(original.author, result.revision);
      return post;
    }
    const [account, exists, already, ...rest] = result.results;
    const blocks = rest.slice(0, guard.failure.length);
    if (!account) throw noSuchUser();
    // The original's author deleted: the post is going with them.
    if (!exists || !rest[guard.failure.length]) throw noSuchPost();
    if (already) return (await first(already.value)) ?? CONFLICT;
    if (foundBlock(blocks)) throw blockedAction('reblog this post');
    return CONFLICT;
  });
  if (stored.status === 'exhausted') throw new DomainError('unavailable', 'Could not store the reblog; try again.');
  return stored.value;
}

const MAX_ID_ATTEMPTS = 5;

/**
 * Deletes the actor's reblog, named by the reblog's id or the original's;
 * nothing to undo is no error for a post that exists. Answers the
 * original's id.
 */
export async function unreblog(store: Store, actorInput: string, postId: string): Promise<string> {
  const { kv, keys } = store;
  const actor = lookupUsername(actorInput);
  if (!isPostId(postId)) throw noSuchPost();
  const given = await readPost(store, postId);
  // Whether `given` is the actor's reblog, another's reblog or an original, the original is the same.
  const originalId = given?.post.reblogOf ?? postId;
  let mine: StoredPost | undefined;
  if (given?.post.reblogOf !== undefined && given.post.author === actor) mine = given;
  else {
    const row = await kv.get(keys.reblog(originalId, actor));
    if (!row) {
      if (!given) throw noSuchPost();
      return originalId;
    }
    mine = await readPost(store, row.value);
  }
  if (!mine) return originalId;
  try {
    await deleteStoredPost(store, mine);
  } catch (error) {
    // Deleted meanwhile (a concurrent unreblog): the outcome asked for.
    if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
  }
  return originalId;
}

/** Who favourited or reblogged the post (its original, for a reblog), in username order, paged like followers. */
export async function reactedBy(
  store: Store,
  reaction: 'favourites' | 'reblogs',
  postId: string,
  limit: unknown,
  cursor: unknown,
): Promise<Page<Account>> {
  const page = parsePageRequest(limit, cursor, isUsername);
  const target = await readTarget(store, postId);
  if (!target) throw noSuchPost();
  const id = target.post.id;
  const prefix = reaction === 'favourites' ? store.keys.favouritesPrefix(id) : store.keys.reblogsPrefix(id);
  const range = await rangeAfterCursor(store.kv, { prefix, cursor: page.after, limit: page.limit });
  const accounts = await Promise.all(range.items.map((item) => getAccount(store, item.key.slice(prefix.length))));
  return {
    items: accounts.filter((account): account is Account => account !== undefined),
    next: range.next === undefined ? null : encodeCursor(range.next),
  };
}
