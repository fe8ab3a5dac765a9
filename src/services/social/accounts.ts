import type { Account } from '../../domain/account.js';
import { parseUsername } from '../../domain/account.js';
import { notFound } from '../../domain/errors.js';
import type { Store } from '../store.js';

export const noSuchUser = () => notFound('No such user.');

/**
 * The public part of an account record (written by the auth service as
 * {username, createdAtMs, passwordHash}); the password hash is dropped
 * here so it cannot leak out of this service by accident.
 */
export function parseAccount(json: string): Account {
  const value = JSON.parse(json) as Partial<Account>;
  if (typeof value.username !== 'string' || typeof value.createdAtMs !== 'number') {
    throw new Error('malformed account record');
  }
  return { username: value.username, createdAtMs: value.createdAtMs };
}

export async function getAccount({ kv, keys }: Store, username: string): Promise<Account | undefined> {
  const entry = await kv.get(keys.account(username));
  return entry && parseAccount(entry.value);
}

/** Whether a decoded cursor names a possible (canonical) username. */
export function isUsername(key: string): boolean {
  try {
    return parseUsername(key) === key;
  } catch {
    return false;
  }
}
