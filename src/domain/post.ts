import { createHash } from 'node:crypto';
import { invalid } from './errors.js';
import { checkText, type TextRule } from './text-rules.js';

export interface Post {
  /** Sorts newest first: see newPostId. */
  id: string;
  author: string;
  /** '' for a reblog, which has no text of its own. */
  text: string;
  createdAtMs: number;
  /** The post this one answers, and that post's author (kept when the parent is deleted). */
  inReplyToId?: string;
  inReplyToAuthor?: string;
  /** Set on a reblog: the id of the original post it shares. */
  reblogOf?: string;
  /** Usernames of existing accounts mentioned in the text, in order of first mention, without repeats. */
  mentions?: string[];
  /** Lower-cased hashtags of the text, in order of first use, without repeats (see text.ts). */
  tags?: string[];
}

/** What a person can give besides the text when posting. */
export interface PostOptions {
  /** A post id to answer; `not_found` when it does not exist, `forbidden` across a block. */
  inReplyToId?: string;
}

/** A post as one viewer sees it: the post, its counts and that viewer's own flags. */
export interface PostView {
  post: Post;
  replies: number;
  reblogs: number;
  favourites: number;
  /** By the viewer the post was described for; false when there was none. */
  favourited: boolean;
  reblogged: boolean;
}

export const POST_MAX = 280;

const postRule: TextRule = { subject: 'A post', field: 'text', multiline: true, tabs: true };

/** Trims, then requires 1–280 code points keeping the text rule (text-rules.ts; newlines and tabs allowed). */
export function parsePostText(input: unknown): string {
  if (typeof input !== 'string') throw invalid('Text must be a string.', 'text');
  const text = input.replace(/\r\n?/g, '\n').trim();
  const length = [...text].length;
  if (length === 0) throw invalid('Write something first.', 'text');
  checkText(text, postRule);
  if (length > POST_MAX) throw invalid(`A post is at most ${POST_MAX} characters (this one has ${length}).`, 'text');
  return text;
}

/**
 * Post ids sort ascending from newest to oldest: an inverted millisecond
 * timestamp, then random characters. etcd serves an ascending key range with
 * a limit natively but sorts any other order in memory over the whole
 * range, so "newest first" must be the keys' own order.
 */
const TIME_DIGITS = 9;
const TIME_MAX = 36 ** TIME_DIGITS - 1;
const RANDOM_DIGITS = 8;
const postIdPattern = new RegExp(`^[0-9a-z]{${TIME_DIGITS + RANDOM_DIGITS}}$`);

export function newPostId(nowMs: number, random: () => number = Math.random): string {
  const time = (TIME_MAX - nowMs).toString(36).padStart(TIME_DIGITS, '0');
  let suffix = '';
  for (let i = 0; i < RANDOM_DIGITS; i++) suffix += Math.floor(random() * 36).toString(36);
  return time + suffix;
}

/**
 * An id in the same format and order as post ids for something that
 * happened at `timeMs` (a notification, a favourite), whose random part is
 * a hash of `seed` instead: whoever knows the time and the seed (the
 * action's type, actor and subject) can name the record again, so undoing
 * an action finds its notification without an index.
 */
export function derivedId(timeMs: number, seed: string): string {
  const time = (TIME_MAX - timeMs).toString(36).padStart(TIME_DIGITS, '0');
  const hash = createHash('sha256').update(seed).digest();
  let suffix = '';
  for (let i = 0; i < RANDOM_DIGITS; i++) suffix += (hash[i]! % 36).toString(36);
  return time + suffix;
}

/** The millisecond time a post id (or a derived id) was made for: the inverse of its time digits. */
export function postTime(id: string): number {
  return TIME_MAX - Number.parseInt(id.slice(0, TIME_DIGITS), 36);
}

export function isPostId(input: unknown): input is string {
  return typeof input === 'string' && postIdPattern.test(input);
}

export const IDEMPOTENCY_KEY_MAX = 128;

/** Idempotency keys are opaque to us but must be printable and short. */
export function parseIdempotencyKey(input: unknown): string | undefined {
  if (input === undefined || input === '') return undefined;
  if (typeof input !== 'string' || input.length > IDEMPOTENCY_KEY_MAX || !/^[\x21-\x7e]+$/.test(input)) {
    throw invalid(`Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters.`, 'idempotencyKey');
  }
  return input;
}
