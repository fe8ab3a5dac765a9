import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import { PAGE_DEFAULT } from '../../domain/page.js';
import type { Actor } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam } from '../input.js';
import { followListPage, profilePage } from '../views/profile.js';
import { describe } from './describe.js';
import { pageFrame, readerOf, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

interface UsernameParams {
  username: string;
}

const LIST_PAGE = 50;

/** The buttons on a profile: each is idempotent, so a repeated press changes nothing. */
const relations: Record<string, (actor: Actor, target: string) => Promise<void>> = {
  follow: (actor, target) => actor.follow(target),
  unfollow: (actor, target) => actor.unfollow(target),
  block: (actor, target) => actor.block(target),
  unblock: (actor, target) => actor.unblock(target),
  mute: (actor, target) => actor.mute(target),
  unmute: (actor, target) => actor.unmute(target),
};

/** Profiles, their follower and following lists, and the follow, block and mute buttons. */
export const pageProfileRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get<{ Params: UsernameParams }>('/u/:username', async (request, reply) => {
    const username = lookupUsername(request.params.username);
    if (username !== request.params.username) return reply.redirect(`/u/${username}`, HttpStatus.movedPermanently);
    const cursor = queryParam(request.query, 'cursor');
    const viewer = request.viewer;
    const reader = readerOf(request, social);
    const [profile, posts, relationship] = await Promise.all([
      social.getProfile(username),
      reader.listPosts(username, PAGE_DEFAULT, cursor),
      viewer === null || viewer.account.username === username
        ? null
        : social
            .as(viewer.token)
            .relationships([username])
            .then((found) => found[0] ?? null),
    ]);
    const [described, frame] = await Promise.all([describe(reader, posts.items), pageFrame(request, reply)]);
    const path = cursor === undefined ? `/u/${username}` : `/u/${username}?cursor=${encodeURIComponent(cursor)}`;
    return sendPage(reply, profilePage(frame, { profile, posts, described, relationship, path }));
  });

  for (const which of ['followers', 'following'] as const) {
    app.get<{ Params: UsernameParams }>(`/u/:username/${which}`, async (request, reply) => {
      const username = lookupUsername(request.params.username);
      const cursor = queryParam(request.query, 'cursor');
      const [page, frame] = await Promise.all([
        which === 'followers' ? social.listFollowers(username, LIST_PAGE, cursor) : social.listFollowing(username, LIST_PAGE, cursor),
        pageFrame(request, reply),
      ]);
      return sendPage(reply, followListPage(frame, username, which, page));
    });
  }

  for (const [verb, act] of Object.entries(relations)) {
    app.post<{ Params: UsernameParams }>(`/u/:username/${verb}`, async (request, reply) => {
      const viewer = viewerOrLogin(request, reply);
      if (!viewer) return reply;
      const username = lookupUsername(request.params.username);
      await act(social.as(viewer.token), username);
      return seeOther(reply, `/u/${username}`);
    });
  }
};
