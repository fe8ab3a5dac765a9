import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { isDomainError, notFound } from '../../domain/errors.js';
import { isPostId, parseIdempotencyKey, parsePostText } from '../../domain/post.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { formField, queryParam } from '../input.js';
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
export const pageHomeRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get('/', async (request, reply) => {
    const frame = frameOf(request, reply);
    if (!request.viewer || !frame.viewer) return sendPage(reply, welcomePage(frame));
    const cursor = queryParam(request.query, 'cursor');
    const postedId = queryParam(request.query, 'posted');
    const feed = await social.homeFeed(frame.viewer.username, FEED_PAGE, cursor);
    const composer = { text: '', errors: {}, idempotencyKey: randomUUID() };
    const posted = postedId !== undefined && isPostId(postedId) ? { id: postedId } : undefined;
    return sendPage(reply, homePage({ ...frame, viewer: frame.viewer }, feed, composer, cursor === undefined, posted));
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
      const feed = await social.homeFeed(viewer.account.username, FEED_PAGE);
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
