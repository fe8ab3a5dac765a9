import type { Account } from '../../domain/account.js';
import { lookupUsername } from '../../domain/account.js';
import { DomainError } from '../../domain/errors.js';
import { checkFollow } from '../../domain/follow.js';
import { notificationFor } from '../../domain/notification.js';
import type { Page } from '../../domain/page.js';
import { CONFLICT, DEFAULT_CAS_ATTEMPTS, retryOnConflict } from '../../kv/cas.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Compare, KeyValue, Op } from '../../kv/kv.js';
import { scan } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { accountPage } from './account-lists.js';
import { accountsExist, noSuchUser } from './accounts.js';

/**
 * Writes both directions of the edge and the followee's notification in
 * one txn, only if both accounts exist (so never after either's deletion:
 * accountsExist), the edge does not, and neither blocks the other: a
 * repeated follow (a retry after an unknown outcome included) writes
 * nothing. The edge's value is the follow time, from
 * which unfollow names the notification again.
 */
export async function follow(store: Store, now: () => number, followerInput: string, followeeInput: string): Promise<void> {
  const { kv, keys } = store;
  const follower = lookupUsername(followerInput);
  const followee = lookupUsername(followeeInput);
  checkFollow(follower, followee);
  const since = now();
  const notification = notificationFor('follow', follower, followee, since);
  const accounts = accountsExist(keys, [followee, follower]);
  const result = await kv.txn({
    compare: [
      ...accounts.compare,
      { key: keys.following(follower, followee), target: 'version', op: '==', value: 0 },
      { key: keys.block(follower, followee), target: 'version', op: '==', value: 0 },
      { key: keys.block(followee, follower), target: 'version', op: '==', value: 0 },
    ],
    success: [
      { type: 'put', key: keys.following(follower, followee), value: String(since) },
      { type: 'put', key: keys.follower(followee, follower), value: String(since) },
      { type: 'put', key: keys.notification(followee, notification.id), value: JSON.stringify(notification) },
    ],
    failure: [
      ...accounts.failure,
      { type: 'get', key: keys.block(follower, followee) },
      { type: 'get', key: keys.block(followee, follower) },
    ],
  });
  if (result.succeeded) {
    store.notified?.(followee, result.revision);
    return;
  }
  const [account, own, blocking, blockedBy] = result.results;
  if (accounts.gone([account, own]).size > 0) throw noSuchUser();
  if (blockedBy) throw new DomainError('forbidden', 'You cannot follow an account that has blocked you.');
  if (blocking) throw new DomainError('forbidden', 'Unblock this account before following it.');
}

/**
 * Deletes both directions and the follow's notification in one txn if the
 * edge exists; the followee must exist either way. The edge is read first
 * for its time (which names the notification) and the txn requires it
 * unchanged since, so a follow that came and went meanwhile is read again.
 */
export async function unfollow({ kv, keys }: Store, followerInput: string, followeeInput: string): Promise<void> {
  const follower = lookupUsername(followerInput);
  const followee = lookupUsername(followeeInput);
  const result = await retryOnConflict(DEFAULT_CAS_ATTEMPTS, async () => {
    const read = await kv.txn({
      compare: [],
      success: [
        { type: 'get', key: keys.account(followee) },
        { type: 'get', key: keys.following(follower, followee) },
      ],
    });
    const [account, edge] = read.results;
    if (!account) throw noSuchUser();
    if (!edge) return;
    const removal = edgeRemoval(keys, follower, followee, edge);
    const written = await kv.txn({ compare: removal.compare, success: removal.deletes });
    return written.succeeded ? undefined : CONFLICT;
  });
  if (result.status === 'exhausted') throw busy();
}

/** Every attempt of a read-then-write lost to concurrent writes. */
export const busy = () => new DomainError('conflict', 'Too many changes at once; try again.');

/**
 * What removes a follow edge as it was read: a compare that it is still
 * that write, and the deletes of both directions and of its notification
 * (named from the edge's value, the follow time).
 */
export function edgeRemoval(keys: Keyspace, follower: string, followee: string, edge: KeyValue): { compare: Compare[]; deletes: Op[] } {
  const deletes: Op[] = [
    { type: 'delete', key: keys.following(follower, followee) },
    { type: 'delete', key: keys.follower(followee, follower) },
  ];
  const since = Number(edge.value);
  if (Number.isSafeInteger(since)) {
    deletes.push({ type: 'delete', key: keys.notification(followee, notificationFor('follow', follower, followee, since).id) });
  }
  return { compare: [{ key: edge.key, target: 'modRevision', op: '==', value: edge.modRevision }], deletes };
}

/** One page of a user's followers or followees, in username order, with their accounts. */
export async function listEdges(
  store: Store,
  list: 'followers' | 'following',
  usernameInput: string,
  limit: unknown,
  cursor: unknown,
): Promise<Page<Account>> {
  const username = lookupUsername(usernameInput);
  const prefix = list === 'followers' ? store.keys.followersPrefix(username) : store.keys.followingPrefix(username);
  return accountPage(store, username, prefix, limit, cursor);
}

const FOLLOWING_PAGE = 1000;

/** Everyone the user follows, read in pages so no single response grows without bound. */
export async function listAllFollowing({ kv, keys }: Store, username: string): Promise<string[]> {
  const prefix = keys.followingPrefix(username);
  const names: string[] = [];
  for await (const item of scan(kv, { prefix, pageSize: FOLLOWING_PAGE })) names.push(item.key.slice(prefix.length));
  return names;
}
