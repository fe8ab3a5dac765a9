import type { FastifyPluginAsync } from 'fastify';
import { USERNAME_MAX } from '../../domain/account.js';
import { invalid, isDomainError } from '../../domain/errors.js';
import { parseMastodonLimit } from '../../domain/mastodon-ids.js';
import { PAGE_MAX } from '../../domain/page.js';
import { isPostId } from '../../domain/post.js';
import type { Social } from '../../domain/social.js';
import { parseTag } from '../../domain/text.js';
import type { RouteContext } from '../context.js';
import type { MastodonAccount } from '../entities/account.js';
import type { MastodonStatus } from '../entities/status.js';
import { type MastodonTag, mastodonTag } from '../entities/tag.js';
import { requireScope } from '../oauth/routes.js';
import { localName, singleText } from './accounts.js';
import { type Audience, audienceOf, renderAccounts, renderStatuses } from './render.js';
import { publicOrigin } from './urls.js';

/**
 * Search (docs.joinmastodon.org/methods/search) as far as Chorus's data
 * answers it without a full-text index: accounts by username prefix; a
 * hashtag by its exact name when some post carries it; a status by its
 * URL on this server (what Mastodon finds without Elasticsearch, too).
 */

type Query = Record<string, unknown>;

/** The search text as a username prefix, or undefined when no username can start with it. */
function searchPrefix(text: string, host: string): string | undefined {
  const name = localName(text, host)?.toLowerCase();
  if (name === undefined || name === '' || name.length > USERNAME_MAX || !/^[a-z0-9_]+$/.test(name)) return undefined;
  return name;
}

/** Mastodon's offset for search pages: a whole number, 0 when absent. */
function parseOffset(input: unknown): number {
  if (input === undefined || input === '') return 0;
  if (typeof input !== 'string' || !/^\d{1,6}$/.test(input)) throw invalid('offset must be a whole number, 0 or more.', 'offset');
  return Number(input);
}

/** Accounts by username prefix with their counts; `offset` into the username order. */
async function searchAccounts(social: Social, origin: string, prefix: string, limit: number, offset: number): Promise<MastodonAccount[]> {
  // The service's search has no cursor: pages beyond its largest range are empty.
  if (offset >= PAGE_MAX) return [];
  const accounts = await social.searchAccounts(prefix, Math.min(PAGE_MAX, offset + limit));
  return renderAccounts(social, origin, accounts.slice(offset, offset + limit));
}

/** The tag `q` names (`#` optional), if it is a well-formed tag some post carries. */
async function searchTag(audience: Audience, origin: string, q: string): Promise<MastodonTag[]> {
  let tag: string;
  try {
    tag = parseTag(q.trim());
  } catch {
    return [];
  }
  const page = await audience.reader.tagTimeline(tag, 1, undefined);
  return page.items.length === 0 ? [] : [mastodonTag(origin, tag)];
}

/** The status a URL of this server names (`<origin>/p/<post id>`), if it exists. */
async function searchStatus(social: Social, audience: Audience, origin: string, q: string): Promise<MastodonStatus[]> {
  let url: URL;
  try {
    url = new URL(q.trim());
  } catch {
    return [];
  }
  const postId = /^\/p\/([0-9a-z]+)$/.exec(url.pathname)?.[1];
  if (url.origin !== origin || postId === undefined || !isPostId(postId)) return [];
  try {
    return await renderStatuses(audience, origin, [await social.getPost(postId)]);
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') return [];
    throw error;
  }
}

export const searchRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.get('/api/v1/accounts/search', async (request) => {
    await requireScope(request, auth, 'read:accounts');
    const server = publicOrigin(request);
    const query = request.query as Query;
    const limit = parseMastodonLimit(query.limit);
    const offset = parseOffset(query.offset);
    // resolve asks for remote accounts; Chorus has none, so it changes nothing.
    const prefix = searchPrefix(singleText(query, 'q'), server.host);
    if (prefix === undefined) return [];
    return searchAccounts(social, server.origin, prefix, limit, offset);
  });

  app.get('/api/v2/search', async (request) => {
    const audience = audienceOf(social, await requireScope(request, auth, 'read:search'));
    const server = publicOrigin(request);
    const query = request.query as Query;
    const q = singleText(query, 'q');
    if (q.trim() === '') throw invalid('q is missing.', 'q');
    const type = singleText(query, 'type');
    if (type !== '' && !['accounts', 'statuses', 'hashtags'].includes(type))
      throw invalid('type must be accounts, statuses or hashtags.', 'type');
    const limit = parseMastodonLimit(query.limit);
    const offset = parseOffset(query.offset);
    const wants = (kind: string) => type === '' || type === kind;
    const prefix = wants('accounts') ? searchPrefix(q, server.host) : undefined;
    // Hashtags and statuses have at most one match each, so only the first page has them.
    const first = offset === 0;
    const [accounts, hashtags, statuses] = await Promise.all([
      prefix === undefined ? [] : searchAccounts(social, server.origin, prefix, limit, offset),
      wants('hashtags') && first ? searchTag(audience, server.origin, q) : [],
      wants('statuses') && first ? searchStatus(social, audience, server.origin, q) : [],
    ]);
    return { accounts, statuses, hashtags };
  });
};
