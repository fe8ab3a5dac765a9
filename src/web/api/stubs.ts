import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { invalid } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { requireApiViewer } from '../session.js';

/**
 * The calls Mastodon apps make at start-up for features Chorus does not
 * have. Each answers as Mastodon does when there is nothing to show (an
 * empty list or object), never 404: some apps (Ivory) fail on a 404 here.
 * The per-user ones still demand a valid token, so a client learns early
 * that its token is dead. When Chorus gains one of these features, its
 * real route replaces the stub here.
 */

/** Per-user resources with nothing in them yet. */
const emptyPerUserLists = [
  '/api/v1/filters',
  '/api/v2/filters',
  '/api/v1/lists',
  '/api/v1/follow_requests',
  '/api/v1/bookmarks',
  '/api/v1/favourites',
  '/api/v1/blocks',
  '/api/v1/mutes',
  '/api/v1/conversations',
];

/** Public resources with nothing in them. */
const emptyPublicLists = [
  '/api/v1/custom_emojis',
  '/api/v1/announcements',
  '/api/v1/trends',
  '/api/v1/trends/tags',
  '/api/v1/trends/statuses',
  '/api/v1/trends/links',
];

/** The timelines a marker may be set for. */
const markerTimelines = ['home', 'notifications'] as const;

/** Mastodon's Preferences entity at its defaults: Chorus posts are public, with no media or spoilers. */
export const defaultPreferences = Object.freeze({
  'posting:default:visibility': 'public',
  'posting:default:sensitive': false,
  'posting:default:language': null,
  'reading:expand:media': 'default',
  'reading:expand:spoilers': false,
});

/**
 * POST /api/v1/markers takes `home[last_read_id]` and
 * `notifications[last_read_id]`; anything else is refused, so a client's
 * typo is not silently accepted.
 */
function readMarkerBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('The body must be an object of timelines.');
  for (const [timeline, marker] of Object.entries(body)) {
    if (!(markerTimelines as readonly string[]).includes(timeline))
      throw invalid(`Unknown timeline "${timeline.slice(0, 64)}".`, timeline.slice(0, 64));
    const lastReadId = (marker as Record<string, unknown> | null)?.last_read_id;
    if (typeof lastReadId !== 'string' || lastReadId === '')
      throw invalid(`${timeline}[last_read_id] must be a status id.`, `${timeline}[last_read_id]`);
  }
}

/** GET /api/v1/markers takes `timeline[]=home&timeline[]=notifications` (or one `timeline=home`). */
function readMarkerQuery(query: unknown): void {
  const timeline = (query as Record<string, unknown> | undefined)?.timeline;
  if (timeline === undefined) return;
  const timelines = typeof timeline === 'string' ? [timeline] : timeline;
  if (!Array.isArray(timelines) || !timelines.every((t) => (markerTimelines as readonly unknown[]).includes(t))) {
    throw invalid('timeline[] must name home or notifications.', 'timeline');
  }
}

export const stubRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  const viewer = (request: FastifyRequest) => requireApiViewer(request, auth);

  for (const path of emptyPerUserLists) {
    app.get(path, async (request) => {
      await viewer(request);
      return [];
    });
  }
  for (const path of emptyPublicLists) app.get(path, async () => []);

  app.get('/api/v1/preferences', async (request) => {
    await viewer(request);
    return defaultPreferences;
  });

  // Chorus keeps no read positions yet: nothing is stored, so nothing is reported back.
  app.get('/api/v1/markers', async (request) => {
    await viewer(request);
    readMarkerQuery(request.query);
    return {};
  });
  app.post('/api/v1/markers', async (request) => {
    await viewer(request);
    readMarkerBody(request.body);
    return {};
  });

  app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
};
