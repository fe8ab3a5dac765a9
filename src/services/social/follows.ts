import type { Account } from '../../domain/account.js';
import { lookupUsername } from '../../domain/account.js';
import { checkFollow } from '../../domain/follow.js';
import type { Page } from '../../domain/page.js';
import { encodeCursor, parsePageRequest } from '../../domain/page.js';
import { rangeAfterCursor, scan } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { getAccount, isUsername, noSuchUser } from './accounts.js';

/**
 * Writes both directions of the edge in one txn, only if the followee
 * exists and the edge does not: a repeated follow writes nothing.
 */
export async function follow({ kv, keys }: Store, now: () => number, followerInput: string, followeeInput: string): Promise<void> {
  const follower = lookupUsername(followerInput);
  const followee = lookupUsername(followeeInput);
  checkFollow(follower, followee);
  const since = String(now());
  const result = await kv.txn({
    compare: [
      { key: keys.account(followee), target: 'version', op: '>', value: 0 },
      { key: keys.following(follower, followee), target: 'version', op: '==', value: 0 },
    ],
    success: [
      { type: 'put', key: keys.following(follower, followee), value: since },
      { type: 'put', key: keys.follower(followee, follower), value: since },
    ],
    failure: [{ type: 'get', key: keys.account(followee) }],
  });
  if (!result.succeeded && !result.results[0]) throw noSuchUser();
}

/** Deletes both directions in one txn if the edge exists; the followee must exist either way. */
export async function unfollow({ kv, keys }: Store, followerInput: string, followeeInput: string): Promise<void> {
  const follower = lookupUsername(followerInput);
  const followee = lookupUsername(followeeInput);
  const result = await kv.txn({
    compare: [
      { key: keys.account(followee), target: 'version', op: '>', value: 0 },
      { key: keys.following(follower, followee), target: 'version', op: '>', value: 0 },
    ],
    success: [
      { type: 'delete', key: keys.following(follower, followee) },
      { type: 'delete', key: keys.follower(followee, follower) },
    ],
    failure: [{ type: 'get', key: keys.account(followee) }],
  });
  if (!result.succeeded && !result.results[0]) throw noSuchUser();
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
  const page = parsePageRequest(limit, cursor, isUsername);
  const prefix = list === 'followers' ? store.keys.followersPrefix(username) : store.keys.followingPrefix(username);
  const [owner, range] = await Promise.all([
    getAccount(store, username),
    rangeAfterCursor(store.kv, { prefix, cursor: page.after, limit: page.limit }),
  ]);
  if (!owner) throw noSuchUser();
  const accounts = await Promise.all(range.items.map((item) => getAccount(store, item.key.slice(prefix.length))));
  return {
    // Accounts are never deleted today; skipping a dangling edge keeps a page readable if that changes.
    items: accounts.filter((account): account is Account => account !== undefined),
    next: range.next === undefined ? null : encodeCursor(range.next),
  };
}

const FOLLOWING_PAGE = 1000;

/** Everyone the user follows, read in pages so no single response grows without bound. */
export async function listAllFollowing({ kv, keys }: Store, username: string): Promise<string[]> {
  const prefix = keys.followingPrefix(username);
  const names: string[] = [];
  for await (const item of scan(kv, { prefix, pageSize: FOLLOWING_PAGE })) names.push(item.key.slice(prefix.length));
  return names;
}
