import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '../../domain/errors.js';
import { isPostId, parsePostText } from '../../domain/post.js';
import type { Actor } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { HttpStatus, httpStatusOf } from '../errors.js';
import { formField, queryParam } from '../input.js';
import type { ComposerState } from '../views/composer.js';
import { threadPage } from '../views/thread.js';
import { describe } from './describe.js';
import {
  countUnread,
  formIdempotencyKey,
  localPath,
  pageFrame,
  postIdParam,
  readerOf,
  seeOther,
  sendPage,
  viewerOrLogin,
} from './page-helpers.js';

interface IdParams {
  id: string;
}

/** The buttons on a post: each acts as the viewer on the post and returns to the page it was pressed on. */
const reactions: Record<string, (actor: Actor, postId: string) => Promise<unknown>> = {
  favourite: (actor, id) => actor.favourite(id),
  unfavourite: (actor, id) => actor.unfavourite(id),
  reblog: (actor, id) => actor.reblog(id),
  unreblog: (actor, id) => actor.unreblog(id),
};

/** A post's page (its thread and a reply form), replying, and favourites and reblogs. */
export const pagePostRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  /** The thread page, with the reply form as given (a refused reply keeps its text and message). */
  async function renderThread(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    form?: ComposerState,
    status: number = HttpStatus.ok,
  ) {
    const viewer = request.viewer;
    const reader = readerOf(request, social);
    const [post, thread] = await Promise.all([social.getPost(id), reader.threadContext(id)]);
    // A reblog has no thread of its own: its page is the original's.
    if (post.reblogOf !== undefined) return seeOther(reply, `/p/${post.reblogOf}`);
    countUnread(request, social);
    const [described, frame] = await Promise.all([
      // The thread's read described its posts and the post itself: only parents outside it are asked for.
      describe(reader, [...thread.ancestors, post, ...thread.descendants], thread.described),
      pageFrame(request, reply),
    ]);
    const replied = queryParam(request.query, 'replied');
    const replyState = viewer === null ? undefined : (form ?? { text: '', errors: {}, idempotencyKey: randomUUID() });
    // A refused reply renders at its POST address; the page's forms still return to the post.
    const page = threadPage(request.method === 'GET' ? frame : { ...frame, url: `/p/${id}` }, {
      post,
      thread,
      described,
      ...(replyState ? { reply: replyState } : {}),
      ...(replied !== undefined && isPostId(replied) ? { replied } : {}),
    });
    return sendPage(reply, page, status);
  }

  app.get<{ Params: IdParams }>('/p/:id', async (request, reply) => renderThread(request, reply, postIdParam(request.params.id)));

  app.post<{ Params: IdParams }>('/p/:id/reply', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const id = postIdParam(request.params.id);
    const raw = formField(request.body, 'text');
    const idempotencyKey = formIdempotencyKey(formField(request.body, 'idempotencyKey'));
    try {
      const text = parsePostText(raw);
      const post = await social.as(viewer.token).post(text, idempotencyKey, { inReplyToId: id });
      return seeOther(reply, `/p/${id}?replied=${post.id}#post-${post.id}`);
    } catch (error) {
      // Too long, or a reply across a block: said beside the box, with the text kept.
      if (!isDomainError(error) || (error.code !== 'invalid' && error.code !== 'forbidden')) throw error;
      const form = { text: raw, errors: { text: error.message }, idempotencyKey: idempotencyKey ?? randomUUID() };
      return renderThread(request, reply, id, form, httpStatusOf[error.code]);
    }
  });

  for (const [verb, act] of Object.entries(reactions)) {
    app.post<{ Params: IdParams }>(`/p/:id/${verb}`, async (request, reply) => {
      const viewer = viewerOrLogin(request, reply);
      if (!viewer) return reply;
      const id = postIdParam(request.params.id);
      await act(social.as(viewer.token), id);
      return seeOther(reply, localPath(formField(request.body, 'back'), `/p/${id}`));
    });
  }
};
