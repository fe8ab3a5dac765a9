import { USERNAME_MAX, USERNAME_MIN } from './account.js';
import { invalid } from './errors.js';
import { encodeCursor } from './page.js';
import { isPostId } from './post.js';

/**
 * The ids Mastodon clients see, and how their pagination maps onto Chorus's.
 *
 * STATUS IDS are a mapping of post ids, not new ids: nothing stored changes.
 * A post id is 17 base-36 digits (an inverted millisecond timestamp, then
 * random digits) whose ascending order is newest first, the order etcd
 * ranges serve cheaply. Clients want the opposite: Mastodon ids are decimal
 * strings, and Tusky decides which of two statuses is newer by comparing
 * their lengths and then their text. So a status id is
 *
 *     STATUS_ID_BASE + (36^17 - 1 - value of the post id read in base 36)
 *
 * written in decimal. 36^17 < 2.9e26 and STATUS_ID_BASE is 1e26, so every
 * status id has exactly 27 digits and no leading zero: comparing by length
 * then text is numeric order, which is exactly the reverse of post id
 * order. Newer posts therefore get greater ids (for posts made in the same
 * millisecond the order is the random digits', the same tie-break the feed
 * uses), and "older than status X" is "after post id X" in key order: the
 * cursor Chorus already has. The mapping is a bijection between all post
 * ids and the 27-digit integers in [1e26, 1e26 + 36^17); it holds for every
 * timestamp post ids can encode (up to the year 5188). The value is
 * 1e26 + T·36^8 + (36^8 - 1 - R) for a post made at T ms with random part
 * R, so ids grow with time, as DESIGN.md asks.
 *
 * ACCOUNT IDS encode the username, so no index is needed to resolve one:
 * the username is the account's key. A username (3-30 characters of
 * 0-9 _ a-z) is read as a bijective base-37 numeral (digits 1..37, in that
 * order) and written in decimal: one id per username, at most 48 digits.
 * This honours "decimal strings" fully but not "grow with time": account
 * ids order by username length, then by username. No client we know of
 * orders accounts by id (Tusky's length-then-text comparison is for statuses
 * and notifications), and the alternative, a time-prefixed id, would either
 * need an index from id to username or double the length to carry both.
 * If accounts ever become deletable and usernames reusable, an old id would
 * name the new holder; putting createdAtMs into the id (checked against the
 * account on lookup, still no index) is the way out then.
 */

const POST_ID_DIGITS = 17;
const POST_ID_SPACE = 36n ** BigInt(POST_ID_DIGITS);
const STATUS_ID_BASE = 10n ** 26n;
const STATUS_ID_DIGITS = 27;
const statusIdPattern = new RegExp(`^[1-9][0-9]{${STATUS_ID_DIGITS - 1}}$`);

export function statusId(postId: string): string {
  if (!isPostId(postId)) throw new TypeError(`Not a post id: ${JSON.stringify(postId)}`);
  return (STATUS_ID_BASE + POST_ID_SPACE - 1n - parseBase36(postId)).toString();
}

/** The post id whose status id is `input`, or undefined if `input` is not exactly a status id. */
export function postIdOf(input: unknown): string | undefined {
  if (typeof input !== 'string' || !statusIdPattern.test(input)) return undefined;
  const offset = BigInt(input) - STATUS_ID_BASE;
  if (offset < 0n || offset >= POST_ID_SPACE) return undefined;
  return (POST_ID_SPACE - 1n - offset).toString(36).padStart(POST_ID_DIGITS, '0');
}

/**
 * Seventeen base-36 digits do not fit a double, but nine and eight do
 * (36^9 < 2^53): two native parses and one BigInt step, instead of a
 * BigInt step per digit, which was a tenth of a timeline's rendering.
 */
function parseBase36(digits: string): bigint {
  const split = digits.length - 8;
  return BigInt(Number.parseInt(digits.slice(0, split), 36)) * BASE36_8 + BigInt(Number.parseInt(digits.slice(split), 36));
}

const BASE36_8 = 36n ** 8n;

const USERNAME_ALPHABET = '0123456789_abcdefghijklmnopqrstuvwxyz';
const RADIX = BigInt(USERNAME_ALPHABET.length);
const accountIdPattern = /^[1-9][0-9]{0,47}$/;

export function accountId(username: string): string {
  let value = 0n;
  for (const char of username) {
    const digit = USERNAME_ALPHABET.indexOf(char);
    if (digit < 0) throw new TypeError(`Not a username: ${JSON.stringify(username)}`);
    value = value * RADIX + BigInt(digit + 1);
  }
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    throw new TypeError(`Not a username: ${JSON.stringify(username)}`);
  }
  return value.toString();
}

/** The username whose account id is `input`, or undefined if `input` is not exactly an account id. */
export function usernameOf(input: unknown): string | undefined {
  if (typeof input !== 'string' || !accountIdPattern.test(input)) return undefined;
  let value = BigInt(input);
  let username = '';
  while (value > 0n) {
    const digit = ((value - 1n) % RADIX) + 1n;
    username = USERNAME_ALPHABET[Number(digit) - 1] + username;
    value = (value - digit) / RADIX;
    if (username.length > USERNAME_MAX) return undefined;
  }
  return username.length >= USERNAME_MIN ? username : undefined;
}

/**
 * PAGINATION. Mastodon lists take max_id, since_id, min_id and limit, all
 * optional, as query strings (Rails style). Chorus's lists are newest first
 * with one cursor, "strictly after post id X", and that is what Chorus can
 * serve exactly:
 *
 * - no ids: the first page.
 * - max_id (statuses older than it): the cursor itself, `after` = its post
 *   id. Exact.
 * - since_id (the newest statuses newer than it, newest first): the same
 *   page as without it, cut where it reaches since_id (trimPage). Exact:
 *   Mastodon also returns the newest `limit` statuses above since_id, gap
 *   or no gap. Combines with max_id.
 * - min_id (the `limit` statuses just newer than it, returned newest
 *   first): served like since_id, which is exact when the page reaches
 *   min_id or the list ends; trimPage says so. When more than `limit`
 *   statuses are newer than min_id, Mastodon returns the oldest of them and
 *   this returns the newest: `exact` is false. To serve that case the
 *   services need the opposite cursor, PageRequest.before ("strictly
 *   before post id X, the `limit` nearest"): for one author a descending
 *   range over [prefix, key(X)) with a limit (the embedded engine can walk
 *   backwards; etcd sorts such a range in memory, so its cost grows with
 *   the number of newer posts, which is what min_id asks about), and for
 *   the feed the same merge with the order reversed, then the page reversed
 *   back to newest first.
 *
 * limit: default 20, at most 40 (larger values are lowered to 40, as
 * Mastodon does); it must be a whole number. An id that is not exactly a
 * status id is refused (`invalid`) rather than read as a bound: clients
 * only send ids they were given.
 */
export const MASTODON_PAGE_DEFAULT = 20;
export const MASTODON_PAGE_MAX = 40;

/** The pagination parameters as they arrive in a query string. */
export interface MastodonPageParams {
  max_id?: unknown;
  since_id?: unknown;
  min_id?: unknown;
  limit?: unknown;
}

export interface StatusPage {
  limit: number;
  /** From max_id: the page starts strictly after this post id in newest-first order. */
  after: string | undefined;
  /** From min_id, else since_id: only posts strictly newer than this post id belong in the page. */
  newerThan: string | undefined;
  /** min_id was given: Mastodon wants the `limit` posts just above newerThan rather than the newest. */
  adjacent: boolean;
}

export function parseMastodonLimit(input: unknown): number {
  if (input === undefined || input === '') return MASTODON_PAGE_DEFAULT;
  const limit = typeof input === 'string' && /^\d{1,6}$/.test(input) ? Number(input) : input;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw invalid('limit must be a whole number, 1 or more.', 'limit');
  }
  return Math.min(limit, MASTODON_PAGE_MAX);
}

function parseStatusIdParam(input: unknown, name: string): string | undefined {
  if (input === undefined || input === '') return undefined;
  const postId = postIdOf(input);
  if (postId === undefined) throw invalid(`${name} must be a status id.`, name);
  return postId;
}

/** Throws `invalid` for a malformed limit or an id that is not a status id. */
export function parseStatusPage(params: MastodonPageParams): StatusPage {
  const limit = parseMastodonLimit(params.limit);
  const after = parseStatusIdParam(params.max_id, 'max_id');
  const sinceId = parseStatusIdParam(params.since_id, 'since_id');
  const minId = parseStatusIdParam(params.min_id, 'min_id');
  return { limit, after, newerThan: minId ?? sinceId, adjacent: minId !== undefined };
}

/** What to pass to the social service's list calls (limit and opaque cursor) for this page. */
export function serviceCursor(page: StatusPage): { limit: number; cursor: string | undefined } {
  return { limit: page.limit, cursor: page.after === undefined ? undefined : encodeCursor(page.after) };
}

/**
 * Cuts a newest-first page fetched with serviceCursor at `newerThan`.
 * `more` is whether the service said there was a next page. `exact` is
 * false only for a min_id page that Chorus cannot yet serve as Mastodon
 * does (see above); the items are then the newest `limit` above min_id.
 */
export function trimPage<T extends { id: string }>(page: StatusPage, items: readonly T[], more: boolean): { items: T[]; exact: boolean } {
  if (page.newerThan === undefined) return { items: items.slice(0, page.limit), exact: true };
  const bound = page.newerThan;
  const end = items.findIndex((item) => item.id >= bound);
  const kept = (end < 0 ? items : items.slice(0, end)).slice(0, page.limit);
  return { items: kept, exact: !page.adjacent || end >= 0 || !more };
}

/**
 * Account lists (followers, following, search) are in username order in
 * Chorus, with the username as the cursor, so max_id maps to it directly:
 * the next page starts strictly after the username whose account id max_id
 * is. Clients page account lists by the Link header only (Mastodon's ids
 * there are follow ids, which clients never compare). since_id and min_id
 * are ignored, so a refresh gets the first page: refusing them would break
 * a client for asking something harmless.
 */
export function parseAccountPage(params: MastodonPageParams): { limit: number; after: string | undefined } {
  const limit = parseMastodonLimit(params.limit);
  if (params.max_id === undefined || params.max_id === '') return { limit, after: undefined };
  const after = usernameOf(params.max_id);
  if (after === undefined) throw invalid('max_id must be an account id.', 'max_id');
  return { limit, after };
}
