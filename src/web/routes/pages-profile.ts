import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername } from '../../domain/account.js';
import { PAGE_DEFAULT } from '../../domain/page.js';
import type { Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam } from '../input.js';
import { followListPage, profilePage } from '../views/profile.js';
import { describe } from './describe.js';
import { pageFrame, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

interface UsernameParams {
  username: string;
}

const LIST_PAGE = 50;

/** The buttons on a profile: each is idempotent, so a repeated press changes nothing. */
const relations: Record<string, (social: Social, actor: string, target: string) => Promise<void>> = {
  follow: (social, actor, target) => social.follow(actor, target),
  unfollow: (social, actor, target) => social.unfollow(actor, target),
  block: (social, actor, target) => social.block(actor, target),
  unblock: (social, actor, target) => social.unblock(actor, target),
  mute: (social, actor, target) => social.mute(actor, target),
  unmute: (social, actor, target) => social.unmute(actor, target),
};

/** Profiles, their follower and following lists, and the follow, block and mute buttons. */
export const pageProfileRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get<{ Params: UsernameParams }>('/u/:username', async (request, reply) => {
    const username = lookupUsername(request.params.username);
    if (username !== request.params.username) return reply.redirect(`/u/${username}`, HttpStatus.movedPermanently);
    const cursor = queryParam(request.query, 'cursor');
    const viewer = request.viewer?.account.username;
    const [profile, posts, relationship] = await Promise.all([
      social.getProfile(username),
      social.listPosts(username, PAGE_DEFAULT, cursor, viewer),
      viewer === undefined || viewer === username ? null : social.relationships(viewer, [username]).then((found) => found[0] ?? null),
    ]);
    const [described, frame] = await Promise.all([describe(social, posts.items, viewer), pageFrame(request, reply)]);
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
      await act(social, viewer.account.username, username);
      return seeOther(reply, `/u/${username}`);
    });
  }
};
