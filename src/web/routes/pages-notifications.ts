import type { FastifyPluginAsync } from 'fastify';
import { isPostId } from '../../domain/post.js';
import type { RouteContext } from '../context.js';
import { formField, queryParam } from '../input.js';
import { notificationsPage } from '../views/notifications.js';
import { described } from '../views/post.js';
import { pageFrame, seeOther, sendPage, viewerMarker, viewerOrLogin } from './page-helpers.js';

const NOTIFICATIONS_PAGE = 20;

/** The viewer's notifications, and "Mark all as read". */
export const pageNotificationRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get('/notifications', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const recipient = social.as(viewer.token);
    const cursor = queryParam(request.query, 'cursor');
    // The read marker is the one the navigation badge already asked for (see countUnread).
    const page = await recipient.listNotifications({ limit: NOTIFICATIONS_PAGE, cursor });
    const postIds = [...new Set(page.items.flatMap((n) => (n.postId === undefined ? [] : [n.postId])))];
    const actors = [...new Set(page.items.map((n) => n.actor))];
    const [posts, profiles, marker, frame] = await Promise.all([
      postIds.length === 0 ? { posts: [], profiles: [] } : recipient.describePosts(postIds),
      actors.length === 0 ? [] : social.getProfiles(actors),
      viewerMarker(request),
      pageFrame(request, reply),
    ]);
    const view = { posts: posts.posts, profiles: [...posts.profiles, ...profiles] };
    return sendPage(
      reply,
      notificationsPage(frame, { page, described: described(view, postIds), marker, firstPage: cursor === undefined }),
    );
  });

  app.post('/notifications/read', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const lastReadId = formField(request.body, 'lastReadId');
    await social.as(viewer.token).markNotificationsRead(isPostId(lastReadId) ? lastReadId : undefined);
    return seeOther(reply, '/notifications');
  });
};
