import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpStatus } from '../errors.js';
import { cspNonce } from '../security.js';
import type { Viewer } from '../session.js';
import type { Frame } from '../views/layout.js';

/*
 * What every page route shares. A leaf module: the route files import it, and
 * pages.ts imports the route files, so keeping these here keeps the graph acyclic.
 */

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
