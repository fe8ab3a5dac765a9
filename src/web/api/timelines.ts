import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type MastodonPageParams, parseStatusPage, serviceCursor, statusId, trimPage } from '../../domain/mastodon-ids.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { linkHeader } from '../link-header.js';
import { bearerToken } from '../session.js';
import { optionalViewer, railsBoolean, renderStatuses } from './statuses.js';
import { publicOrigin } from './urls.js';

/**
 * Timelines (docs.joinmastodon.org/methods/timelines): home and public,
 * newest first, paged by max_id/since_id/min_id/limit (mapped onto
 * Chorus's cursors by domain/mastodon-ids.ts) with a Link header whose
 * absolute `next` and `prev` URLs clients follow.
 */

/**
 * Answers one page: trims it at since_id/min_id, renders the statuses and
 * sets the Link header. `next` only when the service has older posts and
 * the page was not cut at since_id/min_id (older posts are then all below
 * that bound); `prev` whenever there are items.
 */
async function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  social: Social,
  fetch: (limit: number, cursor: string | undefined) => Promise<{ page: Page<Post>; viewer: string | undefined }>,
) {
  const page = parseStatusPage(request.query as MastodonPageParams);
  const { limit, cursor } = serviceCursor(page);
  const { page: served, viewer } = await fetch(limit, cursor);
  const { items } = trimPage(page, served.items, served.next !== null);
  const bound = page.newerThan;
  const cut = bound !== undefined && served.items.some((post) => post.id >= bound);
  const { origin } = publicOrigin(request);
  const first = items[0];
  const last = items.at(-1);
  const link = linkHeader(`${origin}${request.url}`, {
    next: served.next !== null && !cut && last ? statusId(last.id) : undefined,
    prev: first ? statusId(first.id) : undefined,
  });
  if (link !== undefined) reply.header('link', link);
  return renderStatuses(social, origin, items, viewer);
}

export const timelineRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  /**
   * The posts of the accounts the token's owner follows: one sessionFeed
   * call, which checks the token and its scope and reads the feed together
   * (an app token is no session, so it is refused there too).
   */
  app.get('/api/v1/timelines/home', async (request, reply) => {
    const token = bearerToken(request);
    return sendPage(request, reply, social, async (limit, cursor) => {
      const feed = await social.sessionFeed(token, limit, cursor, 'read:statuses');
      return { page: feed.page, viewer: feed.account.username };
    });
  });

  /**
   * Everyone's posts. Chorus is one instance, so `local` changes nothing;
   * it has no remote posts and no media, so `remote` and `only_media`
   * answer an empty list. Public, as on Mastodon by default; a token, if
   * sent, must be valid and makes the viewer flags appear.
   */
  app.get('/api/v1/timelines/public', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const viewer = await optionalViewer(request, auth);
    railsBoolean(query.local, 'local');
    if (railsBoolean(query.remote, 'remote') || railsBoolean(query.only_media, 'only_media')) {
      parseStatusPage(query as MastodonPageParams);
      return [];
    }
    return sendPage(request, reply, social, async (limit, cursor) => ({ page: await social.publicTimeline(limit, cursor), viewer }));
  });
};
