import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../domain/errors.js';
import { type MastodonPageParams, parseStatusPage, serviceCursor } from '../../domain/mastodon-ids.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { PostDescriptions } from '../../domain/social.js';
import { parseTag } from '../../domain/text.js';
import type { RouteContext } from '../context.js';
import { bearerToken } from '../session.js';
import { idPage } from './paging.js';
import { type Audience, audienceOf, jsonArray, renderStatusesJson, sendJson, statusesJsonFrom } from './render.js';
import { optionalAudience } from './requests.js';
import { railsBoolean } from './statuses.js';
import { publicOrigin } from './urls.js';

/**
 * Timelines (docs.joinmastodon.org/methods/timelines): home, public and a
 * hashtag's, newest first, paged by max_id/since_id/min_id/limit (mapped
 * onto Chorus's cursors by domain/mastodon-ids.ts) with a Link header
 * whose absolute `next` and `prev` URLs clients follow.
 */

/**
 * Reads the page the query asks for, trims it and sets its Link header
 * (paging.ts), and sends its statuses as JSON text, described by the read
 * itself when it describes its page (the home feed), else by one
 * describePosts call.
 */
async function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  fetch: (limit: number, cursor: string | undefined) => Promise<{ page: Page<Post>; audience: Audience; described?: PostDescriptions }>,
) {
  const page = parseStatusPage(request.query as MastodonPageParams);
  const { limit, cursor } = serviceCursor(page);
  const { page: served, audience, described } = await fetch(limit, cursor);
  const items = idPage(request, reply, page, served);
  const origin = publicOrigin(request).origin;
  const statuses = described
    ? statusesJsonFrom(origin, items, described, audience.viewer)
    : await renderStatusesJson(audience, origin, items);
  return sendJson(reply, jsonArray(statuses));
}

/**
 * Chorus is one instance with no media: `local` changes nothing; `remote`
 * and `only_media` ask for what it cannot have (true: an empty list).
 */
function nothingToShow(query: Record<string, unknown>): boolean {
  railsBoolean(query.local, 'local');
  const none = railsBoolean(query.remote, 'remote') || railsBoolean(query.only_media, 'only_media');
  if (none) parseStatusPage(query as MastodonPageParams);
  return none;
}

/** A hashtag timeline's any[]/all[]/none[] (more tags): Chorus reads one tag's index, so they are refused rather than ignored. */
function refuseMoreTags(query: Record<string, unknown>): void {
  for (const name of ['any', 'all', 'none']) {
    const value = query[name] ?? query[`${name}[]`];
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v !== undefined && v !== ''))
      throw invalid(`Chorus reads one hashtag at a time: ${name}[] is not supported.`, name);
  }
}

export const timelineRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { social } = ctx;
  /**
   * The posts of the accounts the token's owner follows: one homeFeed
   * call, which checks the token and its scope (read:statuses), reads the
   * feed and describes its posts together (an app token is no session, so
   * it is refused there too).
   */
  app.get('/api/v1/timelines/home', async (request, reply) => {
    const token = bearerToken(request);
    return sendPage(request, reply, async (limit, cursor) => {
      const feed = await social.as(token).homeFeed(limit, cursor);
      return { page: feed.page, audience: audienceOf(social, { token, account: feed.account }), described: feed.described };
    });
  });

  /**
   * Everyone's posts (no reblogs). Public, as on Mastodon by default; a
   * token, if sent, must be valid, makes the viewer flags appear and
   * leaves out the accounts the viewer blocks or mutes.
   */
  app.get('/api/v1/timelines/public', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const audience = await optionalAudience(request, ctx);
    if (nothingToShow(query)) return [];
    return sendPage(request, reply, async (limit, cursor) => ({
      page: await audience.reader.publicTimeline(limit, cursor),
      audience,
    }));
  });

  /** The posts with a hashtag (case-insensitive, no reblogs); public like the public timeline. 422 for a malformed or over-long tag. */
  app.get('/api/v1/timelines/tag/:hashtag', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const tag = parseTag((request.params as { hashtag?: unknown }).hashtag);
    const audience = await optionalAudience(request, ctx);
    refuseMoreTags(query);
    if (nothingToShow(query)) return [];
    return sendPage(request, reply, async (limit, cursor) => ({
      page: await audience.reader.tagTimeline(tag, limit, cursor),
      audience,
    }));
  });
};
