import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { requireApiViewer } from '../session.js';

interface UsernameParams {
  username: string;
}

/** The signed-in account's follow edges; both verbs are idempotent. */
export const apiFollowingRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.put<{ Params: UsernameParams }>('/api/v1/following/:username', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await social.follow(viewer.account.username, lookupUsername(request.params.username));
    return reply.status(HttpStatus.noContent).send();
  });

  app.delete<{ Params: UsernameParams }>('/api/v1/following/:username', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await social.unfollow(viewer.account.username, lookupUsername(request.params.username));
    return reply.status(HttpStatus.noContent).send();
  });
};
