import type { Account } from '../../domain/account.js';
import { lookupUsername } from '../../domain/account.js';
import { invalid } from '../../domain/errors.js';
import type { Page } from '../../domain/page.js';
import type { Relationship } from '../../domain/social.js';
import { CONFLICT, DEFAULT_CAS_ATTEMPTS, retryOnConflict } from '../../kv/cas.js';
import type { Compare, Op } from '../../kv/kv.js';
import type { Store } from '../store.js';
import { accountPage } from './account-lists.js';
import { accountsExist, isUsername, noSuchUser } from './accounts.js';
import { busy, edgeRemoval } from './follows.js';
import type { SocialReads } from './reads.js';

/** Most targets of one relationships call. */
export const MAX_RELATIONSHIPS = 100;

/**
 * One txn: both directions of the block (blocks/ and blocked-by/, valued
 * with the block time) and the deletes of the follow edges either way
 * with their notifications. The edges are read first (their times name
 * the notifications) and the txn requires them and the block unchanged
 * since, and both accounts still there (accountsExist); a concurrent
 * follow or unfollow makes it read again. A repeat writes nothing.
 */
export async function block({ kv, keys }: Store, now: () => number, actorInput: string, targetInput: string): Promise<void> {
  const [actor, target] = pair(actorInput, targetInput, 'block');
  const watched = [keys.block(actor, target), keys.following(actor, target), keys.following(target, actor)];
  const result = await retryOnConflict(DEFAULT_CAS_ATTEMPTS, async () => {
    const accounts = accountsExist(keys, [target, actor]);
    const read = await kv.txn({ compare: [], success: [...accounts.failure, ...watched.map((key): Op => ({ type: 'get', key }))] });
    const [account, own, blocking, following, followedBy] = read.results;
    if (!account || !own) throw noSuchUser();
    if (blocking && !following && !followedBy) return;
    // Absent keys have modRevision 0, so one compare per key covers "still absent" too.
    const compare: Compare[] = [
      ...accounts.compare,
      ...[blocking, following, followedBy].map(
        (entry, i): Compare => ({ key: watched[i]!, target: 'modRevision', op: '==', value: entry?.modRevision ?? 0 }),
      ),
    ];
    const success: Op[] = [];
    if (!blocking) {
      const since = String(now());
      success.push(
        { type: 'put', key: keys.block(actor, target), value: since },
        { type: 'put', key: keys.blockedBy(target, actor), value: since },
      );
    }
    if (following) success.push(...edgeRemoval(keys, actor, target, following).deletes);
    if (followedBy) success.push(...edgeRemoval(keys, target, actor, followedBy).deletes);
    const written = await kv.txn({ compare, success });
    return written.succeeded ? undefined : CONFLICT;
  });
  if (result.status === 'exhausted') throw busy();
}

/** Deletes both directions of the block in one txn if it exists; idempotent. */
export async function unblock({ kv, keys }: Store, actorInput: string, targetInput: string): Promise<void> {
  const [actor, target] = pair(actorInput, targetInput, 'unblock');
  await removeIfPresent({ kv, keys }, target, keys.block(actor, target), [keys.block(actor, target), keys.blockedBy(target, actor)]);
}

/** Puts mutes/<actor>/<target> (the mute time) unless it is there, while both accounts exist; idempotent. */
export async function mute({ kv, keys }: Store, now: () => number, actorInput: string, targetInput: string): Promise<void> {
  const [actor, target] = pair(actorInput, targetInput, 'mute');
  const key = keys.mute(actor, target);
  const accounts = accountsExist(keys, [target, actor]);
  const result = await kv.txn({
    compare: [...accounts.compare, { key, target: 'version', op: '==', value: 0 }],
    success: [{ type: 'put', key, value: String(now()) }],
    failure: accounts.failure,
  });
  if (!result.succeeded && !(result.results[0] && result.results[1])) throw noSuchUser();
}

export async function unmute({ kv, keys }: Store, actorInput: string, targetInput: string): Promise<void> {
  const [actor, target] = pair(actorInput, targetInput, 'unmute');
  await removeIfPresent({ kv, keys }, target, keys.mute(actor, target), [keys.mute(actor, target)]);
}

/** The accounts the actor blocks, in username order. */
export async function listBlocks(store: Store, actorInput: string, limit: unknown, cursor: unknown): Promise<Page<Account>> {
  const actor = lookupUsername(actorInput);
  return accountPage(store, actor, store.keys.blocksPrefix(actor), limit, cursor);
}

/** The accounts the actor mutes, in username order. */
export async function listMutes(store: Store, actorInput: string, limit: unknown, cursor: unknown): Promise<Page<Account>> {
  const actor = lookupUsername(actorInput);
  return accountPage(store, actor, store.keys.mutesPrefix(actor), limit, cursor);
}

/** See Social.relationships. Targets that cannot be usernames are unknown, so left out. */
export async function relationships(
  reads: () => Promise<SocialReads>,
  actorInput: string,
  targets: readonly string[],
): Promise<Relationship[]> {
  const actor = lookupUsername(actorInput);
  if (!Array.isArray(targets) || targets.length > MAX_RELATIONSHIPS) {
    throw invalid(`Ask about at most ${MAX_RELATIONSHIPS} accounts at once.`, 'targets');
  }
  const names = targets.map((name) => (typeof name === 'string' ? name.toLowerCase() : '')).filter(isUsername);
  return (await reads()).relationships(actor, names);
}

/** Canonical actor and target, `invalid` when they are the same account. */
function pair(actorInput: string, targetInput: string, action: string): [string, string] {
  const actor = lookupUsername(actorInput);
  const target = lookupUsername(targetInput);
  if (actor === target) throw invalid(`You cannot ${action} yourself.`, 'username');
  return [actor, target];
}

/** Deletes `keys` in one txn if `present` exists; `not_found` when the target account does not. */
async function removeIfPresent({ kv, keys: layout }: Store, target: string, present: string, keys: readonly string[]): Promise<void> {
  const result = await kv.txn({
    compare: [
      { key: layout.account(target), target: 'version', op: '>', value: 0 },
      { key: present, target: 'version', op: '>', value: 0 },
    ],
    success: keys.map((key): Op => ({ type: 'delete', key })),
    failure: [{ type: 'get', key: layout.account(target) }],
  });
  if (!result.succeeded && !result.results[0]) throw noSuchUser();
}
