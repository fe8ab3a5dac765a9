import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isDomainError, type RateLimit } from '../domain/errors.js';

/** The HTTP statuses Chorus answers with, by name: the one place their numbers are spelled. */
export const HttpStatus = Object.freeze({
  ok: 200,
  created: 201,
  accepted: 202,
  noContent: 204,
  movedPermanently: 301,
  seeOther: 303,
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  contentTooLarge: 413,
  unsupportedMediaType: 415,
  unprocessableContent: 422,
  tooManyRequests: 429,
  internalServerError: 500,
  serviceUnavailable: 503,
});

/**
 * The one table from DomainError codes to HTTP statuses. The gRPC table
 * lives in services/ and clients/; nothing else maps codes.
 */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = Object.freeze({
  invalid: HttpStatus.badRequest,
  unauthenticated: HttpStatus.unauthorized,
  forbidden: HttpStatus.forbidden,
  not_found: HttpStatus.notFound,
  conflict: HttpStatus.conflict,
  rate_limited: HttpStatus.tooManyRequests,
  unavailable: HttpStatus.serviceUnavailable,
  internal: HttpStatus.internalServerError,
});

/**
 * Error codes the HTTP edge can answer with: every DomainError code, plus
 * `too_large` (413), which only the HTTP framework can detect (the body is
 * refused before any domain code sees it).
 */
export type HttpErrorCode = ErrorCode | 'too_large';

export interface HttpError {
  status: number;
  code: HttpErrorCode;
  /** Safe to show to users. */
  message: string;
  /** The input field at fault, for forms. */
  field: string | undefined;
}

export const BODY_LIMIT_BYTES = 16 * 1024;

const genericInternal = 'Something went wrong on our side.';

const codeOfClientStatus: Record<number, ErrorCode> = {
  [HttpStatus.unauthorized]: 'unauthenticated',
  [HttpStatus.forbidden]: 'forbidden',
  [HttpStatus.notFound]: 'not_found',
  [HttpStatus.conflict]: 'conflict',
  [HttpStatus.tooManyRequests]: 'rate_limited',
};

/**
 * Translates anything thrown while serving a request. Framework errors
 * about the request itself (bad JSON, wrong content type, too large, a
 * CSRF failure) are the client's fault and never become a 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (isDomainError(error)) {
    const message = error.code === 'internal' ? genericInternal : error.message;
    return { status: httpStatusOf[error.code], code: error.code, message, field: error.field };
  }
  const fastifyError = error as Partial<FastifyError> | null;
  const status = fastifyError?.statusCode;
  const code = typeof fastifyError?.code === 'string' ? fastifyError.code : '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === HttpStatus.contentTooLarge) {
    return {
      status: HttpStatus.contentTooLarge,
      code: 'too_large',
      message: `The request body is too large (at most ${BODY_LIMIT_BYTES / 1024} KiB).`,
      field: undefined,
    };
  }
  if (code.startsWith('FST_CSRF_')) {
    return {
      status: HttpStatus.forbidden,
      code: 'forbidden',
      message: 'This form has expired or did not come from this site. Reload the page and try again.',
      field: undefined,
    };
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === HttpStatus.unsupportedMediaType) {
    return {
      status: HttpStatus.badRequest,
      code: 'invalid',
      message: 'Unsupported Content-Type: send application/json.',
      field: undefined,
    };
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return { status: HttpStatus.badRequest, code: 'invalid', message: 'The body is not valid JSON.', field: undefined };
  }
  if (typeof status === 'number' && status >= HttpStatus.badRequest && status < HttpStatus.internalServerError) {
    const mapped = codeOfClientStatus[status] ?? 'invalid';
    // Fastify's own messages describe the request, never our internals.
    const message = code.startsWith('FST_') && fastifyError?.message ? fastifyError.message : 'Malformed request.';
    return { status: mapped === 'invalid' ? HttpStatus.badRequest : status, code: mapped, message, field: undefined };
  }
  return { status: HttpStatus.internalServerError, code: 'internal', message: genericInternal, field: undefined };
}

/** Logs what deserves a look: our failures with their cause; client mistakes stay quiet. */
export function logHttpError(request: FastifyRequest, error: unknown, httpError: HttpError): void {
  if (httpError.status >= HttpStatus.internalServerError) {
    const cause = isDomainError(error) && error.cause !== undefined ? error.cause : error;
    request.log.error({ err: error, cause }, `request failed: ${httpError.code}`);
  }
}

/**
 * A throttled answer says when to come back (Retry-After) and what the
 * limit is, in the IETF draft's RateLimit-* fields.
 */
export function setRateLimitHeaders(reply: FastifyReply, error: unknown): void {
  const rate: RateLimit | undefined = isDomainError(error) ? error.rateLimit : undefined;
  if (!rate) return;
  reply.header('retry-after', String(rate.retryAfterSeconds));
  reply.header('ratelimit-limit', String(rate.limit));
  reply.header('ratelimit-remaining', '0');
  reply.header('ratelimit-reset', String(rate.retryAfterSeconds));
  reply.header('ratelimit-policy', `${rate.limit};w=${rate.windowSeconds}`);
}

export const isApiPath = (url: string) => url === '/api' || url.startsWith('/api/');

/** How an error is shown: Mastodon's `{"error": "…"}`, or an HTML page. */
export type ErrorRendering = 'mastodon' | 'page';

/**
 * Paths that answer in Mastodon's shape even when no route matched (an
 * unknown endpoint, a refused URL): every /api path (isApiPath) and these.
 */
// /oauth/authorize is a page, so only OAuth's JSON endpoints are listed.
const MASTODON_PREFIXES = ['/api/v1/', '/api/v2/', '/oauth/token', '/oauth/revoke', '/.well-known/', '/nodeinfo/'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route of the Mastodon API scope: its errors take Mastodon's shape. */
    mastodonApi?: boolean;
  }
}

/** The one choice between the renderings, by route (its scope) and else by path prefix. */
export function errorRendering(request: FastifyRequest): ErrorRendering {
  // The router's own errors arrive before any route was chosen.
  if (request.routeOptions?.config?.mastodonApi === true) return 'mastodon';
  const url = request.url;
  if (MASTODON_PREFIXES.some((prefix) => url.startsWith(prefix)) || isApiPath(url)) return 'mastodon';
  return 'page';
}

/**
 * The HTTP error as Mastodon reports it: a failed validation is 422
 * Unprocessable Content, as Rails answers (so is a conflict, such as a
 * taken username: Mastodon reports it as a validation error); a body that
 * cannot be read at all (bad JSON, wrong content type) stays 400.
 */
export function toMastodonHttpError(error: unknown): HttpError {
  const httpError = toHttpError(error);
  if (isDomainError(error) && (error.code === 'invalid' || error.code === 'conflict')) {
    return { ...httpError, status: HttpStatus.unprocessableContent };
  }
  if (httpError.message.startsWith('Unsupported Content-Type')) {
    return { ...httpError, message: 'Unsupported Content-Type: send JSON, a form (urlencoded) or multipart/form-data.' };
  }
  return httpError;
}

/** Mastodon's error body; `error_description` only on OAuth errors (RFC 6749 §5.2). */
export interface MastodonErrorBody {
  error: string;
  error_description?: string;
}

/**
 * Sends an error in Mastodon's shape: `{"error": "<message>"}`, 401 with
 * `WWW-Authenticate: Bearer`. For OAuth endpoints pass `oauth`, the RFC
 * 6749 code (`invalid_grant`, `invalid_client`, …): then `error` is that
 * code and `error_description` the message, as Doorkeeper answers.
 */
export function sendMastodonError(reply: FastifyReply, httpError: HttpError, oauth?: string): FastifyReply {
  if (httpError.status === HttpStatus.unauthorized) reply.header('www-authenticate', 'Bearer');
  const body: MastodonErrorBody =
    oauth === undefined ? { error: httpError.message } : { error: oauth, error_description: httpError.message };
  return reply.status(httpError.status).type('application/json; charset=utf-8').send(body);
}
