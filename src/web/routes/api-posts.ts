import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import { notFound } from '../../domain/errors.js';
import { parseLimit } from '../../domain/page.js';
import { isPostId, parseIdempotencyKey, parsePostText } from '../../domain/post.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam, readJsonObject } from '../input.js';
import { postJson, postPageJson } from '../json.js';
import { bearerToken, requireApiViewer } from '../session.js';

interface IdParams {
  id: string;
}
interface UsernameParams {
  username: string;
}

function postId(input: string): string {
  if (!isPostId(input)) throw notFound('No such post.');
  return input;
}

/** Writing, reading and deleting posts; an author's posts; the home feed. */
export const apiPostRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  // One call: the session is checked inside the post's own transaction.
  app.post('/api/v1/posts', async (request, reply) => {
    const token = bearerToken(request);
    const body = readJsonObject(request.body, ['text']);
    const text = parsePostText(body.text);
    const idempotencyKey = parseIdempotencyKey(request.headers['idempotency-key']);
    const post = await social.postAsSession(token, text, idempotencyKey);
    reply.status(HttpStatus.created).header('location', `/api/v1/posts/${post.id}`);
    return postJson(post);
  });

  app.get<{ Params: IdParams }>('/api/v1/posts/:id', async (request) => {
    return postJson(await social.getPost(postId(request.params.id)));
  });

  app.delete<{ Params: IdParams }>('/api/v1/posts/:id', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await social.deletePost(postId(request.params.id), viewer.account.username);
    return reply.status(HttpStatus.noContent).send();
  });

  app.get<{ Params: UsernameParams }>('/api/v1/accounts/:username/posts', async (request) => {
    const username = lookupUsername(request.params.username);
    const limit = parseLimit(queryParam(request.query, 'limit'));
    return postPageJson(await social.listPosts(username, limit, queryParam(request.query, 'cursor')));
  });

  // The hottest read: one call checks the session and reads the feed.
  app.get('/api/v1/feed', async (request) => {
    const token = bearerToken(request);
    const limit = parseLimit(queryParam(request.query, 'limit'));
    const feed = await social.sessionFeed(token, limit, queryParam(request.query, 'cursor'));
    return postPageJson(feed.page);
  });
};
