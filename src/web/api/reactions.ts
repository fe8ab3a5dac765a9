import type { FastifyPluginAsync } from 'fastify';
import type { Account } from '../../domain/account.js';
import { parseMastodonLimit } from '../../domain/mastodon-ids.js';
import type { Page } from '../../domain/page.js';
import { ACTOR_SCOPES, type Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { parsedAfterToken, requireScope } from '../oauth/routes.js';
import { bearerToken } from '../session.js';
import { ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX, opaqueCursor, opaquePage, parseListLimit } from './paging.js';
import { actedStatusJson, audienceOf, renderAccounts, renderStatuses, sendJson } from './render.js';
import { optionalAudience, orRecordNotFound, postIdParam, recordNotFound } from './requests.js';
import { publicOrigin } from './urls.js';

/**
 * Favourites and reblogs (docs.joinmastodon.org/methods/statuses and
 * methods/favourites): favourite, unfavourite, reblog, unreblog (each
 * idempotent and answering the Status as it now stands for the actor),
 * who favourited or reblogged a status, and the actor's own favourites.
 * An action on a reblog's id acts on its original, as Mastodon's does.
 * A status that is gone is 404 "Record not found"; one whose author and
 * the actor block each other is 403.
 */

/**
 * The four actions, each one call as the bearer token's owner (Social.as):
 * the social service checks the token and the action's scope, acts, and
 * answers the status as the action left it, described for the actor
 * (ActedStatus), which is rendered here from the JSON cache
 * (status-json.ts). Favourite and unfavourite answer the original;
 * reblog answers Mastodon's wrapper status, with the original in
 * `reblog`; unreblog answers the original, no longer reblogged. A deleted
 * status can still be unfavourited (its row goes): the answer is then
 * 404, as there is no status to show.
 */
const ACTIONS = ['favourite', 'unfavourite', 'reblog', 'unreblog'] as const;

export const reactionRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { auth, social } = ctx;
  for (const action of ACTIONS) {
    const [scope] = ACTOR_SCOPES[action];
    app.post(`/api/v1/statuses/:id/${action}`, async (request, reply) => {
      const postId = await parsedAfterToken(request, auth, scope, () => postIdParam(request));
      const acted = await orRecordNotFound(social.as(bearerToken(request))[action](postId));
      const status = actedStatusJson(publicOrigin(request).origin, acted);
      if (status === undefined) throw recordNotFound();
      return sendJson(reply, status);
    });
  }

  /** Public, as on Mastodon; username order, paged by the Link header. */
  for (const [path, list] of [
    ['favourited_by', (s: Social, id: string, limit: number, cursor?: string) => s.favouritedBy(id, limit, cursor)],
    ['reblogged_by', (s: Social, id: string, limit: number, cursor?: string) => s.rebloggedBy(id, limit, cursor)],
  ] as const) {
    app.get(`/api/v1/statuses/:id/${path}`, async (request, reply) => {
      const postId = postIdParam(request);
      await optionalAudience(request, ctx);
      const query = request.query as Record<string, unknown>;
      const limit = parseListLimit(query.limit, ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX);
      const page: Page<Account> = await orRecordNotFound(list(social, postId, limit, opaqueCursor(query)));
      opaquePage(request, reply, page);
      return renderAccounts(social, publicOrigin(request).origin, page.items);
    });
  }

  /** The actor's favourites, most recently favourited first; paged by the Link header (Mastodon's favourite ids are internal). */
  app.get('/api/v1/favourites', async (request, reply) => {
    const grant = await requireScope(request, auth, 'read:favourites');
    const query = request.query as Record<string, unknown>;
    const page = await social.as(grant.token).listFavourites(parseMastodonLimit(query.limit), opaqueCursor(query));
    opaquePage(request, reply, page);
    return renderStatuses(audienceOf(social, grant), publicOrigin(request).origin, page.items);
  });
};
