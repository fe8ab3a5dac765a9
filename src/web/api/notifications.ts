import type { FastifyPluginAsync } from 'fastify';
import { type MastodonPageParams, parseStatusPage, serviceCursor, usernameOf } from '../../domain/mastodon-ids.js';
import { NOTIFICATION_TYPES, type NotificationType, parseNotificationTypes } from '../../domain/notification.js';
import { PAGE_MAX } from '../../domain/page.js';
import type { Actor } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { requireScope } from '../oauth/routes.js';
import { idPage, parseListLimit } from './paging.js';
import { audienceOf, renderNotifications } from './render.js';
import { orRecordNotFound, postIdParam, recordNotFound } from './requests.js';
import { publicOrigin } from './urls.js';

/**
 * Notifications (docs.joinmastodon.org/methods/notifications): the list
 * (types[], exclude_types[], account_id, max_id/since_id/min_id/limit,
 * Link header), one, dismiss one, clear all, and the unread count. Ids
 * are notification ids mapped as status ids are (they share the post-id
 * format), so the status-id paging of domain/mastodon-ids.ts serves them.
 * Chorus produces follow, mention (replies included), favourite and
 * reblog; asking for another type finds nothing.
 */

type Query = Record<string, unknown>;

/** Mastodon 4.1+: 40 notifications by default, at most 80. */
const NOTIFICATIONS_DEFAULT = 40;
const NOTIFICATIONS_MAX = 80;
/** unread_count: 100 by default, at most 1,000 (the number an account keeps). */
const UNREAD_DEFAULT = 100;
const UNREAD_MAX = 1000;

/** The types a query asks for; undefined for all of them (no filter to send). */
function typesOf(query: Query): NotificationType[] | undefined {
  const types = parseNotificationTypes(query.types ?? query['types[]'], query.exclude_types ?? query['exclude_types[]']);
  return types.length === NOTIFICATION_TYPES.length ? undefined : types;
}

/**
 * How many of the recipient's notifications of `types` are newer than the
 * read marker, up to `limit`. Without a type filter the service's count
 * answers; with one, the newest notifications are read a page at a time
 * down to the marker (at most `limit`, so at most ten pages).
 */
async function unreadCount(recipient: Actor, types: NotificationType[] | undefined, limit: number): Promise<number> {
  const marker = await recipient.notificationMarker();
  if (types === undefined) return Math.min(marker.unread, limit);
  let count = 0;
  let cursor: string | undefined;
  for (let pages = 0; pages <= UNREAD_MAX / PAGE_MAX && count < limit; pages++) {
    const page = await recipient.listNotifications({ limit: PAGE_MAX, cursor, types });
    for (const notification of page.items) {
      if (marker.lastReadId !== '' && notification.id >= marker.lastReadId) return count;
      if (++count >= limit) return count;
    }
    if (page.next === null) break;
    cursor = page.next;
  }
  return count;
}

export const notificationRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.get('/api/v1/notifications', async (request, reply) => {
    const grant = await requireScope(request, auth, 'read:notifications');
    const query = (request.query ?? {}) as Query & MastodonPageParams;
    const page = {
      ...parseStatusPage({ ...query, limit: undefined }),
      limit: parseListLimit(query.limit, NOTIFICATIONS_DEFAULT, NOTIFICATIONS_MAX),
    };
    const types = typesOf(query);
    // account_id filters the page read, so a page can come out short; its Link header still leads on.
    const from = query.account_id === undefined || query.account_id === '' ? undefined : (usernameOf(query.account_id) ?? '');
    const { limit, cursor } = serviceCursor(page);
    const served = await social.as(grant.token).listNotifications({ limit, cursor, types });
    const items = idPage(request, reply, page, served).filter((n) => from === undefined || n.actor === from);
    return renderNotifications(social, audienceOf(social, grant), publicOrigin(request).origin, items);
  });

  app.get('/api/v1/notifications/unread_count', async (request) => {
    const { token } = await requireScope(request, auth, 'read:notifications');
    const query = (request.query ?? {}) as Query;
    const limit = parseListLimit(query.limit, UNREAD_DEFAULT, UNREAD_MAX);
    return { count: await unreadCount(social.as(token), typesOf(query), limit) };
  });

  app.get('/api/v1/notifications/:id', async (request) => {
    const grant = await requireScope(request, auth, 'read:notifications');
    const notification = await orRecordNotFound(social.as(grant.token).getNotification(postIdParam(request)));
    const [entity] = await renderNotifications(social, audienceOf(social, grant), publicOrigin(request).origin, [notification]);
    if (!entity) throw recordNotFound();
    return entity;
  });

  app.post('/api/v1/notifications/:id/dismiss', async (request) => {
    const { token } = await requireScope(request, auth, 'write:notifications');
    await social.as(token).dismissNotification(postIdParam(request));
    return {};
  });

  app.post('/api/v1/notifications/clear', async (request) => {
    const { token } = await requireScope(request, auth, 'write:notifications');
    await social.as(token).clearNotifications();
    return {};
  });
};
