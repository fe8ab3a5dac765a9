import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ProfileChanges } from '../../domain/account.js';
import { parseBio, parseDisplayName } from '../../domain/account.js';
import { invalid, isDomainError } from '../../domain/errors.js';
import {
  accountId,
  type MastodonPageParams,
  parseAccountPage,
  parseStatusPage,
  serviceCursor,
  usernameOf,
} from '../../domain/mastodon-ids.js';
import { scopeAllows } from '../../domain/oauth.js';
import { encodeCursor } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { Actor } from '../../domain/social.js';
import { parseTag } from '../../domain/text.js';
import type { RouteContext } from '../context.js';
import { credentialAccount, profileAccount } from '../entities/account.js';
import { mastodonRelationship } from '../entities/relationship.js';
import { linkHeader } from '../link-header.js';
import { requireScope, requireToken } from '../oauth/routes.js';
import { ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX, idPage, parseListLimit, requestUrl } from './paging.js';
import { audienceOf, jsonArray, renderAccounts, renderStatusesJson, sendJson } from './render.js';
import { existingUsername, orRecordNotFound, recordNotFound } from './requests.js';
import { publicOrigin } from './urls.js';

/**
 * The Mastodon accounts resource (docs.joinmastodon.org/methods/accounts):
 * the signed-in account and its profile edit, lookup, relationships, an
 * account, its follow lists and statuses, follow and unfollow; registration
 * is in registration.ts, search in search.ts, blocks and mutes in
 * blocks.ts. verify_credentials, update_credentials, lookup, search and
 * relationships are static segments, which Fastify's router prefers to
 * the :id parameter.
 *
 * Every route authenticates with the bearer token and the scope Mastodon
 * asks for; account ids are usernames in disguise (mastodon-ids.ts), so
 * an id that decodes to no username, or to one nobody holds, is Mastodon's
 * 404 `{"error": "Record not found"}` and nothing is written.
 */

type Query = Record<string, unknown>;

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

export function singleText(query: Query, name: string): string {
  const value = query[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(`${name} must be a single value.`, name);
  return value;
}

/** The Relationship of the actor to `username`, read in one call. */
export async function relationshipOf(actor: Actor, username: string) {
  const [relationship] = await actor.relationships([username]);
  if (!relationship) throw recordNotFound();
  return mastodonRelationship(relationship);
}

/** The ids of `id[]=…&id[]=…` (or a single `id=`), as the Rails-style parser leaves them. */
function idList(query: Query): unknown[] {
  const raw = query.id ?? query['id[]'];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw : [raw];
}

const RELATIONSHIPS_MAX = 80;

function setLink(reply: FastifyReply, header: string | undefined): void {
  if (header !== undefined) reply.header('link', header);
}

/**
 * update_credentials' profile fields: `display_name` and `note` (the bio),
 * each changed only when sent. Mastodon's other fields (avatar, header,
 * locked, bot, discoverable, fields_attributes, source[…]) are accepted
 * and left as they are, since clients send the whole form at once; Chorus
 * has no such settings. A value over its limit is Mastodon's 422
 * "Validation failed: …", and nothing is written.
 */
function readProfileChanges(input: unknown): ProfileChanges {
  const body = (input ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('The body must be an object of parameters.');
  const changes: ProfileChanges = {};
  try {
    if (body.display_name !== undefined) changes.displayName = parseDisplayName(body.display_name);
    if (body.note !== undefined) changes.bio = parseBio(body.note);
  } catch (error) {
    if (isDomainError(error) && error.code === 'invalid') {
      const field = error.field === 'bio' ? 'note' : 'display_name';
      throw invalid(`Validation failed: ${error.message}`, field);
    }
    throw error;
  }
  return changes;
}

/**
 * exclude_replies leaves out replies to other accounts (a thread of one's
 * own stays, as on Mastodon), exclude_reblogs the reblogs, tagged keeps
 * the posts with that tag. They filter the page the service read, so a
 * page can come out short; its Link header still leads on.
 */
function accountStatusFilter(query: Query): (post: Post) => boolean {
  const excludeReplies = queryFlag(query.exclude_replies);
  const excludeReblogs = queryFlag(query.exclude_reblogs);
  const tagged = query.tagged === undefined || query.tagged === '' ? undefined : parseTag(query.tagged);
  return (post) =>
    !(excludeReplies && post.inReplyToAuthor !== undefined && post.inReplyToAuthor !== post.author) &&
    !(excludeReblogs && post.reblogOf !== undefined) &&
    (tagged === undefined || (post.tags ?? []).includes(tagged));
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

  /** Sets display_name and note; answers the CredentialAccount as stored (JSON, form or multipart, as clients send it). */
  app.patch('/api/v1/accounts/update_credentials', async (request) => {
    const { account, token } = await requireScope(request, auth, 'write:accounts');
    const changes = readProfileChanges(request.body);
    if (Object.keys(changes).length > 0) await social.as(token).updateProfile(changes);
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
    return profileAccount(server.origin, await orRecordNotFound(social.getProfile(username)));
  });

  /** Following, followed by, blocking, blocked by and muting, for each known id (unknown ones skipped), in one read. */
  app.get('/api/v1/accounts/relationships', async (request) => {
    const { token } = await requireScope(request, auth, 'read:follows');
    const ids = idList(request.query as Query);
    if (ids.length > RELATIONSHIPS_MAX) throw invalid(`At most ${RELATIONSHIPS_MAX} ids at once.`, 'id');
    const usernames = [...new Set(ids.map(usernameOf).filter((name): name is string => name !== undefined))];
    if (usernames.length === 0) return [];
    return (await social.as(token).relationships(usernames)).map(mastodonRelationship);
  });

  // Public in Mastodon: no token needed to read an account or its follow lists.
  app.get('/api/v1/accounts/:id', async (request) => {
    const username = usernameOf((request.params as { id: string }).id);
    if (username === undefined) throw recordNotFound();
    return profileAccount(publicOrigin(request).origin, await orRecordNotFound(social.getProfile(username)));
  });

  for (const list of ['followers', 'following'] as const) {
    app.get(`/api/v1/accounts/:id/${list}`, async (request, reply) => {
      const username = await existingUsername(social, (request.params as { id: string }).id);
      const query = request.query as Query & MastodonPageParams;
      const limit = parseListLimit(query.limit, ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX);
      const { after } = parseAccountPage({ max_id: query.max_id });
      const cursor = after === undefined ? undefined : encodeCursor(after);
      const page =
        list === 'followers' ? await social.listFollowers(username, limit, cursor) : await social.listFollowing(username, limit, cursor);
      const last = page.items[page.items.length - 1];
      setLink(
        reply,
        linkHeader(requestUrl(request), {
          next: last !== undefined && page.next !== null ? accountId(last.username) : undefined,
        }),
      );
      return renderAccounts(social, publicOrigin(request).origin, page.items);
    });
  }

  app.post('/api/v1/accounts/:id/follow', async (request) => {
    const { token } = await requireScope(request, auth, 'write:follows');
    const username = await existingUsername(social, (request.params as { id: string }).id);
    const actor = social.as(token);
    await actor.follow(username);
    return relationshipOf(actor, username);
  });

  app.post('/api/v1/accounts/:id/unfollow', async (request) => {
    const { token } = await requireScope(request, auth, 'write:follows');
    const username = await existingUsername(social, (request.params as { id: string }).id);
    const actor = social.as(token);
    await actor.unfollow(username);
    return relationshipOf(actor, username);
  });

  /** An account's statuses and reblogs as the viewer may see them (an empty list across a block). */
  app.get('/api/v1/accounts/:id/statuses', async (request: FastifyRequest, reply) => {
    const viewer = audienceOf(social, await requireScope(request, auth, 'read:statuses'));
    const username = usernameOf((request.params as { id: string }).id);
    if (username === undefined) throw recordNotFound();
    const query = request.query as Query & MastodonPageParams;
    const page = parseStatusPage(query);
    const keep = accountStatusFilter(query);
    // Chorus has no media and no pinned posts: those lists are empty (once the account is known to exist).
    if (queryFlag(query.only_media) || queryFlag(query.pinned)) {
      await orRecordNotFound(social.getProfile(username));
      return [];
    }
    const { limit, cursor } = serviceCursor(page);
    const posts = await orRecordNotFound(viewer.reader.listPosts(username, limit, cursor));
    // A min_id page with more than `limit` posts above min_id is the newest of them, not the adjacent
    // ones Mastodon returns (trimPage's `exact`): that needs the services' `before` cursor (mastodon-ids.ts).
    const items = idPage(request, reply, page, posts);
    return sendJson(reply, jsonArray(await renderStatusesJson(viewer, publicOrigin(request).origin, items.filter(keep))));
  });
};
