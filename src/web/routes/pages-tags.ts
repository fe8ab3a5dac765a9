import type { FastifyPluginAsync } from 'fastify';
import { parseTag } from '../../domain/text.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam } from '../input.js';
import { tagPage } from '../views/tag.js';
import { describe } from './describe.js';
import { pageFrame, readerOf, sendPage } from './page-helpers.js';

const TAG_PAGE = 20;

/** A hashtag's posts: where the links in posts and bios lead. */
export const pageTagRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get<{ Params: { tag: string } }>('/tags/:tag', async (request, reply) => {
    // `invalid` (a 400 page) for a tag that cannot exist; one address per tag, in lower case.
    const tag = parseTag(request.params.tag);
    if (tag !== request.params.tag) return reply.redirect(`/tags/${tag}`, HttpStatus.movedPermanently);
    const cursor = queryParam(request.query, 'cursor');
    const reader = readerOf(request, social);
    const page = await reader.tagTimeline(tag, TAG_PAGE, cursor);
    const [described, frame] = await Promise.all([describe(reader, page.items), pageFrame(request, reply)]);
    return sendPage(reply, tagPage(frame, { tag, page, described, firstPage: cursor === undefined }));
  });
};
