import type { FastifyPluginAsync } from 'fastify';
import type { ScopeNeed } from '../../domain/oauth.js';
import type { RouteContext } from '../context.js';
import { requireScope } from '../oauth/routes.js';

/**
 * The calls Mastodon apps make at start-up for features Chorus does not
 * have. Each answers as Mastodon does when there is nothing to show (an
 * empty list or object), never 404: some apps (Ivory) fail on a 404 here.
 * The per-user ones still demand a valid token with the scope Mastodon
 * asks for, so a client learns early that its token is dead or too weak.
 * When Chorus gains one of these features, its real route replaces the
 * stub here.
 */

/** Per-user resources with nothing in them yet, and the scope Mastodon reads each with. */
const emptyPerUserLists: ReadonlyArray<readonly [path: string, scope: ScopeNeed]> = [
  ['/api/v1/filters', 'read:filters'],
  ['/api/v2/filters', 'read:filters'],
  ['/api/v1/lists', 'read:lists'],
  ['/api/v1/follow_requests', 'read:follows'],
  ['/api/v1/followed_tags', 'read:follows'],
  ['/api/v1/bookmarks', 'read:bookmarks'],
  ['/api/v1/conversations', 'read:statuses'],
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

/** Mastodon's Preferences entity at its defaults: Chorus posts are public, with no media or spoilers. */
export const defaultPreferences = Object.freeze({
  'posting:default:visibility': 'public',
  'posting:default:sensitive': false,
  'posting:default:language': null,
  'reading:expand:media': 'default',
  'reading:expand:spoilers': false,
});

export const stubRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  for (const [path, scope] of emptyPerUserLists) {
    app.get(path, async (request) => {
      await requireScope(request, auth, scope);
      return [];
    });
  }
  for (const path of emptyPublicLists) app.get(path, async () => []);

  app.get('/api/v1/preferences', async (request) => {
    await requireScope(request, auth, 'read:accounts');
    return defaultPreferences;
  });

  app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
};
