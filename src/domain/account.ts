import { isCommonPassword } from './common-passwords.js';
import { DomainError, invalid } from './errors.js';
import { checkText, isWellFormed, type TextRule } from './text-rules.js';

export interface Account {
  /** Lower case; usernames are unique without regard to case. */
  username: string;
  createdAtMs: number;
  /** Shown instead of the username where set; absent or '' means unset. At most DISPLAY_NAME_MAX code points. */
  displayName?: string;
  /** Plain text as written (links, mentions and tags are linked when shown); at most BIO_MAX code points. */
  bio?: string;
}

/** What a person can change about their profile; an absent field is left as it is. */
export interface ProfileChanges {
  displayName?: string;
  bio?: string;
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
export const DISPLAY_NAME_MAX = 30;
export const BIO_MAX = 500;

const usernamePattern = /^[a-z0-9_]+$/;

/**
 * Returns the canonical username (surrounding spaces dropped, lower case)
 * or throws `invalid`. Every path that takes a username (the forms, the
 * API, the OAuth password grant, the services) goes through this, so the
 * same typed name means the same account everywhere.
 */
export function parseUsername(input: unknown, field = 'username'): string {
  if (typeof input !== 'string') throw invalid('Username must be a string.', field);
  const username = input.trim().toLowerCase();
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

/**
 * A new password (sign-up, change): PASSWORD_MIN to PASSWORD_MAX code
 * points (so a password of emoji is measured as a person would), not only
 * whitespace, and not on the common-password list (NIST SP 800-63B
 * §5.1.1.2: refuse passwords that are commonly used). Kept as typed:
 * spaces inside or around a password are part of it. Logging in never
 * checks these rules, so an older password still works.
 * Any character is allowed, but the text must be well-formed: an unpaired
 * surrogate has no UTF-8 form, and hashing would silently turn it into U+FFFD.
 */
export function parsePassword(input: unknown, field = 'password'): string {
  if (typeof input !== 'string') throw invalid('Password must be a string.', field);
  if (!isWellFormed(input)) throw invalid('Password is not valid Unicode: it has an unpaired surrogate.', field);
  const length = [...input].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw invalid(`Password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`, field);
  }
  if (input.trim() === '') throw invalid('Password cannot be only spaces.', field);
  if (isCommonPassword(input)) {
    throw invalid(
      'That password is one of the most common ones, easy to guess. Choose another: a few unrelated words make a strong one.',
      field,
    );
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

const displayNameRule: TextRule = { subject: 'A display name', field: 'displayName', multiline: false, tabs: false };
const bioRule: TextRule = { subject: 'A bio', field: 'bio', multiline: true, tabs: true };

/** Trims; 0–30 code points on one line keeping the text rule (text-rules.ts) ('' clears it). */
export function parseDisplayName(input: unknown): string {
  if (typeof input !== 'string') throw invalid('Display name must be a string.', 'displayName');
  const name = input.trim();
  checkText(name, displayNameRule);
  const length = [...name].length;
  if (length > DISPLAY_NAME_MAX) {
    throw invalid(`A display name is at most ${DISPLAY_NAME_MAX} characters (this one has ${length}).`, 'displayName');
  }
  return name;
}

/** Trims; 0–500 code points keeping the text rule (text-rules.ts; newlines and tabs allowed) ('' clears it). */
export function parseBio(input: unknown): string {
  if (typeof input !== 'string') throw invalid('Bio must be a string.', 'bio');
  const bio = input.replace(/\r\n?/g, '\n').trim();
  checkText(bio, bioRule);
  const length = [...bio].length;
  if (length > BIO_MAX) throw invalid(`A bio is at most ${BIO_MAX} characters (this one has ${length}).`, 'bio');
  return bio;
}
