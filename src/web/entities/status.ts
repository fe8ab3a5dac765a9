import { statusId } from '../../domain/mastodon-ids.js';
import type { Post } from '../../domain/post.js';
import { escapeHtml } from '../views/html.js';
import type { MastodonAccount } from './account.js';

/**
 * Mastodon's Status entity (docs.joinmastodon.org/entities/Status), the
 * one place Chorus renders it. Pure: `origin` is the absolute origin the
 * client reached us at. Chorus posts are public, top-level and plain
 * text; the fields of features Chorus lacks (replies, boosts, favourites,
 * media, polls, cards) carry their empty, zero or null values.
 */
export interface MastodonStatus {
  id: string;
  uri: string;
  url: string;
  created_at: string;
  edited_at: string | null;
  account: MastodonAccount;
  content: string;
  visibility: 'public';
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: unknown[];
  application: null;
  mentions: unknown[];
  tags: unknown[];
  emojis: unknown[];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog: MastodonStatus | null;
  poll: null;
  card: null;
  language: string | null;
  filtered?: unknown[];
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
}

export function statusUrl(origin: string, post: Post): string {
  return `${origin}/p/${post.id}`;
}

/**
 * `viewer` is the username of the signed-in account the status is shown
 * to, if any: Mastodon sends the per-viewer flags only then (and `pinned`
 * only to the author).
 */
export function mastodonStatus(origin: string, post: Post, author: MastodonAccount, viewer?: string): MastodonStatus {
  const url = statusUrl(origin, post);
  const status: MastodonStatus = {
    id: statusId(post.id),
    uri: url,
    url,
    created_at: new Date(post.createdAtMs).toISOString(),
    edited_at: null,
    account: author,
    content: statusContent(post.text),
    visibility: 'public',
    sensitive: false,
    spoiler_text: '',
    media_attachments: [],
    application: null,
    mentions: [],
    tags: [],
    emojis: [],
    reblogs_count: 0,
    favourites_count: 0,
    replies_count: 0,
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    reblog: null,
    poll: null,
    card: null,
    language: null,
  };
  if (viewer === undefined) return status;
  return {
    ...status,
    filtered: [],
    favourited: false,
    reblogged: false,
    muted: false,
    bookmarked: false,
    ...(viewer === post.author ? { pinned: false } : {}),
  };
}

/**
 * Post text as Mastodon's HTML: paragraphs split at blank lines, single
 * line breaks as <br>, http(s) URLs as links, and every character of the
 * text escaped, so nothing a person writes becomes markup.
 */
export function statusContent(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[^\S\n]*\n\s*/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  return paragraphs.map((paragraph) => `<p>${paragraph.split('\n').map(linkify).join('<br>')}</p>`).join('');
}

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const trailingPunctuation = /[.,;:!?*_~]+$/;

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(urlPattern)) {
    const url = trimUrl(match[0]);
    if (!isHttpUrl(url)) continue;
    out += escapeHtml(line.slice(last, match.index));
    out += `<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer" target="_blank">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

/** Drops sentence punctuation after a URL, and closing brackets that do not close one inside it. */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    const trimmed = url.replace(trailingPunctuation, '');
    const close = trimmed.at(-1);
    const open = close === ')' ? '(' : close === ']' ? '[' : undefined;
    if (open && count(trimmed, open) < count(trimmed, close!)) url = trimmed.slice(0, -1);
    else if (trimmed === url) return url;
    else url = trimmed;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function isHttpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
