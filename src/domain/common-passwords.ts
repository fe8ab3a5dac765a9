import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-password list of zxcvbn-ts (`@zxcvbn-ts/language-common`,
 * MIT): about 49,000 passwords ranked by how often they appear in leaked
 * password dumps, the list zxcvbn's strength estimate is built on. Only
 * entries long enough to pass the length rule can matter, so only those
 * are kept (about 18,000).
 */
const COMMON = new Set(dictionary['passwords-common'].filter((password) => [...password].length >= 8).map((p) => p.toLowerCase()));

/**
 * Whether a password is on the list, ignoring case and surrounding
 * spaces: "Password1" and " password1 " are as easy to guess as
 * "password1".
 */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.trim().toLowerCase());
}
