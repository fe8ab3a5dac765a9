import { accountId, statusId } from '../../domain/mastodon-ids.js';
import type { Post, PostView } from '../../domain/post.js';
import type { MastodonAccount } from './account.js';
import { type ContentLinks, profileUrl, tagUrl, textContent } from './content.js';

/**
 * Mastodon's Status entity (docs.joinmastodon.org/entities/Status), the
 * one place Chorus renders it. Pure: `origin` is the absolute origin the
 * client reached us at. Chorus posts are public and plain text; the
 * fields of features Chorus lacks (media, polls, cards, edits) carry
 * their empty, zero or null values.
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
  mentions: MastodonMention[];
  tags: MastodonStatusTag[];
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

/** Status::Mention. */
export interface MastodonMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

/** Status::Tag. */
export interface MastodonStatusTag {
  name: string;
  url: string;
}

export function statusUrl(origin: string, post: Post): string {
  return `${origin}/p/${post.id}`;
}

/** Counts and the viewer's flags, as a PostView carries them. */
export type StatusCounts = Omit<PostView, 'post'>;

const NO_COUNTS: StatusCounts = { replies: 0, reblogs: 0, favourites: 0, favourited: false, reblogged: false };

/**
 * `viewer` is the username of the signed-in account the status is shown
 * to, if any: Mastodon sends the per-viewer flags only then (and `pinned`
 * only to the author). `counts` are the post's counts and that viewer's
 * flags (zero and false when absent). A reblog is rendered as Mastodon's
 * wrapper: the reblogger's status, empty, with the original (rendered by
 * the caller, for the same viewer) in `reblog`; its flags are the
 * original's, as Mastodon answers a reblog.
 */
export function mastodonStatus(
  origin: string,
  post: Post,
  author: MastodonAccount,
  viewer?: string,
  counts: StatusCounts = NO_COUNTS,
  reblog?: MastodonStatus,
): MastodonStatus {
  const url = statusUrl(origin, post);
  const mentions = reblog ? [] : (post.mentions ?? []);
  const tags = reblog ? [] : (post.tags ?? []);
  const links: ContentLinks = { origin, mentions: new Set(mentions), tags: new Set(tags) };
  const status: MastodonStatus = {
    id: statusId(post.id),
    uri: url,
    url,
    created_at: new Date(post.createdAtMs).toISOString(),
    edited_at: null,
    account: author,
    content: reblog ? '' : textContent(post.text, links),
    visibility: 'public',
    sensitive: false,
    spoiler_text: '',
    media_attachments: [],
    application: null,
    mentions: mentions.map((username) => {
      const profile = profileUrl(origin, username);
      return { id: accountId(username), username, url: profile, acct: username };
    }),
    tags: tags.map((name) => ({ name, url: tagUrl(origin, name) })),
    emojis: [],
    reblogs_count: reblog ? 0 : counts.reblogs,
    favourites_count: reblog ? 0 : counts.favourites,
    replies_count: reblog ? 0 : counts.replies,
    in_reply_to_id: !reblog && post.inReplyToId ? statusId(post.inReplyToId) : null,
    in_reply_to_account_id: !reblog && post.inReplyToAuthor ? accountId(post.inReplyToAuthor) : null,
    reblog: reblog ?? null,
    poll: null,
    card: null,
    language: null,
  };
  if (viewer === undefined) return status;
  return {
    ...status,
    filtered: [],
    favourited: reblog ? (reblog.favourited ?? false) : counts.favourited,
    reblogged: reblog ? (reblog.reblogged ?? false) : counts.reblogged,
    muted: false,
    bookmarked: false,
    // Reblogs cannot be pinned, so Mastodon leaves the flag off them.
    ...(viewer === post.author && !reblog ? { pinned: false } : {}),
  };
}

/**
 * Post text as Mastodon's HTML with only its URLs linked (see
 * content.ts); a status's mentions and tags are linked by mastodonStatus,
 * which knows which of them the post carries.
 */
export function statusContent(text: string): string {
  return textContent(text);
}
