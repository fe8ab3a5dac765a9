import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../../domain/account.js';
import { USERNAME_MAX } from '../../domain/account.js';
import { DomainError, invalid, isDomainError } from '../../domain/errors.js';
import {
  accountId,
  type MastodonPageParams,
  parseAccountPage,
  parseMastodonLimit,
  parseStatusPage,
  serviceCursor,
  statusId,
  trimPage,
  usernameOf,
} from '../../domain/mastodon-ids.js';
import { scopeAllows } from '../../domain/oauth.js';
import { encodeCursor, PAGE_MAX } from '../../domain/page.js';
import type { Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { credentialAccount, type MastodonAccount, mastodonAccount, profileAccount } from '../entities/account.js';
import { mastodonRelationship } from '../entities/relationship.js';
import { mastodonStatus } from '../entities/status.js';
import { linkHeader } from '../link-header.js';
import { requireScope, requireToken } from '../oauth/routes.js';
import { publicOrigin } from './urls.js';

/**
 * The Mastodon accounts resource (docs.joinmastodon.org/methods/accounts)
 * and search (methods/search); registration is in registration.ts.
 * verify_credentials, lookup, search and relationships are static
 * segments, which Fastify's router prefers to the :id parameter.
 *
 * Every route authenticates with the bearer token and the scope Mastodon
 * asks for; account ids are usernames in disguise (mastodon-ids.ts), so
 * an id that decodes to no username, or to one nobody holds, is Mastodon's
 * 404 `{"error": "Record not found"}` and nothing is written.
 */

const recordNotFound = () => new DomainError('not_found', 'Record not found');

type Query = Record<string, unknown>;

/** The profile of `username`; Mastodon's 404 when nobody holds it. */
async function profileOrNotFound(social: Social, username: string) {
  try {
    return await social.getProfile(username);
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') throw recordNotFound();
    throw error;
  }
}

/** Mastodon's account lists: 40 by default, at most 80 (larger values are lowered). */
export const ACCOUNT_LIST_DEFAULT = 40;
export const ACCOUNT_LIST_MAX = 80;

function parseAccountListLimit(input: unknown): number {
  if (input === undefined || input === '') return ACCOUNT_LIST_DEFAULT;
  const limit = typeof input === 'string' && /^\d{1,6}$/.test(input) ? Number(input) : input;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw invalid('limit must be a whole number, 1 or more.', 'limit');
  return Math.min(limit, ACCOUNT_LIST_MAX);
}

/** The username an account id names, if the account exists; `not_found` otherwise. */
async function existingUsername(social: Social, id: unknown): Promise<string> {
  const username = usernameOf(id);
  if (username === undefined) throw recordNotFound();
  try {
    await social.getProfile(username);
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') throw recordNotFound();
    throw error;
  }
  return username;
}

/** Rails' boolean reading of a query value: absent or empty is `fallback`; "0", "f", "false", "off" are false; anything else true. */
export function queryFlag(value: unknown, fallback = false): boolean {
  if (Array.isArray(value)) return queryFlag(value[value.length - 1], fallback);
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  return !['0', 'f', 'false', 'off'].includes(String(value).toLowerCase());
}

/**
 * The username a search or lookup text names: a leading @ is dropped, and
 * `user@host` is ours only when host is the host the client reached us at.
 * Undefined when the text names an account elsewhere.
 */
export function localName(text: string, host: string): string | undefined {
  const trimmed = text.trim().replace(/^@/, '');
  const at = trimmed.indexOf('@');
  if (at < 0) return trimmed;
  const domain = trimmed.slice(at + 1).toLowerCase();
  return domain === host.toLowerCase() ? trimmed.slice(0, at) : undefined;
}

/** The search text as a username prefix, or undefined when no username can start with it. */
function searchPrefix(text: string, host: string): string | undefined {
  const name = localName(text, host)?.toLowerCase();
  if (name === undefined || name === '' || name.length > USERNAME_MAX || !/^[a-z0-9_]+$/.test(name)) return undefined;
  return name;
}

function singleText(query: Query, name: string): string {
  const value = query[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(`${name} must be a single value.`, name);
  return value;
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
  return withCounts(social, origin, accounts.slice(offset, offset + limit));
}

/** Account entities with their counts, read in parallel; an account gone meanwhile renders with zero counts. */
async function withCounts(social: Social, origin: string, accounts: readonly Account[]): Promise<MastodonAccount[]> {
  return Promise.all(
    accounts.map(async (account) => {
      try {
        return profileAccount(origin, await social.getProfile(account.username));
      } catch (error) {
        if (isDomainError(error) && error.code === 'not_found') return mastodonAccount(origin, account);
        throw error;
      }
    }),
  );
}

async function relationship(social: Social, viewer: string, username: string) {
  const [following, followedBy] = await Promise.all([social.isFollowing(viewer, username), social.isFollowing(username, viewer)]);
  return mastodonRelationship(username, following, followedBy);
}

/** The ids of `id[]=…&id[]=…` (or a single `id=`), as the Rails-style parser leaves them. */
function idList(query: Query): unknown[] {
  const raw = query.id ?? query['id[]'];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [raw];
}

const RELATIONSHIPS_MAX = 80;

function requestUrl(request: FastifyRequest, origin: string): string {
  return `${origin}${request.url}`;
}

function setLink(reply: FastifyReply, header: string | undefined): void {
  if (header !== undefined) reply.header('link', header);
}

export const accountRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.get('/api/v1/accounts/verify_credentials', async (request) => {
    // Mastodon lets the `profile` scope (meant for "sign in with Mastodon") read this one account.
    const grant = await requireToken(request, auth);
    const { account } =
      scopeAllows(grant.scopes, 'profile') && grant.account
        ? { account: grant.account }
        : await requireScope(request, auth, 'read:accounts');
    return credentialAccount(publicOrigin(request).origin, await social.getProfile(account.username));
  });

  app.get('/api/v1/accounts/lookup', async (request) => {
    await requireScope(request, auth, 'read:accounts');
    const server = publicOrigin(request);
    const acct = singleText(request.query as Query, 'acct');
    if (acct === '') throw invalid('acct is missing.', 'acct');
    const name = localName(acct, server.host);
    const username = name?.toLowerCase();
    if (username === undefined || !/^[a-z0-9_]{3,30}$/.test(username)) throw recordNotFound();
    try {
      return profileAccount(server.origin, await social.getProfile(username));
    } catch (error) {
      if (isDomainError(error) && error.code === 'not_found') throw recordNotFound();
      throw error;
    }
  });

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

  app.get('/api/v1/accounts/relationships', async (request) => {
    const { account } = await requireScope(request, auth, 'read:follows');
    const ids = idList(request.query as Query);
    if (ids.length > RELATIONSHIPS_MAX) throw invalid(`At most ${RELATIONSHIPS_MAX} ids at once.`, 'id');
    const usernames = [...new Set(ids.map(usernameOf).filter((name): name is string => name !== undefined))];
    const known = await Promise.all(
      usernames.map(async (username) => {
        try {
          await social.getProfile(username);
          return username;
        } catch (error) {
          if (isDomainError(error) && error.code === 'not_found') return undefined;
          throw error;
        }
      }),
    );
    return Promise.all(
      known.filter((name): name is string => name !== undefined).map((username) => relationship(social, account.username, username)),
    );
  });

  // Public in Mastodon: no token needed to read an account or its follow lists.
  app.get('/api/v1/accounts/:id', async (request) => {
    const username = usernameOf((request.params as { id: string }).id);
    if (username === undefined) throw recordNotFound();
    return profileAccount(publicOrigin(request).origin, await profileOrNotFound(social, username));
  });

  for (const list of ['followers', 'following'] as const) {
    app.get(`/api/v1/accounts/:id/${list}`, async (request, reply) => {
      const username = await existingUsername(social, (request.params as { id: string }).id);
      const query = request.query as Query & MastodonPageParams;
      const limit = parseAccountListLimit(query.limit);
      const { after } = parseAccountPage({ max_id: query.max_id });
      const server = publicOrigin(request);
      const cursor = after === undefined ? undefined : encodeCursor(after);
      const page =
        list === 'followers' ? await social.listFollowers(username, limit, cursor) : await social.listFollowing(username, limit, cursor);
      const last = page.items[page.items.length - 1];
      setLink(
        reply,
        linkHeader(requestUrl(request, server.origin), {
          next: last !== undefined && page.next !== null ? accountId(last.username) : undefined,
        }),
      );
      return withCounts(social, server.origin, page.items);
    });
  }

  app.post('/api/v1/accounts/:id/follow', async (request) => {
    const { account } = await requireScope(request, auth, 'write:follows');
    const username = await existingUsername(social, (request.params as { id: string }).id);
    await social.follow(account.username, username);
    return relationship(social, account.username, username);
  });

  app.post('/api/v1/accounts/:id/unfollow', async (request) => {
    const { account } = await requireScope(request, auth, 'write:follows');
    const username = await existingUsername(social, (request.params as { id: string }).id);
    await social.unfollow(account.username, username);
    return relationship(social, account.username, username);
  });

  app.get('/api/v1/accounts/:id/statuses', async (request, reply) => {
    const { account: viewer } = await requireScope(request, auth, 'read:statuses');
    const username = usernameOf((request.params as { id: string }).id);
    if (username === undefined) throw recordNotFound();
    const query = request.query as Query & MastodonPageParams;
    const page = parseStatusPage(query);
    // exclude_replies and exclude_reblogs change nothing: Chorus has neither replies nor reblogs.
    const server = publicOrigin(request);
    let profile: Awaited<ReturnType<Social['getProfile']>>;
    try {
      profile = await social.getProfile(username);
    } catch (error) {
      if (isDomainError(error) && error.code === 'not_found') throw recordNotFound();
      throw error;
    }
    // Chorus has no media and no pinned posts: those lists are empty.
    if (queryFlag(query.only_media) || queryFlag(query.pinned)) return [];
    const { limit, cursor } = serviceCursor(page);
    const posts = await social.listPosts(username, limit, cursor);
    // A min_id page with more than `limit` posts above min_id is the newest of them, not the adjacent
    // ones Mastodon returns (trimPage's `exact`): that needs the services' `before` cursor (mastodon-ids.ts).
    const { items } = trimPage(page, posts.items, posts.next !== null);
    const author = profileAccount(server.origin, profile);
    const statuses = items.map((post) => mastodonStatus(server.origin, post, author, viewer.username));
    const first = items[0];
    const last = items[items.length - 1];
    const reachedBound = items.length < posts.items.length;
    setLink(
      reply,
      linkHeader(requestUrl(request, server.origin), {
        next: last !== undefined && posts.next !== null && !reachedBound ? statusId(last.id) : undefined,
        prev: first === undefined ? undefined : statusId(first.id),
      }),
    );
    return statuses;
  });

  app.get('/api/v2/search', async (request) => {
    await requireScope(request, auth, 'read:search');
    const server = publicOrigin(request);
    const query = request.query as Query;
    const q = singleText(query, 'q');
    if (q.trim() === '') throw invalid('q is missing.', 'q');
    const type = singleText(query, 'type');
    if (type !== '' && !['accounts', 'statuses', 'hashtags'].includes(type))
      throw invalid('type must be accounts, statuses or hashtags.', 'type');
    const limit = parseMastodonLimit(query.limit);
    const offset = parseOffset(query.offset);
    const prefix = type === '' || type === 'accounts' ? searchPrefix(q, server.host) : undefined;
    const accounts = prefix === undefined ? [] : await searchAccounts(social, server.origin, prefix, limit, offset);
    return { accounts, statuses: [], hashtags: [] };
  });
};
