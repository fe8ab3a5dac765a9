import { lookupUsername } from '../../domain/account.js';
import { DomainError, notFound } from '../../domain/errors.js';
import type { Post } from '../../domain/post.js';
import { isPostId, newPostId, parseIdempotencyKey, parsePostText } from '../../domain/post.js';
import { CONFLICT, retryOnConflict } from '../../kv/cas.js';
import type { Compare, Op } from '../../kv/kv.js';
import { parsePost } from '../../kv/records.js';
import type { Store } from '../store.js';
import { noSuchUser } from './accounts.js';

export const noSuchPost = () => notFound('No such post.');

/** Fresh ids collide only if the clock and the random source repeat; a few tries settle it. */
const MAX_ID_ATTEMPTS = 5;

/**
 * One txn stores the post under its author, the id index and the
 * idempotency record, if the author exists and the key is unused. When the
 * key is already used, the failure branch reads its record in the same
 * txn, so a retry returns the first post without writing anything.
 */
export async function createPost(
  { kv, keys }: Store,
  now: () => number,
  random: () => number,
  authorInput: string,
  textInput: string,
  idempotencyKeyInput?: string,
  /** A session, by its token hash, that must still exist when the post is written (see postAsSession). */
  sessionTokenHash?: string,
): Promise<Post> {
  const author = lookupUsername(authorInput);
  const text = parsePostText(textInput);
  const idempotencyKey = parseIdempotencyKey(idempotencyKeyInput);
  const accountKey = keys.account(author);
  const sessionKey = sessionTokenHash === undefined ? undefined : keys.session(sessionTokenHash);
  const idempotencyRecord = idempotencyKey === undefined ? undefined : keys.idempotency(author, idempotencyKey);
  const stored = await retryOnConflict(MAX_ID_ATTEMPTS, async () => {
    const createdAtMs = now();
    const post: Post = { id: newPostId(createdAtMs, random), author, text, createdAtMs };
    const json = JSON.stringify(post);
    const compare: Compare[] = [
      { key: accountKey, target: 'version', op: '>', value: 0 },
      { key: keys.post(post.id), target: 'version', op: '==', value: 0 },
    ];
    const success: Op[] = [
      { type: 'put', key: keys.authorPost(author, post.id), value: json },
      { type: 'put', key: keys.post(post.id), value: author },
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
    const result = await kv.txn({ compare, success, failure });
    if (result.succeeded) return post;
    const [account, ...rest] = result.results;
    if (!account) throw noSuchUser();
    if (sessionKey !== undefined && !rest.shift()) throw new DomainError('unauthenticated', 'Log in first.');
    const first = rest[0];
    // Only the post id can have failed when no record answers: pick another.
    return first ? parsePost(first.value) : CONFLICT;
  });
  if (stored.status === 'exhausted') throw new DomainError('internal', 'Could not pick a post id.');
  return stored.value;
}

export async function deletePost({ kv, keys }: Store, id: string, actor: string): Promise<void> {
  if (!isPostId(id)) throw noSuchPost();
  const index = await kv.get(keys.post(id));
  if (!index) throw noSuchPost();
  const author = index.value;
  if (typeof actor !== 'string' || actor.toLowerCase() !== author) {
    throw new DomainError('forbidden', 'You can only delete your own posts.');
  }
  const result = await kv.txn({
    compare: [{ key: index.key, target: 'modRevision', op: '==', value: index.modRevision }],
    success: [
      { type: 'delete', key: index.key },
      { type: 'delete', key: keys.authorPost(author, id) },
    ],
  });
  // Post keys are never rewritten, so a failed compare means someone deleted it first.
  if (!result.succeeded) throw noSuchPost();
}
