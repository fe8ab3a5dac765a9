import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Account } from '../domain/account.js';
import type { Auth } from '../domain/auth.js';
import { DomainError, isDomainError } from '../domain/errors.js';

/**
 * How a request proves who it is. The API takes `Authorization: Bearer`;
 * the pages take the same token from an HttpOnly cookie. Nothing is kept
 * here between requests: every request asks Auth, so a logout anywhere is
 * honoured by every web instance at once.
 */

export const SESSION_COOKIE = 'chorus_session';
/** The browser may forget sooner; the session itself expires in the auth service. */
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;
/** Real tokens are far shorter; anything longer is not worth a round trip. */
const TOKEN_MAX = 512;
const tokenPattern = /^[\x21-\x7e]+$/;

export interface Viewer {
  account: Account;
  token: string;
}

const missingToken = () => new DomainError('unauthenticated', 'Sign in first: send "Authorization: Bearer <token>".');
const badToken = () => new DomainError('unauthenticated', 'Your session has ended or the token is not valid. Sign in again.');

function plausibleToken(token: string): boolean {
  return token.length <= TOKEN_MAX && tokenPattern.test(token);
}

/** The bearer token of an API request; `unauthenticated` if absent or malformed. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') throw missingToken();
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match || !plausibleToken(match[1]!)) throw badToken();
  return match[1]!;
}

export interface CookieSettings {
  secure: boolean;
}

/**
 * Over HTTPS a cookie gets the `__Host-` prefix: browsers then accept it
 * only with Secure, Path=/ and no Domain, so neither a sibling subdomain
 * nor a plain-HTTP response can plant or overwrite it.
 */
export function cookieName(base: string, settings: CookieSettings): string {
  return settings.secure ? `__Host-${base}` : base;
}

export function setSessionCookie(reply: FastifyReply, token: string, settings: CookieSettings): void {
  reply.setCookie(cookieName(SESSION_COOKIE, settings), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secure,
    maxAge: COOKIE_MAX_AGE_SECONDS,
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(cookieName(SESSION_COOKIE, settings), { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure });
}

/**
 * The signed-in account of a page request, or null. A dead cookie (expired
 * or revoked session) is cleared and the visitor treated as signed out;
 * any other failure (the auth service is down) propagates.
 */
export async function pageViewer(
  request: FastifyRequest,
  reply: FastifyReply,
  auth: Auth,
  settings: CookieSettings,
): Promise<Viewer | null> {
  const session = await pageSession(request, reply, settings, (token) => auth.authenticate(token));
  return session && { account: session.result, token: session.token };
}

/**
 * Runs `check` with the page request's session token: the one call that
 * authenticates it (Authenticate, or a call that checks the session as it
 * reads, such as the home feed's). Null when signed out, with a dead
 * cookie cleared as pageViewer does.
 */
export async function pageSession<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: CookieSettings,
  check: (token: string) => Promise<T>,
): Promise<{ token: string; result: T } | null> {
  const token = request.cookies[cookieName(SESSION_COOKIE, settings)];
  if (token === undefined || token === '') return null;
  if (!plausibleToken(token)) {
    clearSessionCookie(reply, settings);
    return null;
  }
  try {
    return { token, result: await check(token) };
  } catch (error) {
    if (isDomainError(error) && error.code === 'unauthenticated') {
      clearSessionCookie(reply, settings);
      return null;
    }
    throw error;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in visitor of a page request, resolved once per request; null when signed out. */
    viewer: Viewer | null;
  }
  interface FastifyContextConfig {
    /** The route resolves the page viewer itself, in the same call as its own read (see pageSession). */
    ownSession?: boolean;
  }
}
