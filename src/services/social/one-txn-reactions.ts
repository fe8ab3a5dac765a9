import { lookupUsername } from '../../domain/account.js';
import { isPostId, newPostId, type Post } from '../../domain/post.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Compare, Op } from '../../kv/kv.js';
import type { Store } from '../store.js';
import { accountsExist } from './accounts.js';
import { foundBlock, noBlockEitherWay } from './block-guard.js';
import type { Claim } from './identity.js';
import { postRowDeletes, postRows, putOps } from './post-rows.js';
import { favouriteRows } from './reactions.js';

/**
 * Favourites and reblogs as one etcd txn and no read before it: what the
 * txn needs (the post's author, whether it is a reblog and of what, the
 * favourite's time) comes from the watch-fed view, which may lag, and
 * every fact taken from it is a compare of the txn, as are the careful
 * path's checks (reactions.ts): each post named exists, both accounts
 * exist, no block either way, and the session is still there. A txn
 * whose compares fail writes nothing and the attempt answers "not done":
 * the caller then takes the careful path, which reads afresh and gives
 * the same outcome or error as if this attempt had never been made. So
 * the common case is one txn, and every other case is exactly the
 * careful path's.
 */

/**
 * An action done in one txn: the id of the post the caller answers with
 * (the post itself when the action made it), and a revision at which the
 * store shows the outcome, so a read that must reflect it need only wait
 * for the view to reach that revision, with no quorum read of its own.
 */
export interface DoneInOneTxn {
  id: string;
  post?: Post;
  revision: number;
}

/** What the view knows; every answer may lag the store. */
export interface ReactionHints {
  post(id: string): Post | undefined;
  /** The value of the actor's favourite row for the post: the favourite's time. */
  favourite(postId: string, actor: string): string | undefined;
  /** The id of the actor's reblog of the original. */
  reblog(originalId: string, actor: string): string | undefined;
}

/** The posts an action on `id` names, as the view knows them: the one given, and the original it concerns. */
function hintedTarget(hints: ReactionHints, id: string): { named: Post[]; target: Post } | undefined {
  if (!isPostId(id)) return undefined;
  const given = hints.post(id);
  if (given?.reblogOf === undefined) return given && { named: [given], target: given };
  const original = hints.post(given.reblogOf);
  return original && { named: [given, original], target: original };
}

/** Compares that the named posts exist: post keys are written once and deleted once, so existing is being the post the view saw. */
function postsExist(keys: Keyspace, posts: readonly Post[]): Compare[] {
  return posts.map((post) => ({ key: keys.post(post.id), target: 'version', op: '>', value: 0 }));
}

function sessionExists(keys: Keyspace, claim: Claim): Compare[] {
  return claim.sessionTokenHash === undefined ? [] : [{ key: keys.session(claim.sessionTokenHash), target: 'version', op: '>', value: 0 }];
}

/**
 * Done (the original favourited) once the actor has favourited the post:
 * written now, or found already there with every condition of a favourite
 * holding (a repeat, which writes nothing, as the careful path would
 * not; the failed txn's revision is then the one its reads saw).
 * Undefined: nothing written, take the careful path.
 */
export async function favouriteInOneTxn(
  { kv, keys, notified }: Store,
  now: () => number,
  hints: ReactionHints,
  claim: Claim,
  postId: string,
): Promise<DoneInOneTxn | undefined> {
  const hinted = hintedTarget(hints, postId);
  if (!hinted) return undefined;
  const actor = lookupUsername(claim.username);
  const post = hinted.target;
  const row = keys.favourite(post.id, actor);
  const guard = noBlockEitherWay(keys, actor, post.author);
  const accounts = accountsExist(keys, [post.author, actor]);
  const present = [...postsExist(keys, hinted.named), ...sessionExists(keys, claim), ...accounts.compare];
  const gets = (compares: readonly Compare[]) => compares.map((check): Op => ({ type: 'get', key: check.key }));
  const result = await kv.txn({
    compare: [{ key: row, target: 'version', op: '==', value: 0 }, ...present, ...guard.compare],
    success: putOps({ puts: favouriteRows(keys, actor, post.id, post.author, now()), deletes: [] }),
    failure: [{ type: 'get', key: row }, ...gets(present), ...guard.failure],
  });
  const done = { id: post.id, revision: result.revision };
  if (result.succeeded) {
    if (post.author !== actor) notified?.(post.author, result.revision);
    return done;
  }
  const [already, ...rest] = result.results;
  const found = rest.slice(0, present.length);
  const blocks = rest.slice(present.length);
  return already !== undefined && found.every((kv) => kv !== undefined) && !foundBlock(blocks) ? done : undefined;
}

/**
 * Done (the original) once the actor's favourite of the post is gone:
 * deleted now (its rows named from the time the view saw, the row
 * compared to that time), or known absent with the named post still
 * there (nothing to undo). Undefined: nothing written, take the careful
 * path.
 */
export async function unfavouriteInOneTxn(
  { kv, keys }: Store,
  hints: ReactionHints,
  claim: Claim,
  postId: string,
): Promise<DoneInOneTxn | undefined> {
  const hinted = hintedTarget(hints, postId);
  if (!hinted) return undefined;
  const actor = lookupUsername(claim.username);
  const post = hinted.target;
  const row = keys.favourite(post.id, actor);
  const time = hints.favourite(post.id, actor);
  const session = sessionExists(keys, claim);
  if (time === undefined) {
    // A txn that writes nothing: etcd serves it as a linearizable read, not a log entry.
    const result = await kv.txn({
      compare: [{ key: row, target: 'version', op: '==', value: 0 }, ...postsExist(keys, hinted.named), ...session],
      success: [],
    });
    return result.succeeded ? { id: post.id, revision: result.revision } : undefined;
  }
  const result = await kv.txn({
    // The named posts too: the careful path refuses an unfavourite through a deleted reblog, and names no notification for a deleted original.
    compare: [{ key: row, target: 'value', op: '==', value: time }, ...postsExist(keys, hinted.named), ...session],
    success: favouriteRows(keys, actor, post.id, post.author, Number(time)).map(({ key }): Op => ({ type: 'delete', key })),
  });
  return result.succeeded ? { id: post.id, revision: result.revision } : undefined;
}

/**
 * Done (the reblog) once written now, when the view knows of no reblog
 * of the original by the actor; undefined (nothing written) otherwise,
 * for the careful path, which also answers a repeat with the first reblog.
 */
export async function reblogInOneTxn(
  { kv, keys, notified }: Store,
  now: () => number,
  random: () => number,
  hints: ReactionHints,
  claim: Claim,
  postId: string,
): Promise<DoneInOneTxn | undefined> {
  const hinted = hintedTarget(hints, postId);
  if (!hinted) return undefined;
  const actor = lookupUsername(claim.username);
  const original = hinted.target;
  if (hints.reblog(original.id, actor) !== undefined) return undefined;
  const createdAtMs = now();
  const post: Post = { id: newPostId(createdAtMs, random), author: actor, text: '', createdAtMs, reblogOf: original.id };
  const result = await kv.txn({
    compare: [
      { key: keys.post(post.id), target: 'version', op: '==', value: 0 },
      { key: keys.reblog(original.id, actor), target: 'version', op: '==', value: 0 },
      ...postsExist(keys, hinted.named),
      ...sessionExists(keys, claim),
      ...noBlockEitherWay(keys, actor, original.author).compare,
      ...accountsExist(keys, [actor, original.author]).compare,
    ],
    success: [
      { type: 'put', key: keys.authorPost(actor, post.id), value: JSON.stringify(post) },
      { type: 'put', key: keys.post(post.id), value: actor },
      ...putOps(postRows(keys, post, [], original.author)),
    ],
  });
  if (!result.succeeded) return undefined;
  if (original.author !== actor) notified?.(original.author, result.revision);
  return { id: post.id, post, revision: result.revision };
}

/**
 * Done (the original) once the actor's reblog named by `postId` (the
 * reblog's id or its original's) is deleted, with every row its creation
 * wrote; undefined (nothing written) when the view knows of none or the
 * store disagrees, for the careful path, which also answers "nothing to
 * undo".
 */
export async function unreblogInOneTxn(
  { kv, keys }: Store,
  hints: ReactionHints,
  claim: Claim,
  postId: string,
): Promise<DoneInOneTxn | undefined> {
  if (!isPostId(postId)) return undefined;
  const actor = lookupUsername(claim.username);
  const given = hints.post(postId);
  const mineId = given?.reblogOf !== undefined && given.author === actor ? given.id : hints.reblog(given?.reblogOf ?? postId, actor);
  const mine = mineId === undefined ? undefined : hints.post(mineId);
  if (mine?.reblogOf === undefined || mine.author !== actor) return undefined;
  // The reblog's notification went to the original's author; one the view no longer has leaves it unnamed, as the careful path does.
  const originalAuthor = hints.post(mine.reblogOf)?.author;
  const result = await kv.txn({
    compare: [...postsExist(keys, [mine]), ...sessionExists(keys, claim)],
    success: [
      { type: 'delete', key: keys.post(mine.id) },
      { type: 'delete', key: keys.authorPost(actor, mine.id) },
      ...postRowDeletes(keys, mine, originalAuthor),
    ],
  });
  return result.succeeded ? { id: mine.reblogOf, revision: result.revision } : undefined;
}
