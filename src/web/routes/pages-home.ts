import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { isDomainError } from '../../domain/errors.js';
import { isPostId, parsePostText } from '../../domain/post.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { formField, queryParam } from '../input.js';
import { pageSession } from '../session.js';
import { homePage, welcomePage } from '../views/home.js';
import { describe } from './describe.js';
import {
  countUnread,
  formIdempotencyKey,
  frameOf,
  localPath,
  pageFrame,
  postIdParam,
  seeOther,
  sendPage,
  viewerOrLogin,
} from './page-helpers.js';

const FEED_PAGE = 20;

/** The home feed with its composer, writing and deleting posts. */
export const pageHomeRoutes: FastifyPluginAsync<RouteContext> = async (app, { social, cookies }) => {
  // The hottest page: one call checks the session and reads the feed; then, at once,
  // one describes its posts and one counts unread notifications for the badge.
  app.get('/', { config: { ownSession: true } }, async (request, reply) => {
    const cursor = queryParam(request.query, 'cursor');
    const home = await pageSession(request, reply, cookies, (token) => social.as(token).homeFeed(FEED_PAGE, cursor));
    request.viewer = home && { account: home.result.account, token: home.token };
    if (!home) return sendPage(reply, welcomePage(frameOf(request, reply)));
    const viewer = home.result.account;
    countUnread(request, social);
    const [described, frame] = await Promise.all([
      describe(social.as(home.token), home.result.page.items, home.result.described),
      pageFrame(request, reply),
    ]);
    const postedId = queryParam(request.query, 'posted');
    const composer = { text: '', errors: {}, idempotencyKey: randomUUID() };
    const posted = postedId !== undefined && isPostId(postedId) ? { id: postedId } : undefined;
    const feed = { page: home.result.page, described, firstPage: cursor === undefined };
    return sendPage(reply, homePage({ ...frame, viewer }, feed, composer, posted));
  });

  app.post('/posts', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const raw = formField(request.body, 'text');
    const idempotencyKey = formIdempotencyKey(formField(request.body, 'idempotencyKey'));
    try {
      const text = parsePostText(raw);
      const post = await social.as(viewer.token).post(text, idempotencyKey);
      return seeOther(reply, `/?posted=${post.id}`);
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'invalid') throw error;
      countUnread(request, social);
      const home = await social.as(viewer.token).homeFeed(FEED_PAGE);
      const { page } = home;
      const [described, frame] = await Promise.all([
        describe(social.as(viewer.token), page.items, home.described),
        pageFrame(request, reply),
      ]);
      // The same key again: the post was not stored, and a resubmit must not store two.
      const composer = { text: raw, errors: { text: error.message }, idempotencyKey: idempotencyKey ?? randomUUID() };
      const feed = { page, described, firstPage: true };
      return sendPage(reply, homePage({ ...frame, viewer: viewer.account, url: '/' }, feed, composer), httpStatusOf.invalid);
    }
  });

  app.post<{ Params: { id: string } }>('/posts/:id/delete', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    await social.as(viewer.token).deletePost(postIdParam(request.params.id));
    return seeOther(reply, localPath(formField(request.body, 'back'), `/u/${viewer.account.username}`));
  });
};
