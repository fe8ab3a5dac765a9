import type { FastifyPluginAsync } from 'fastify';
import { parseTag } from '../../domain/text.js';
import type { RouteContext } from '../context.js';
import { mastodonTag } from '../entities/tag.js';
import { optionalAudience, recordNotFound } from './requests.js';
import { publicOrigin } from './urls.js';

/**
 * Tags (docs.joinmastodon.org/methods/tags): a hashtag's Tag entity, which
 * clients fetch to title a tag's timeline. Public; a tag no status
 * carries, or one that cannot be a tag, is 404 as on Mastodon. Following
 * hashtags is not part of Chorus: GET /api/v1/followed_tags is an empty
 * stub (stubs.ts).
 */
export const tagRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.get('/api/v1/tags/:id', async (request) => {
    let tag: string;
    try {
      tag = parseTag((request.params as { id?: unknown }).id);
    } catch {
      throw recordNotFound();
    }
    const { reader } = await optionalAudience(request, ctx);
    const page = await reader.tagTimeline(tag, 1, undefined);
    if (page.items.length === 0) throw recordNotFound();
    return mastodonTag(publicOrigin(request).origin, tag);
  });
};
