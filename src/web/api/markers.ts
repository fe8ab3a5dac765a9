import type { FastifyPluginAsync } from 'fastify';
import { invalid } from '../../domain/errors.js';
import { postIdOf } from '../../domain/mastodon-ids.js';
import { excerpt } from '../../domain/text-rules.js';
import type { RouteContext } from '../context.js';
import { type MastodonMarker, mastodonMarker } from '../entities/marker.js';
import { requireScope } from '../oauth/routes.js';

/**
 * Markers (docs.joinmastodon.org/methods/markers): the read position in
 * the notifications, which is the unread count's bound (Social
 * notificationMarker / markNotificationsRead: it never moves back, so a
 * stale client cannot unread what another read). The home timeline's
 * position is accepted and not kept: nothing in Chorus reads it, so GET
 * answers no `home` marker.
 */

const markerTimelines = ['home', 'notifications'] as const;
type MarkerTimeline = (typeof markerTimelines)[number];

/**
 * POST /api/v1/markers takes `home[last_read_id]` and
 * `notifications[last_read_id]`; anything else is refused, so a client's
 * typo is not silently accepted. Answers the notifications post id to
 * mark, if one was given.
 */
function readMarkerBody(body: unknown): { notifications: string | undefined } {
  if (body === undefined || body === null) return { notifications: undefined };
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('The body must be an object of timelines.');
  let notifications: string | undefined;
  for (const [timeline, marker] of Object.entries(body)) {
    if (!(markerTimelines as readonly string[]).includes(timeline))
      throw invalid(`Unknown timeline "${excerpt(timeline, 64)}".`, excerpt(timeline, 64));
    const lastReadId = (marker as Record<string, unknown> | null)?.last_read_id;
    const field = `${timeline}[last_read_id]`;
    if (typeof lastReadId !== 'string' || lastReadId === '') throw invalid(`${field} must be an id.`, field);
    if (timeline === 'notifications') {
      notifications = postIdOf(lastReadId);
      if (notifications === undefined) throw invalid(`${field} must be a notification id.`, field);
    }
  }
  return { notifications };
}

/** GET /api/v1/markers takes `timeline[]=home&timeline[]=notifications` (or one `timeline=home`); none asks for nothing. */
function readMarkerQuery(query: unknown): MarkerTimeline[] {
  const timeline = (query as Record<string, unknown> | undefined)?.timeline;
  if (timeline === undefined) return [];
  const timelines = typeof timeline === 'string' ? [timeline] : timeline;
  if (!Array.isArray(timelines) || !timelines.every((t) => (markerTimelines as readonly unknown[]).includes(t))) {
    throw invalid('timeline[] must name home or notifications.', 'timeline');
  }
  return timelines as MarkerTimeline[];
}

const answer = (lastReadId: string): { notifications?: MastodonMarker } =>
  lastReadId === '' ? {} : { notifications: mastodonMarker(lastReadId) };

export const markerRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.get('/api/v1/markers', async (request) => {
    const { token } = await requireScope(request, auth, 'read:statuses');
    if (!readMarkerQuery(request.query).includes('notifications')) return {};
    return answer((await social.as(token).notificationMarker()).lastReadId);
  });

  app.post('/api/v1/markers', async (request) => {
    const { token } = await requireScope(request, auth, 'write:statuses');
    const { notifications } = readMarkerBody(request.body);
    if (notifications === undefined) return {};
    return answer((await social.as(token).markNotificationsRead(notifications)).lastReadId);
  });
};
