import type { Account, Profile } from '../../domain/account.js';
import { BoundedCache } from '../../domain/bounded-cache.js';
import type { Post, PostView } from '../../domain/post.js';
import { wellFormedJson } from '../unicode.js';
import { mastodonAccount } from './account.js';
import { type MastodonStatus, mastodonStatus } from './status.js';

/**
 * Status and Account entities as JSON text, for the reads that send many
 * (timelines, threads, an account's statuses). What only the post or the
 * account decides (ids, urls, dates, content HTML, mentions, tags, a
 * profile's name and bio) is rendered by mastodonStatus and
 * mastodonAccount, still the one place each entity is rendered, turned
 * into text once and kept in a bounded cache; the counts, the author and
 * the viewer's flags are spliced in per request. The text is what the
 * app's reply serialiser (wellFormedJson: JSON.stringify, a lone
 * surrogate stored before the text rule as U+FFFD) makes of
 * mastodonStatus's entity, byte for byte (status-json.test.ts), so
 * clients cannot tell the two apart.
 *
 * The cache is only a cache: an entry is used only while every field it
 * was rendered from is unchanged (a profile edit renders its account
 * anew), and it is keyed by origin, since urls depend on it.
 */

/** The parts of a status's text that its post alone decides, in the entity's key order. */
interface PostText {
  post: Post;
  /** `{"id":…,"edited_at":null,"account":` */
  head: string;
  /** `,"content":…,"emojis":[],"reblogs_count":` */
  body: string;
  /** `,"in_reply_to_id":…,"in_reply_to_account_id":…,"reblog":` */
  replyTo: string;
}

/** An account's text up to its counts: `{"id":…,"last_status_at":null,"statuses_count":` */
interface AccountText {
  account: Account;
  head: string;
}

const TAIL = ',"poll":null,"card":null,"language":null';
const NO_COUNTS = { replies: 0, reblogs: 0, favourites: 0, favourited: false, reblogged: false };

/** The members of an object as the app serialises them (wellFormedJson), without its braces. */
const members = (value: object) => wellFormedJson(value).slice(1, -1);

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  return (a ?? []).every((item, i) => item === b![i]);
}

/** Whether two posts render alike: every field mastodonStatus reads. */
function samePost(a: Post, b: Post): boolean {
  return (
    a.id === b.id &&
    a.author === b.author &&
    a.text === b.text &&
    a.createdAtMs === b.createdAtMs &&
    a.inReplyToId === b.inReplyToId &&
    a.inReplyToAuthor === b.inReplyToAuthor &&
    a.reblogOf === b.reblogOf &&
    sameList(a.mentions, b.mentions) &&
    sameList(a.tags, b.tags)
  );
}

const sameAccount = (a: Account, b: Account) =>
  a.username === b.username && a.createdAtMs === b.createdAtMs && a.displayName === b.displayName && a.bio === b.bio;

/** Only its type is read where it stands in: the wrapper is rendered as a reblog without looking at it. */
const SOME_ORIGINAL = {} as MastodonStatus;

function postText(origin: string, post: Post): PostText {
  // No account and no viewer: those parts are spliced in, and the rest does not depend on them.
  const s = mastodonStatus(
    origin,
    post,
    {} as MastodonStatus['account'],
    undefined,
    NO_COUNTS,
    post.reblogOf === undefined ? undefined : SOME_ORIGINAL,
  );
  const { id, uri, url, created_at, edited_at } = s;
  const { content, visibility, sensitive, spoiler_text, media_attachments, application, mentions, tags, emojis } = s;
  return {
    post,
    head: `{${members({ id, uri, url, created_at, edited_at })},"account":`,
    body: `,${members({ content, visibility, sensitive, spoiler_text, media_attachments, application, mentions, tags, emojis })},"reblogs_count":`,
    replyTo: `,${members({ in_reply_to_id: s.in_reply_to_id, in_reply_to_account_id: s.in_reply_to_account_id })},"reblog":`,
  };
}

function accountText(origin: string, account: Account): AccountText {
  const { statuses_count, followers_count, following_count, ...fixed } = mastodonAccount(origin, account);
  return { account, head: `{${members(fixed)},"statuses_count":` };
}

/** A rendered original, as its reblog needs it: its text and the viewer's flags on it. */
export interface RenderedStatus {
  json: string;
  favourited: boolean;
  reblogged: boolean;
}

/** The cached texts for one origin, keyed by post id and by username as they arrive (no key built per lookup). */
interface OriginTexts {
  posts: BoundedCache<string, PostText>;
  accounts: BoundedCache<string, AccountText>;
}

export class StatusJsonRenderer {
  readonly #origins: BoundedCache<string, OriginTexts>;
  readonly #capacity: { posts: number; accounts: number };

  constructor(capacity = { posts: 20_000, accounts: 10_000 }) {
    this.#capacity = capacity;
    // One origin in practice; a few when a deployment answers at several.
    this.#origins = new BoundedCache(4);
  }

  #texts(origin: string): OriginTexts {
    let texts = this.#origins.get(origin);
    if (texts === undefined) {
      texts = { posts: new BoundedCache(this.#capacity.posts), accounts: new BoundedCache(this.#capacity.accounts) };
      this.#origins.set(origin, texts);
    }
    return texts;
  }

  /**
   * wellFormedJson(profileAccount(origin, profile)), or of
   * mastodonAccount(origin, account) without counts (all 0) when given an
   * Account.
   */
  account(origin: string, profile: Profile | Account): string {
    const account = 'account' in profile ? profile.account : profile;
    const { accounts } = this.#texts(origin);
    let text = accounts.get(account.username);
    if (text === undefined || !sameAccount(text.account, account)) {
      text = accountText(origin, account);
      accounts.set(account.username, text);
    }
    const counts = 'account' in profile ? profile : { posts: 0, followers: 0, following: 0 };
    return `${text.head}${counts.posts},"followers_count":${counts.followers},"following_count":${counts.following}}`;
  }

  /**
   * wellFormedJson(mastodonStatus(origin, view.post, author, viewer, view,
   * original)) where `authorJson` is the author's account as text and,
   * for a reblog, `original` is its original rendered for the same viewer.
   * A reblog's text needs its original: throws without one.
   */
  status(origin: string, view: PostView, authorJson: string, viewer: string | undefined, original?: RenderedStatus): string {
    const { post } = view;
    const wrapper = post.reblogOf !== undefined;
    if (wrapper && original === undefined) throw new TypeError(`reblog ${post.id} rendered without its original`);
    const { posts } = this.#texts(origin);
    let text = posts.get(post.id);
    if (text === undefined || !samePost(text.post, post)) {
      text = postText(origin, post);
      posts.set(post.id, text);
    }
    const counts = wrapper
      ? '0,"favourites_count":0,"replies_count":0'
      : `${view.reblogs},"favourites_count":${view.favourites},"replies_count":${view.replies}`;
    let out = `${text.head}${authorJson}${text.body}${counts}${text.replyTo}${wrapper ? original!.json : 'null'}${TAIL}`;
    if (viewer !== undefined) {
      const favourited = wrapper ? original!.favourited : view.favourited;
      const reblogged = wrapper ? original!.reblogged : view.reblogged;
      out += `,"filtered":[],"favourited":${favourited},"reblogged":${reblogged},"muted":false,"bookmarked":false`;
      // Reblogs cannot be pinned, so Mastodon leaves the flag off them (as mastodonStatus does).
      if (viewer === post.author && !wrapper) out += ',"pinned":false';
    }
    return `${out}}`;
  }
}
