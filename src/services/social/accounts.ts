import type { Account } from '../../domain/account.js';
import { parseUsername } from '../../domain/account.js';
import { notFound } from '../../domain/errors.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Compare, KeyValue, Op } from '../../kv/kv.js';
import { parsePublicAccount } from '../../kv/records.js';
import type { Store } from '../store.js';

export const noSuchUser = () => notFound('No such user.');

export async function getAccount({ kv, keys }: Store, username: string): Promise<Account | undefined> {
  const entry = await kv.get(keys.account(username));
  return entry && parsePublicAccount(entry.value);
}

/** Whether a decoded cursor names a possible (canonical) username. */
export function isUsername(key: string): boolean {
  try {
    return parseUsername(key) === key;
  } catch {
    return false;
  }
}

/**
 * The "these accounts still exist" condition of an action, checked inside
 * the action's own txn: the compares to add, and the gets for its failure
 * branch (one per name, in order) that tell afterwards which one is gone.
 * Deleting an account removes accounts/<name> in the txn that writes its
 * tombstone, so an action that carries these compares either lands before
 * the tombstone, where the sweep (which starts after it) finds its rows, or
 * is refused: no row of a deleted account is written after its tombstone.
 */
export function accountsExist(keys: Keyspace, names: readonly string[]): AccountsGuard {
  const unique = [...new Set(names)];
  return {
    compare: unique.map((name) => ({ key: keys.account(name), target: 'version', op: '>', value: 0 })),
    failure: unique.map((name) => ({ type: 'get', key: keys.account(name) })),
    gone: (results) => new Set(unique.filter((_, i) => results[i] === undefined)),
  };
}

export interface AccountsGuard {
  compare: Compare[];
  failure: Op[];
  /** Of the names, those the failure gets (given from the first of them on) found absent. */
  gone(results: readonly (KeyValue | undefined)[]): Set<string>;
}
