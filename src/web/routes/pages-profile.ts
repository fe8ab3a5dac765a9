import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import { PAGE_DEFAULT } from '../../domain/page.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam } from '../input.js';
import { followListPage, profilePage } from '../views/profile.js';
import { frameOf, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

interface UsernameParams {
  username: string;
}

const LIST_PAGE = 50;

/** Profiles, their follower and following lists, and the follow buttons. */
export const pageProfileRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get<{ Params: UsernameParams }>('/u/:username', async (request, reply) => {
    const username = lookupUsername(request.params.username);
    if (username !== request.params.username) return reply.redirect(`/u/${username}`, HttpStatus.movedPermanently);
    const cursor = queryParam(request.query, 'cursor');
    const viewer = request.viewer?.account.username;
    const [profile, posts, following] = await Promise.all([
      social.getProfile(username),
      social.listPosts(username, PAGE_DEFAULT, cursor),
      viewer === undefined || viewer === username ? null : social.isFollowing(viewer, username),
    ]);
    const path = cursor === undefined ? `/u/${username}` : `/u/${username}?cursor=${encodeURIComponent(cursor)}`;
    return sendPage(reply, profilePage(frameOf(request, reply), { profile, posts, following, path }));
  });

  for (const which of ['followers', 'following'] as const) {
    app.get<{ Params: UsernameParams }>(`/u/:username/${which}`, async (request, reply) => {
      const username = lookupUsername(request.params.username);
      const cursor = queryParam(request.query, 'cursor');
      const page =
        which === 'followers'
          ? await social.listFollowers(username, LIST_PAGE, cursor)
          : await social.listFollowing(username, LIST_PAGE, cursor);
      return sendPage(reply, followListPage(frameOf(request, reply), username, which, page));
    });
  }

  app.post<{ Params: UsernameParams }>('/u/:username/follow', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const username = lookupUsername(request.params.username);
    await social.follow(viewer.account.username, username);
    return seeOther(reply, `/u/${username}`);
  });

  app.post<{ Params: UsernameParams }>('/u/:username/unfollow', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const username = lookupUsername(request.params.username);
    await social.unfollow(viewer.account.username, username);
    return seeOther(reply, `/u/${username}`);
  });
};
