import type { Account } from '../../domain/account.js';
import type { Page } from '../../domain/page.js';
import { encodeCursor, parsePageRequest } from '../../domain/page.js';
import { rangeAfterCursor } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { getAccount, isUsername, noSuchUser } from './accounts.js';

/**
 * One page of the accounts named by the keys under `prefix` (keys that end
 * in a username: followers, followees, blocks, mutes), in username order,
 * with their accounts; `not_found` when `owner`, whose list it is, does
 * not exist. Cursors are the last username shown.
 */
export async function accountPage(store: Store, owner: string, prefix: string, limit: unknown, cursor: unknown): Promise<Page<Account>> {
  const page = parsePageRequest(limit, cursor, isUsername);
  const [account, range] = await Promise.all([
    getAccount(store, owner),
    rangeAfterCursor(store.kv, { prefix, cursor: page.after, limit: page.limit }),
  ]);
  if (!account) throw noSuchUser();
  const accounts = await Promise.all(range.items.map((item) => getAccount(store, item.key.slice(prefix.length))));
  return {
    // A deleted account's rows are swept a moment after its record goes: skip one met in between.
    items: accounts.filter((found): found is Account => found !== undefined),
    next: range.next === undefined ? null : encodeCursor(range.next),
  };
}
