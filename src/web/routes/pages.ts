import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { cspNonce, requireSameOrigin } from '../security.js';
import { pageViewer, type Viewer } from '../session.js';
import type { Frame } from '../views/layout.js';
import { pageAuthRoutes } from './pages-auth.js';
import { pageHomeRoutes } from './pages-home.js';
import { pagePeopleRoutes } from './pages-people.js';
import { pageProfileRoutes } from './pages-profile.js';
import { pageSettingsRoutes } from './pages-settings.js';

/**
 * The server-rendered site. Form bodies are parsed only in this scope (the
 * JSON API never accepts them), and every POST here must come from our own
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
  });
  await app.register(pageHomeRoutes, ctx);
  await app.register(pageAuthRoutes, ctx);
  await app.register(pageProfileRoutes, ctx);
  await app.register(pagePeopleRoutes, ctx);
  await app.register(pageSettingsRoutes, ctx);
};

export function frameOf(request: FastifyRequest, reply: FastifyReply): Frame {
  const path = request.url.split('?')[0]!;
  return { viewer: request.viewer?.account ?? null, csrf: reply.generateCsrf(), nonce: cspNonce(request), path, now: Date.now() };
}

export function sendPage(reply: FastifyReply, body: string, status: number = HttpStatus.ok): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/** POST-redirect-GET: 303 makes the browser follow with a GET. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, HttpStatus.seeOther);
}

/** The signed-in viewer, or null after answering with a redirect to the log-in page. */
export function viewerOrLogin(request: FastifyRequest, reply: FastifyReply): Viewer | null {
  if (request.viewer) return request.viewer;
  seeOther(reply, '/login');
  return null;
}

/** A local path to return to; anything else (another origin, `//host`) falls back. */
export function localPath(input: string, fallback: string): string {
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(input) && input.length <= 512 ? input : fallback;
}

