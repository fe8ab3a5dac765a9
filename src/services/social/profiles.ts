import { type Account, lookupUsername, type ProfileChanges, parseBio, parseDisplayName } from '../../domain/account.js';
import { DomainError, invalid } from '../../domain/errors.js';
import { compareAndSwap } from '../../kv/cas.js';
import { parseAccount, parsePublicAccount } from '../../kv/records.js';
import type { Store } from '../store.js';
import { noSuchUser } from './accounts.js';

/**
 * Sets the display name and bio given, by compare-and-swap on the account
 * record, so a concurrent change (a password change by the auth service)
 * is never overwritten: every other field, unknown ones included, is kept
 * as read. '' clears a field, which is then stored absent.
 */
export async function updateProfile({ kv, keys }: Store, usernameInput: string, changesInput: ProfileChanges): Promise<Account> {
  const username = lookupUsername(usernameInput);
  if (typeof changesInput !== 'object' || changesInput === null) throw invalid('Profile changes must be an object.');
  const changes: ProfileChanges = {};
  if (changesInput.displayName !== undefined) changes.displayName = parseDisplayName(changesInput.displayName);
  if (changesInput.bio !== undefined) changes.bio = parseBio(changesInput.bio);
  const result = await compareAndSwap(kv, {
    key: keys.account(username),
    plan: async (current) => {
      if (!current) throw noSuchUser();
      parseAccount(current.value);
      const record = JSON.parse(current.value) as Record<string, unknown>;
      for (const field of ['displayName', 'bio'] as const) {
        const value = changes[field];
        if (value === undefined) continue;
        if (value === '') delete record[field];
        else record[field] = value;
      }
      const json = JSON.stringify(record);
      const account = parsePublicAccount(json);
      return { success: json === current.value ? [] : [{ type: 'put', key: current.key, value: json }], value: account };
    },
  });
  if (result.status === 'exhausted') throw new DomainError('unavailable', 'Your account is changing elsewhere; try again.');
  return result.value;
}
