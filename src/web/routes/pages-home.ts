import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { isDomainError, notFound } from '../../domain/errors.js';
import { isPostId, parseIdempotencyKey, parsePostText } from '../../domain/post.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { formField, queryParam } from '../input.js';
import { pageSession } from '../session.js';
import { homePage, welcomePage } from '../views/home.js';
import { postPage } from '../views/post.js';
import { frameOf, localPath, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

const FEED_PAGE = 20;

function postIdParam(input: string): string {
  if (!isPostId(input)) throw notFound('No such post.');
  return input;
}

/** A key the form carries back; a tampered one only loses the retry protection. */
function formIdempotencyKey(input: string): string | undefined {
  try {
    return parseIdempotencyKey(input);
  } catch {
    return undefined;
  }
}

/** The home feed with its composer, writing and deleting posts, and a post's own page. */
export const pageHomeRoutes: FastifyPluginAsync<RouteContext> = async (app, { social, cookies }) => {
  // The hottest page: one call checks the session and reads the feed.
  app.get('/', { config: { ownSession: true } }, async (request, reply) => {
    const cursor = queryParam(request.query, 'cursor');
    const home = await pageSession(request, reply, cookies, (token) => social.sessionFeed(token, FEED_PAGE, cursor));
    request.viewer = home && { account: home.result.account, token: home.token };
    const frame = frameOf(request, reply);
    if (!home) return sendPage(reply, welcomePage(frame));
    const postedId = queryParam(request.query, 'posted');
    const composer = { text: '', errors: {}, idempotencyKey: randomUUID() };
    const posted = postedId !== undefined && isPostId(postedId) ? { id: postedId } : undefined;
    const viewer = home.result.account;
    return sendPage(reply, homePage({ ...frame, viewer }, home.result.page, composer, cursor === undefined, posted));
  });

  app.post('/posts', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const raw = formField(request.body, 'text');
    const idempotencyKey = formIdempotencyKey(formField(request.body, 'idempotencyKey'));
    try {
      const text = parsePostText(raw);
      const post = await social.createPost(viewer.account.username, text, idempotencyKey);
      return seeOther(reply, `/?posted=${post.id}`);
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'invalid') throw error;
      const frame = frameOf(request, reply);
      const { page: feed } = await social.sessionFeed(viewer.token, FEED_PAGE);
      // The same key again: the post was not stored, and a resubmit must not store two.
      const composer = { text: raw, errors: { text: error.message }, idempotencyKey: idempotencyKey ?? randomUUID() };
      return sendPage(reply, homePage({ ...frame, viewer: viewer.account }, feed, composer, true), httpStatusOf.invalid);
    }
  });

  app.post<{ Params: { id: string } }>('/posts/:id/delete', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    await social.deletePost(postIdParam(request.params.id), viewer.account.username);
    return seeOther(reply, localPath(formField(request.body, 'back'), `/u/${viewer.account.username}`));
  });

  app.get<{ Params: { id: string } }>('/p/:id', async (request, reply) => {
    const post = await social.getPost(postIdParam(request.params.id));
    return sendPage(reply, postPage(frameOf(request, reply), post));
  });
};
