import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequestId } from '../clients/request-id.js';
import type { Auth } from '../domain/auth.js';
import { DomainError } from '../domain/errors.js';
import type { Social } from '../domain/social.js';
import type { StatusSource } from '../domain/status.js';
import { RequestStats } from './admin/request-stats.js';
import { avatarRoutes } from './api/avatars.js';
import { corsOptions } from './api/cors.js';
import { mastodonApi } from './api/mastodon.js';
import { parseQuery } from './api/params.js';
import { type ConnectionLimits, DEFAULT_REQUEST_TIMEOUT_MS, limitConnections, requestTimeouts } from './connections.js';
import type { RouteContext } from './context.js';
import {
  BODY_LIMIT_BYTES,
  errorRendering,
  HttpStatus,
  logHttpError,
  sendMastodonError,
  setRateLimitHeaders,
  toHttpError,
  toMastodonHttpError,
} from './errors.js';
import { serializeRequest } from './log-redaction.js';
import { measureRequests, publicMetricsRoute } from './metrics.js';
import { oauthPageRoutes } from './oauth/routes.js';
import { pageRoutes } from './routes/pages.js';
import { cspNonce, setSecurityHeaders } from './security.js';
import { cookieName, pageViewer, type Viewer } from './session.js';
import { unpairedSurrogateError, wellFormedJson } from './unicode.js';
import { errorPage } from './views/error.js';
import type { Frame } from './views/layout.js';

export interface WebDeps {
  auth: Auth;
  social: Social;
  /** Where requests are logged (cmd/ passes the process's pino logger); silent when absent. */
  logger?: FastifyBaseLogger;
  /** Once true, /readyz answers 503 so a load balancer stops sending new requests. */
  draining?: () => boolean;
  /** Mark cookies Secure (set behind HTTPS). */
  secureCookies?: boolean;
  /** Fastify's trustProxy: trust X-Forwarded-* from these proxies. */
  trustProxy?: boolean | string;
  /** How long a request may take to arrive (30 s unless given), and the caps on open connections (none unless given). */
  limits?: { requestTimeoutMs?: number; connections?: ConnectionLimits };
  /** With a token, `/metrics` also answers here to `Authorization: Bearer <token>` (else 404); the admin listener serves it regardless. */
  metricsToken?: string;
  /** Who sees /admin (CHORUS_ADMINS) and where its store and service figures come from. */
  admin?: { admins: readonly string[]; status?: StatusSource | undefined };
  /** The status page's per-minute request counts; a fresh one when absent (tests pass their own clock). */
  requestStats?: RequestStats;
}

export const CSRF_COOKIE = 'chorus_csrf';
/** The stylesheet and the page script, as written: served from the source tree beside the build. */
const STATIC_ROOT = fileURLToPath(new URL('../../../src/web/static/', import.meta.url));
/** Most of a refused body read and discarded before answering (see drainBody). */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const DRAIN_MAX_MS = 5000;

/**
 * Builds the web tier without listening (tests call `inject`; cmd/ calls
 * `listen`). It holds no state between requests: identity comes from the
 * token on each request, data from Auth and Social, and the CSRF secret
 * lives in the visitor's own cookie.
 */
export async function buildApp(deps: WebDeps): Promise<FastifyInstance> {
  const sendError = async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const rendering = errorRendering(request);
    const httpError = rendering === 'mastodon' ? toMastodonHttpError(error) : toHttpError(error);
    logHttpError(request, error, httpError);
    setRateLimitHeaders(reply, error);
    // Our failures name the request, so a user's report of one can be found in the logs.
    const requestId = httpError.status >= HttpStatus.internalServerError ? request.id : undefined;
    if (rendering === 'mastodon') return sendMastodonError(reply, httpError, undefined, requestId);
    return reply
      .status(httpError.status)
      .type('text/html; charset=utf-8')
      .send(errorPage(errorFrame(request, reply, request.viewer), httpError.status, httpError.message, requestId));
  };
  const app = Fastify({
    // Fastify takes the instance's own `req` serializer over its default one, which logs the whole URL.
    ...(deps.logger ? { loggerInstance: deps.logger.child({}, { serializers: { req: serializeRequest } }) } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    ...requestTimeouts(deps.limits?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    trustProxy: deps.trustProxy ?? false,
    // A proxy's X-Request-Id is kept only if valid (clients/request-id.ts); Fastify's own header option would take any value.
    requestIdHeader: false,
    genReqId: (raw) => requestIdFrom(raw.headers[REQUEST_ID_HEADER]),
    // Rails-style arrays and objects (`id[]=1&id[]=2`), as Mastodon clients send them.
    routerOptions: { querystringParser: parseQuery },
    // The router refuses some URLs (bad escapes, over-long parameters) before any route or hook runs.
    // No hook runs for them either, so the security headers are set here.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      cspNonce(request);
      setSecurityHeaders(request, reply);
      void sendError(routerError(error), request, reply);
    },
  });
  if (deps.limits?.connections) limitConnections(app.server, deps.limits.connections);
  measureRequests(app);
  const cookies = { secure: deps.secureCookies ?? false };
  const requests = deps.requestStats ?? new RequestStats();
  const admin = { admins: deps.admin?.admins ?? [], status: deps.admin?.status, requests };
  const ctx: RouteContext = { auth: deps.auth, social: deps.social, cookies, admin };
  // Every answer counts, pages and API alike; the status page shows them.
  app.addHook('onResponse', (_request, reply, done) => {
    requests.record(reply.statusCode, reply.elapsedTime);
    done();
  });

  await app.register(fastifyCors, corsOptions);
  await app.register(fastifyCookie);
  await app.register(fastifyCsrfProtection, {
    cookieKey: cookieName(CSRF_COOKIE, cookies),
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secure },
    // Only forms carry the token; the API authenticates by bearer header, which no other site can send.
    getToken: (request) => {
      const token = (request.body as Record<string, unknown> | undefined)?._csrf;
      return typeof token === 'string' ? token : undefined;
    },
  });
  app.decorateRequest('viewer', null);
  // Everything done for a request, gRPC calls and log lines included, runs as part of it (clients/request-id.ts).
  // The body is read between the two hooks, outside any request's context, so the second enters it again.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    runWithRequestId(request.id, done);
  });
  app.addHook('preValidation', (request, _reply, done) => runWithRequestId(request.id, done));
  allowEmptyJsonBodies(app);

  // Callback style: most answers have no body to drain, and then no promise is made for them.
  app.addHook('onSend', (request, reply, payload, done) => {
    const headers = () => {
      setSecurityHeaders(request, reply);
      if (!request.url.startsWith('/static/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      done(null, payload);
    };
    if (!bodyLeft(request.raw)) {
      headers();
      return;
    }
    drainBody(request.raw)
      .then(headers)
      .catch((error: unknown) => done(error as Error));
  });

  app.setErrorHandler(sendError);
  app.setReplySerializer(wellFormedJson);

  app.setNotFoundHandler(async (request, reply) => {
    const rendering = errorRendering(request);
    if (rendering !== 'page') {
      const notFound = { status: HttpStatus.notFound, code: 'not_found', message: 'No such endpoint.', field: undefined } as const;
      return sendMastodonError(reply, notFound);
    }
    // Best effort: a lost visitor still sees the right navigation.
    const viewer = await pageViewer(request, reply, deps.auth, cookies).catch(() => null);
    return reply
      .status(HttpStatus.notFound)
      .type('text/html; charset=utf-8')
      .send(errorPage(errorFrame(request, reply, viewer), HttpStatus.notFound, 'There is no page here.'));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (deps.draining?.()) return reply.status(HttpStatus.serviceUnavailable).send({ status: 'draining' });
    return { status: 'ready' };
  });
  await app.register(fastifyStatic, { root: STATIC_ROOT, prefix: '/static/', maxAge: '1h', index: false, list: false });

  publicMetricsRoute(app, deps.metricsToken);
  await app.register(pageRoutes, ctx);
  await app.register(oauthPageRoutes, ctx);
  await app.register(mastodonApi, ctx);
  await app.register(avatarRoutes, ctx);
  return app;
}

/**
 * curl and many client libraries send `Content-Type: application/json` on
 * a PUT, POST or DELETE that has no body; Fastify's own parser refuses an
 * empty JSON body, so this one reads it as no body at all. Anything else
 * goes to Fastify's parser, with its prototype-poisoning checks, and is
 * refused if it holds half a character (unicode.ts).
 */
function allowEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    parseJson(request, body.toString(), (error, value) => (error ? done(error) : done(unpairedSurrogateError(value) ?? null, value)));
  });
}

/**
 * An answer that refuses a body (too large, unsupported) can be ready while
 * the body is still arriving. Node then closes the connection with unread
 * bytes in the socket, the kernel answers them with a reset, and the reset
 * can destroy our answer before the client has read it. So the rest of the
 * body is read and thrown away first: up to DRAIN_MAX_BYTES or
 * DRAIN_MAX_MS, past which the client is left to the reset.
 */
function bodyLeft(request: IncomingMessage): boolean {
  if (request.complete || request.readableEnded || request.destroyed) return false;
  // Without a length or a chunked encoding a request has no body (RFC 9112 §6.3): nothing can follow.
  if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return false;
  return !(Number(request.headers['content-length']) > DRAIN_MAX_BYTES);
}

/** Reads and drops what is left of the body (bodyLeft), within the bounds above; never rejects. */
async function drainBody(request: IncomingMessage): Promise<void> {
  const enough = new AbortController();
  let read = 0;
  const count = (chunk: Buffer) => {
    read += chunk.length;
    if (read > DRAIN_MAX_BYTES) enough.abort();
  };
  request.on('data', count);
  request.resume();
  try {
    await finished(request, { signal: AbortSignal.any([enough.signal, AbortSignal.timeout(DRAIN_MAX_MS)]) });
  } catch {
    // Too much, too slow, or the client went away: answer anyway.
  } finally {
    request.off('data', count);
  }
}

function errorFrame(request: FastifyRequest, reply: FastifyReply, viewer: Viewer | null): Frame {
  const path = request.url.split('?')[0]!;
  // A URL the router refused never reached the CSRF plugin; its page has no form to protect.
  const csrf = typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : '';
  return { viewer: viewer?.account ?? null, csrf, nonce: cspNonce(request), path, now: Date.now() };
}

/** The router's own errors echo the whole URL back; say what was wrong instead. */
function routerError(error: FastifyError): DomainError {
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A part of the address is too long.' : 'The address is malformed.';
  return new DomainError('invalid', message);
}
