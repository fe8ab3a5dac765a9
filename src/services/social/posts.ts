import { lookupUsername } from '../../domain/account.js';
import { DomainError, notFound } from '../../domain/errors.js';
import type { Post, PostOptions } from '../../domain/post.js';
import { isPostId, newPostId, parseIdempotencyKey, parsePostText } from '../../domain/post.js';
import { parsePostEntities } from '../../domain/text.js';
import { CONFLICT, retryOnConflict } from '../../kv/cas.js';
import type { Compare, KeyValue, Op } from '../../kv/kv.js';
import { parsePost } from '../../kv/records.js';
import type { Store } from '../store.js';
import { accountsExist, noSuchUser } from './accounts.js';
import { blockedAction, foundBlock, noBlockEitherWay, notifiable } from './block-guard.js';
import { mentionRecipients, postRowDeletes, postRows, putOps } from './post-rows.js';

export const noSuchPost = () => notFound('No such post.');

/** Fresh ids collide only if the clock and the random source repeat; a few tries settle it. */
const MAX_ID_ATTEMPTS = 5;

/** A post as stored, with its id index entry (whose modRevision guards a delete). */
export interface StoredPost {
  post: Post;
  index: KeyValue;
}

/** The post with this id and its index entry, or undefined if it does not exist (now). */
export async function readPost({ kv, keys }: Store, id: string): Promise<StoredPost | undefined> {
  if (!isPostId(id)) return undefined;
  const index = await kv.get(keys.post(id));
  const entry = index && (await kv.get(keys.authorPost(index.value, id)));
  return entry && index && { post: parsePost(entry.value), index };
}

/** The post an action on `id` concerns: the post itself, or for a reblog the original it shares. */
export async function readTarget(store: Store, id: string): Promise<StoredPost | undefined> {
  const stored = await readPost(store, id);
  return stored?.post.reblogOf === undefined ? stored : readPost(store, stored.post.reblogOf);
}

/**
 * One txn stores the post under its author, the id index, the idempotency
 * record, and what the post implies (post-rows.ts): its reply row under
 * the parent, its tag rows and its mention notifications. It requires the
 * author, the parent's author and every account it mentions to exist
 * (accountsExist: a mention of an account deleted meanwhile is read again
 * and becomes plain text), the key to be unused, and for a reply the
 * parent to exist with no block either way between the two authors. When the key is
 * already used, the failure branch reads its record in the same txn, so a
 * retry returns the first post without writing anything. Answers the post
 * with the revision of the txn that wrote it (or read the first one), at
 * which the store shows it.
 */
export async function createPost(
  store: Store,
  now: () => number,
  random: () => number,
  authorInput: string,
  textInput: string,
  idempotencyKeyInput?: string,
  /** A session, by its token hash, that must still exist when the post is written (see postAsSession). */
  sessionTokenHash?: string,
  options?: PostOptions,
): Promise<{ post: Post; revision: number }> {
  const { kv, keys } = store;
  const author = lookupUsername(authorInput);
  const text = parsePostText(textInput);
  const idempotencyKey = parseIdempotencyKey(idempotencyKeyInput);
  const entities = parsePostEntities(text);
  const parent = await replyTarget(store, options?.inReplyToId);

  const accountKey = keys.account(author);
  const sessionKey = sessionTokenHash === undefined ? undefined : keys.session(sessionTokenHash);
  const idempotencyRecord = idempotencyKey === undefined ? undefined : keys.idempotency(author, idempotencyKey);
  const stored = await retryOnConflict(MAX_ID_ATTEMPTS, async () => {
    // A mention of an unknown (or deleted) account is plain text; the txn requires the ones kept to exist still.
    const exists = await Promise.all(entities.mentions.map(async (name) => (await kv.get(keys.account(name))) !== undefined));
    const mentions = entities.mentions.filter((_, i) => exists[i]);
    const fields: Omit<Post, 'id' | 'author' | 'text' | 'createdAtMs'> = {};
    if (parent) Object.assign(fields, { inReplyToId: parent.post.id, inReplyToAuthor: parent.post.author });
    if (mentions.length > 0) fields.mentions = mentions;
    if (entities.tags.length > 0) fields.tags = entities.tags;
    const notified = await notifiable(store, author, mentionRecipients({ id: '', author, text, createdAtMs: 0, ...fields }));
    // The author is checked on its own (first) so its absence reads as "no such user".
    const others = accountsExist(
      keys,
      [...(parent ? [parent.post.author] : []), ...mentions].filter((name) => name !== author),
    );
    const createdAtMs = now();
    const post: Post = { id: newPostId(createdAtMs, random), author, text, createdAtMs, ...fields };
    const json = JSON.stringify(post);
    const compare: Compare[] = [
      { key: accountKey, target: 'version', op: '>', value: 0 },
      { key: keys.post(post.id), target: 'version', op: '==', value: 0 },
    ];
    const success: Op[] = [
      { type: 'put', key: keys.authorPost(author, post.id), value: json },
      { type: 'put', key: keys.post(post.id), value: author },
      ...putOps(postRows(keys, post, notified)),
    ];
    const failure: Op[] = [{ type: 'get', key: accountKey }];
    if (sessionKey !== undefined) {
      compare.push({ key: sessionKey, target: 'version', op: '>', value: 0 });
      failure.push({ type: 'get', key: sessionKey });
    }
    if (idempotencyRecord !== undefined) {
      compare.push({ key: idempotencyRecord, target: 'version', op: '==', value: 0 });
      success.push({ type: 'put', key: idempotencyRecord, value: json });
      failure.push({ type: 'get', key: idempotencyRecord });
    }
    const guard = parent && noBlockEitherWay(keys, author, parent.post.author);
    if (parent && guard) {
      compare.push({ key: parent.index.key, target: 'version', op: '>', value: 0 }, ...guard.compare);
      failure.push({ type: 'get', key: parent.index.key }, ...guard.failure);
    }
    compare.push(...others.compare);
    failure.push(...others.failure);
    const result = await kv.txn({ compare, success, failure });
    if (result.succeeded) {
      for (const recipient of notified) store.notified?.(recipient, result.revision);
      return { post, revision: result.revision };
    }
    const rest = [...result.results];
    if (!rest.shift()) throw noSuchUser();
    if (sessionKey !== undefined && !rest.shift()) throw new DomainError('unauthenticated', 'Log in first.');
    if (idempotencyRecord !== undefined) {
      const first = rest.shift();
      if (first) return { post: parsePost(first.value), revision: result.revision };
    }
    if (guard) {
      if (!rest.shift()) throw noSuchParent();
      if (foundBlock(rest.splice(0, guard.failure.length))) throw blockedAction('reply to this post');
    }
    const gone = others.gone(rest);
    // The parent's author deleted: their posts are going with them.
    if (parent && gone.has(parent.post.author)) throw noSuchParent();
    // Otherwise the post id, or a mentioned account deleted meanwhile: the next attempt reads the mentions again.
    return CONFLICT;
  });
  if (stored.status === 'exhausted') throw new DomainError('internal', 'Could not pick a post id.');
  return stored.value;
}

const noSuchParent = () => new DomainError('not_found', 'The post you are replying to does not exist.', { field: 'inReplyToId' });

/** The post a reply answers: a reblog's original, since a reblog has no words of its own to answer. */
async function replyTarget(store: Store, inReplyToId: unknown): Promise<StoredPost | undefined> {
  if (inReplyToId === undefined || inReplyToId === '') return undefined;
  if (typeof inReplyToId !== 'string') throw noSuchParent();
  const target = await readTarget(store, inReplyToId);
  if (!target) throw noSuchParent();
  return target;
}

/**
 * Deletes the post and every row it implies (post-rows.ts) in one txn
 * guarded by its index entry. Favourites and reblogs *of* it stay (they
 * are unbounded); reads skip those whose post is gone.
 */
export async function deletePost(store: Store, id: string, actor: string): Promise<void> {
  const stored = await readPost(store, id);
  if (!stored) throw noSuchPost();
  const { post } = stored;
  if (typeof actor !== 'string' || actor.toLowerCase() !== post.author) {
    throw new DomainError('forbidden', 'You can only delete your own posts.');
  }
  await deleteStoredPost(store, stored);
}

/** The delete itself, for deletePost and unreblog. */
export async function deleteStoredPost({ kv, keys }: Store, { post, index }: StoredPost): Promise<void> {
  // A reblog's notification went to the original's author; an original deleted since leaves it unnamed.
  const originalAuthor = post.reblogOf === undefined ? undefined : (await kv.get(keys.post(post.reblogOf)))?.value;
  const result = await kv.txn({
    compare: [{ key: index.key, target: 'modRevision', op: '==', value: index.modRevision }],
    success: [
      { type: 'delete', key: index.key },
      { type: 'delete', key: keys.authorPost(post.author, post.id) },
      ...postRowDeletes(keys, post, originalAuthor),
    ],
  });
  // Post keys are never rewritten, so a failed compare means someone deleted it first.
  if (!result.succeeded) throw noSuchPost();
}
