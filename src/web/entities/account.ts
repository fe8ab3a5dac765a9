import type { Account, Profile } from '../../domain/account.js';
import { accountId } from '../../domain/mastodon-ids.js';
import { profileUrl, textContent } from './content.js';

export { profileUrl };

/**
 * Mastodon's Account entity (docs.joinmastodon.org/entities/Account), the
 * one place Chorus renders it. Pure: `origin` is the absolute origin the
 * client reached us at (e.g. "https://chorus.example"), never read from a
 * request here.
 *
 * display_name is the account's display name, or its username when it
 * has none (Mastodon sends "" and leaves the fallback to clients; some
 * show an empty name). note is the bio as HTML, its URLs, mentions and
 * hashtags linked (every well-formed mention: which names exist is not
 * looked up for each account rendered); source.note, for the owner, is
 * the bio as written. The fields of features Chorus lacks carry their
 * empty or false values. avatar points at /avatars/:username.png, a route the web tier
 * serves (PNG rather than SVG: Tusky's image loader and iOS clients do not
 * draw SVG); header is a transparent PNG under /static/.
 */
export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  url: string;
  uri: string;
  display_name: string;
  note: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  locked: boolean;
  fields: MastodonField[];
  emojis: MastodonEmoji[];
  bot: boolean;
  group: boolean;
  discoverable: boolean;
  noindex: boolean;
  roles: unknown[];
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
}

export interface MastodonField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface MastodonEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
}

/** The CredentialAccount of verify_credentials: the account plus what only its owner sees. */
export interface MastodonCredentialAccount extends MastodonAccount {
  source: {
    privacy: 'public';
    sensitive: boolean;
    language: string;
    note: string;
    fields: MastodonField[];
    follow_requests_count: number;
  };
}

export interface AccountCounts {
  followers: number;
  following: number;
  posts: number;
}

export function avatarUrl(origin: string, username: string): string {
  return `${origin}/avatars/${username}.png`;
}

export function headerUrl(origin: string): string {
  return `${origin}/static/header.png`;
}

/**
 * Counts are optional because some lists (a feed's authors) do not carry
 * them; absent counts render as 0, which clients show until they fetch the
 * account itself.
 */
export function mastodonAccount(origin: string, account: Account, counts?: AccountCounts): MastodonAccount {
  const { username } = account;
  const url = profileUrl(origin, username);
  const avatar = avatarUrl(origin, username);
  const header = headerUrl(origin);
  return {
    id: accountId(username),
    username,
    acct: username,
    url,
    uri: url,
    display_name: account.displayName || username,
    note: account.bio ? textContent(account.bio, { origin }) : '',
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    locked: false,
    fields: [],
    emojis: [],
    bot: false,
    group: false,
    discoverable: true,
    noindex: false,
    roles: [],
    created_at: new Date(account.createdAtMs).toISOString(),
    last_status_at: null,
    statuses_count: counts?.posts ?? 0,
    followers_count: counts?.followers ?? 0,
    following_count: counts?.following ?? 0,
  };
}

export function profileAccount(origin: string, profile: Profile): MastodonAccount {
  return mastodonAccount(origin, profile.account, profile);
}

export function credentialAccount(origin: string, profile: Profile): MastodonCredentialAccount {
  return {
    ...profileAccount(origin, profile),
    source: { privacy: 'public', sensitive: false, language: '', note: profile.account.bio ?? '', fields: [], follow_requests_count: 0 },
  };
}
