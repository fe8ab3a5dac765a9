import { Readable } from 'node:stream';
import type { Account } from '../domain/account.js';
import type { Page } from '../domain/page.js';
import type { Post } from '../domain/post.js';
import type { Social } from '../domain/social.js';

/**
 * A person's data as one JSON document, for Settings' "Export my data"
 * and GET /api/v1/chorus/export: the profile, every status (replies and
 * reblogs marked), who they follow and who follows them, their
 * favourites, blocks and mutes. It is written as it is read, a page of
 * each list at a time through the same calls the API uses, so memory
 * stays bounded however big the account; a failure midway ends the
 * download short (an unparseable file) rather than truncating silently.
 */

export const EXPORT_FORMAT = 'chorus-export/1';
/** The page size of every read: the largest the services allow. */
const PAGE = 100;
/** At most this many pages per list: far past any account here (10M rows), so a cursor bug cannot loop forever. */
const MAX_PAGES = 100_000;

export function exportFileName(username: string): string {
  return `chorus-${username}.json`;
}

/** The export of the token's account (`username`), as a stream of JSON text. */
export function accountExport(social: Social, token: string, username: string, now = Date.now()): Readable {
  return Readable.from(exportChunks(social, token, username, now), { objectMode: false });
}

async function* exportChunks(social: Social, token: string, username: string, now: number): AsyncGenerator<string> {
  const actor = social.as(token);
  const profile = await social.getProfile(username);
  yield `{"format":${JSON.stringify(EXPORT_FORMAT)},"exported_at":${JSON.stringify(iso(now))},"profile":${JSON.stringify({
    username: profile.account.username,
    display_name: profile.account.displayName ?? '',
    bio: profile.account.bio ?? '',
    created_at: iso(profile.account.createdAtMs),
    followers_count: profile.followers,
    following_count: profile.following,
    statuses_count: profile.posts,
  })}`;
  yield* list('statuses', (cursor) => actor.listPosts(username, PAGE, cursor), status);
  yield* list('following', (cursor) => social.listFollowing(username, PAGE, cursor), name);
  yield* list('followers', (cursor) => social.listFollowers(username, PAGE, cursor), name);
  yield* list('favourites', (cursor) => actor.listFavourites(PAGE, cursor), status);
  yield* list('blocks', (cursor) => actor.listBlocks(PAGE, cursor), name);
  yield* list('mutes', (cursor) => actor.listMutes(PAGE, cursor), name);
  yield '}\n';
}

/** `,"label":[…]`, one page at a time. */
async function* list<T>(
  label: string,
  read: (cursor: string | undefined) => Promise<Page<T>>,
  render: (item: T) => unknown,
): AsyncGenerator<string> {
  yield `,${JSON.stringify(label)}:[`;
  let cursor: string | undefined;
  let first = true;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await read(cursor);
    for (const item of page.items) {
      yield `${first ? '' : ','}${JSON.stringify(render(item))}`;
      first = false;
    }
    if (page.next === null) break;
    cursor = page.next;
  }
  yield ']';
}

const iso = (ms: number) => new Date(ms).toISOString();

const name = (account: Account) => account.username;

function status(post: Post) {
  return {
    id: post.id,
    author: post.author,
    created_at: iso(post.createdAtMs),
    text: post.text,
    in_reply_to_id: post.inReplyToId ?? null,
    in_reply_to_account: post.inReplyToAuthor ?? null,
    reblog_of: post.reblogOf ?? null,
    mentions: post.mentions ?? [],
    tags: post.tags ?? [],
  };
}
