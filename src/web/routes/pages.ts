import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import { adminRoutes } from '../admin/routes.js';
import type { RouteContext } from '../context.js';
import { requireSameOrigin } from '../security.js';
import { pageViewer } from '../session.js';
import { countUnread } from './page-helpers.js';
import { pageAuthRoutes } from './pages-auth.js';
import { pageHomeRoutes } from './pages-home.js';
import { pageNotificationRoutes } from './pages-notifications.js';
import { pagePeopleRoutes } from './pages-people.js';
import { pagePostRoutes } from './pages-post.js';
import { pageProfileRoutes } from './pages-profile.js';
import { pageSettingsRoutes } from './pages-settings.js';
import { pageTagRoutes } from './pages-tags.js';

/**
 * The server-rendered site. Form bodies are parsed only in this scope (the
 * Mastodon API has its own parsers in its own scope), and every POST here must come from our own
 * origin (as the browser reports it) and carry the CSRF token of the
 * double-submit cookie: checking both in scope-wide hooks means no form
 * route can forget them.
 */
export const pageRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  await app.register(fastifyFormbody);
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    requireSameOrigin(request, ctx.cookies.secure);
    app.csrfProtection(request, reply, done);
  });
  app.addHook('preHandler', async (request, reply) => {
    request.viewer = request.routeOptions.config.ownSession ? null : await pageViewer(request, reply, ctx.auth, ctx.cookies);
    // The navigation's unread badge, read alongside the route's own reads (a POST answers with a redirect).
    if (request.viewer && request.method === 'GET') countUnread(request, ctx.social);
  });
  await app.register(pageHomeRoutes, ctx);
  await app.register(pagePostRoutes, ctx);
  await app.register(pageAuthRoutes, ctx);
  await app.register(pageProfileRoutes, ctx);
  await app.register(pagePeopleRoutes, ctx);
  await app.register(pageSettingsRoutes, ctx);
  await app.register(pageTagRoutes, ctx);
  await app.register(pageNotificationRoutes, ctx);
  await app.register(adminRoutes, ctx);
};
