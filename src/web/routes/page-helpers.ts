import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, notFound } from '../../domain/errors.js';
import { isPostId, parseIdempotencyKey } from '../../domain/post.js';
import type { NotificationMarker, Reader, Social } from '../../domain/social.js';
import { HttpStatus } from '../errors.js';
import { cspNonce } from '../security.js';
import type { Viewer } from '../session.js';
import type { FormErrors } from '../views/components.js';
import type { Frame } from '../views/layout.js';

/*
 * What every page route shares. A leaf module: the route files import it, and
 * pages.ts imports the route files, so keeping these here keeps the graph acyclic.
 */

export function frameOf(request: FastifyRequest, reply: FastifyReply): Frame {
  const path = request.url.split('?')[0]!;
  const url = localPath(request.url, path);
  return { viewer: request.viewer?.account ?? null, csrf: reply.generateCsrf(), nonce: cspNonce(request), path, url, now: Date.now() };
}

const markers = new WeakMap<FastifyRequest, Promise<NotificationMarker | undefined>>();

/**
 * Starts counting the signed-in viewer's (request.viewer's) unread
 * notifications for the navigation badge, so the count is read while the
 * route does its own reads rather than after them. The badge is
 * decoration: a failure to count leaves it out instead of failing the page.
 */
export function countUnread(request: FastifyRequest, social: Social): void {
  if (markers.has(request) || !request.viewer) return;
  const marker = social
    .as(request.viewer.token)
    .notificationMarker()
    .catch((error: unknown) => {
      request.log.warn({ err: error }, 'unread notifications not counted');
      return undefined;
    });
  markers.set(request, marker);
}

/** The read marker countUnread fetched for this request, if it was started and succeeded. */
export async function viewerMarker(request: FastifyRequest): Promise<NotificationMarker | undefined> {
  return markers.get(request);
}

/** frameOf, with the unread count if countUnread was started for this request. */
export async function pageFrame(request: FastifyRequest, reply: FastifyReply): Promise<Frame> {
  const frame = frameOf(request, reply);
  const unread = request.viewer ? (await markers.get(request))?.unread : undefined;
  return unread === undefined ? frame : { ...frame, unread };
}

export function sendPage(reply: FastifyReply, body: string, status: number = HttpStatus.ok): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/** POST-redirect-GET: 303 makes the browser follow with a GET. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, HttpStatus.seeOther);
}

/** Reads as the page's signed-in viewer (their session's token), or for nobody when signed out. */
export function readerOf(request: FastifyRequest, social: Social): Reader {
  return request.viewer ? social.as(request.viewer.token) : social;
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

/** A post id from a path: anything else names no post. */
export function postIdParam(input: string): string {
  if (!isPostId(input)) throw notFound('No such post.');
  return input;
}

/** A key the form carries back; a tampered one only loses the retry protection. */
export function formIdempotencyKey(input: string): string | undefined {
  try {
    return parseIdempotencyKey(input);
  } catch {
    return undefined;
  }
}

/** Runs a parse step, recording its message under its field instead of throwing. */
export function check<T>(errors: FormErrors, field: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'invalid') throw error;
    errors[error.field ?? field] ??= error.message;
    return undefined;
  }
}
