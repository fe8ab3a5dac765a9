import type { FastifyPluginAsync } from 'fastify';
import type { RouteContext } from '../context.js';
import { oauthAppRoutes, oauthTokenRoutes } from '../oauth/routes.js';
import { streamingRoutes } from '../streaming/routes.js';
import { accountRoutes } from './accounts.js';
import { blockRoutes } from './blocks.js';
import { mastodonBodies } from './body.js';
import { chorusRoutes } from './chorus.js';
import { instanceRoutes } from './instance.js';
import { markerRoutes } from './markers.js';
import { nodeinfoRoutes } from './nodeinfo.js';
import { notificationRoutes } from './notifications.js';
import { reactionRoutes } from './reactions.js';
import { registrationRoutes } from './registration.js';
import { searchRoutes } from './search.js';
import { statusRoutes } from './statuses.js';
import { stubRoutes } from './stubs.js';
import { tagRoutes } from './tags.js';
import { timelineRoutes } from './timelines.js';

/**
 * The Mastodon client API's scope: every route registered here reads
 * JSON, form and multipart bodies with Rails-style names, and answers
 * errors in Mastodon's `{"error": "…"}` shape (errors.ts decides by the
 * `mastodonApi` flag this scope puts on its routes). A new Mastodon
 * resource module is registered here.
 */
export const mastodonApi: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, mastodonApi: true };
  });
  await mastodonBodies(app);
  await app.register(instanceRoutes, ctx);
  await app.register(nodeinfoRoutes, ctx);
  await app.register(stubRoutes, ctx);
  await app.register(statusRoutes, ctx);
  await app.register(reactionRoutes, ctx);
  await app.register(timelineRoutes, ctx);
  await app.register(tagRoutes, ctx);
  await app.register(notificationRoutes, ctx);
  await app.register(markerRoutes, ctx);
  await app.register(oauthAppRoutes, ctx);
  await app.register(oauthTokenRoutes, ctx);
  await app.register(accountRoutes, ctx);
  await app.register(blockRoutes, ctx);
  await app.register(searchRoutes, ctx);
  await app.register(registrationRoutes, ctx);
  await app.register(chorusRoutes, ctx);
  await app.register(streamingRoutes, ctx);
};
