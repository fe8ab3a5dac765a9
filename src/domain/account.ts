import { DomainError, invalid } from './errors.js';

export interface Account {
  /** Lower case; usernames are unique without regard to case. */
  username: string;
  createdAtMs: number;
}

/** What a profile page shows: the account and its counts. */
export interface Profile {
  account: Account;
  followers: number;
  following: number;
  posts: number;
}

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 30;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

const usernamePattern = /^[a-z0-9_]+$/;

/** Returns the canonical (lower-case) username or throws `invalid`. */
export function parseUsername(input: unknown, field = 'username'): string {
  if (typeof input !== 'string') throw invalid('Username must be a string.', field);
  const username = input.toLowerCase();
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    throw invalid(`Username must be ${USERNAME_MIN} to ${USERNAME_MAX} characters long.`, field);
  }
  if (!usernamePattern.test(username)) {
    throw invalid('Username may contain only letters a-z, digits and underscores.', field);
  }
  return username;
}

/**
 * Like parseUsername, for names that come from a path or a lookup: a name
 * that cannot exist is simply not found.
 */
export function lookupUsername(input: unknown): string {
  try {
    return parseUsername(input);
  } catch {
    throw new DomainError('not_found', 'No such user.');
  }
}

/** Counts Unicode code points, so a password of emoji is measured as a person would. */
export function parsePassword(input: unknown, field = 'password'): string {
  if (typeof input !== 'string') throw invalid('Password must be a string.', field);
  const length = [...input].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw invalid(`Password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`, field);
  }
  return input;
}

/** A username prefix for search: empty lists everyone. */
export function parseUsernamePrefix(input: unknown): string {
  if (input === undefined || input === '') return '';
  if (typeof input !== 'string') throw invalid('Prefix must be a string.', 'prefix');
  const prefix = input.trim().toLowerCase();
  if (prefix.length > USERNAME_MAX || (prefix !== '' && !usernamePattern.test(prefix))) {
    throw invalid('Search by the start of a username: letters a-z, digits and underscores.', 'prefix');
  }
  return prefix;
}
