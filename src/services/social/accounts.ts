import type { Account } from '../../domain/account.js';
import { parseUsername } from '../../domain/account.js';
import { notFound } from '../../domain/errors.js';
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
