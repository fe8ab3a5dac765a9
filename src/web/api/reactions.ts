import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Account } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import { parseMastodonLimit } from '../../domain/mastodon-ids.js';
import type { Page } from '../../domain/page.js';
import type { Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import type { MastodonStatus } from '../entities/status.js';
import { requireScope } from '../oauth/routes.js';
import { ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX, opaqueCursor, opaquePage, parseListLimit } from './paging.js';
import { type Audience, audienceOf, renderAccounts, renderStatuses } from './render.js';
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

/** The original a status id stands for: itself, or the original a reblog shares. */
async function originalOf(social: Social, postId: string): Promise<string> {
  const post = await orRecordNotFound(social.getPost(postId));
  return post.reblogOf ?? post.id;
}

/** The status `postId` as the audience now sees it; 404 if it is gone. */
async function statusFor(request: FastifyRequest, social: Social, postId: string, audience: Audience): Promise<MastodonStatus> {
  const post = await orRecordNotFound(social.getPost(postId));
  const [status] = await renderStatuses(audience, publicOrigin(request).origin, [post]);
  if (!status) throw recordNotFound();
  return status;
}

export const reactionRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { auth, social } = ctx;
  app.post('/api/v1/statuses/:id/favourite', async (request) => {
    const grant = await requireScope(request, auth, 'write:favourites');
    const postId = await originalOf(social, postIdParam(request));
    await orRecordNotFound(social.as(grant.token).favourite(postId));
    return statusFor(request, social, postId, audienceOf(social, grant));
  });

  /** A deleted status can still be unfavourited (its row goes); the answer is then 404, as there is no status to show. */
  app.post('/api/v1/statuses/:id/unfavourite', async (request) => {
    const grant = await requireScope(request, auth, 'write:favourites');
    const named = postIdParam(request);
    let postId = named;
    try {
      postId = await originalOf(social, named);
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'not_found') throw error;
    }
    await orRecordNotFound(social.as(grant.token).unfavourite(postId));
    return statusFor(request, social, postId, audienceOf(social, grant));
  });

  /** Answers the reblog: Mastodon's wrapper status, with the original in `reblog`. */
  app.post('/api/v1/statuses/:id/reblog', async (request) => {
    const grant = await requireScope(request, auth, 'write:statuses');
    const reblog = await orRecordNotFound(social.as(grant.token).reblog(postIdParam(request)));
    const [status] = await renderStatuses(audienceOf(social, grant), publicOrigin(request).origin, [reblog]);
    if (!status) throw recordNotFound();
    return status;
  });

  /** Answers the original, no longer reblogged by the actor. */
  app.post('/api/v1/statuses/:id/unreblog', async (request) => {
    const grant = await requireScope(request, auth, 'write:statuses');
    const named = postIdParam(request);
    const original = await originalOf(social, named);
    await orRecordNotFound(social.as(grant.token).unreblog(named));
    return statusFor(request, social, original, audienceOf(social, grant));
  });

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
