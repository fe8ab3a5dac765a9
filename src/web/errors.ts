import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isDomainError, type RateLimit } from '../domain/errors.js';

/**
 * The one table from DomainError codes to HTTP statuses. The gRPC table
 * lives in services/ and clients/; nothing else maps codes.
 */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = Object.freeze({
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
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
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
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
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return {
      status: 413,
      code: 'too_large',
      message: `The request body is too large (at most ${BODY_LIMIT_BYTES / 1024} KiB).`,
      field: undefined,
    };
  }
  if (code.startsWith('FST_CSRF_')) {
    return {
      status: 403,
      code: 'forbidden',
      message: 'This form has expired or did not come from this site. Reload the page and try again.',
      field: undefined,
    };
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return { status: 400, code: 'invalid', message: 'Unsupported Content-Type: send application/json.', field: undefined };
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return { status: 400, code: 'invalid', message: 'The body is not valid JSON.', field: undefined };
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const mapped = codeOfClientStatus[status] ?? 'invalid';
    // Fastify's own messages describe the request, never our internals.
    const message = code.startsWith('FST_') && fastifyError?.message ? fastifyError.message : 'Malformed request.';
    return { status: mapped === 'invalid' ? 400 : status, code: mapped, message, field: undefined };
  }
  return { status: 500, code: 'internal', message: genericInternal, field: undefined };
}

/** Logs what deserves a look: our failures with their cause; client mistakes stay quiet. */
export function logHttpError(request: FastifyRequest, error: unknown, httpError: HttpError): void {
  if (httpError.status >= 500) {
    const cause = isDomainError(error) && error.cause !== undefined ? error.cause : error;
    request.log.error({ err: error, cause }, `request failed: ${httpError.code}`);
  }
}

export function sendJsonError(reply: FastifyReply, httpError: HttpError): FastifyReply {
  if (httpError.status === 401) reply.header('www-authenticate', 'Bearer');
  const body: { error: { code: string; message: string; field?: string } } = {
    error: { code: httpError.code, message: httpError.message },
  };
  if (httpError.field !== undefined) body.error.field = httpError.field;
  return reply.status(httpError.status).type('application/json; charset=utf-8').send(body);
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
