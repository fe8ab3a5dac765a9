import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';

/**
 * CORS as Mastodon's rack-cors rule sets it: the bearer-token API and the
 * discovery documents may be read from any origin (Elk and Phanpy run on
 * their own), because a browser never attaches a bearer token by itself,
 * so no other site can act as a visitor through them. Credentials are
 * never allowed. The cookie-authenticated pages get no CORS headers at
 * all: they stay same-origin.
 */

const CORS_PREFIXES = ['/api/', '/.well-known/', '/nodeinfo/'];
const CORS_PATHS = ['/oauth/token', '/oauth/revoke'];

/** Whether this request's path is open to other origins. */
export function corsAllowed(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return CORS_PREFIXES.some((prefix) => path.startsWith(prefix)) || CORS_PATHS.includes(path);
}

const open: FastifyCorsOptions = {
  origin: '*',
  credentials: false,
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
  exposedHeaders: [
    'Link',
    'Retry-After',
    'X-RateLimit-Limit',
    'X-RateLimit-Remaining',
    'X-RateLimit-Reset',
    'RateLimit-Limit',
    'RateLimit-Remaining',
    'RateLimit-Reset',
    'RateLimit-Policy',
  ],
  maxAge: 3600,
  // Any OPTIONS on these paths is answered as a preflight, so it never reaches a route (or its auth).
  strictPreflight: false,
};
const closed: FastifyCorsOptions = { origin: false };

/**
 * @fastify/cors's options, for registering at the root: one onRequest hook
 * decides per request, and answers preflights before any route runs.
 */
export const corsOptions: FastifyCorsOptions = {
  delegator: (request: FastifyRequest, callback) => callback(null, corsAllowed(request.url) ? open : closed),
};
