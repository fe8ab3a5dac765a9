/**
 * Request ids: one per HTTP request, so that a user's report ("it failed,
 * the page said request id …") finds every log line about that request,
 * in the web tier and in the services it called. The web tier makes one
 * (or keeps a proxy's valid `X-Request-Id`), answers with it, and passes it
 * on in gRPC metadata; each service call runs in its context, and every
 * log line written in that context carries it (log.ts). It lives with the
 * clients because it is part of what a call carries across the wire, and
 * the web tier may import only clients and the domain.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The HTTP header and the gRPC metadata key. */
export const REQUEST_ID_HEADER = 'x-request-id';
/** The log field, Fastify's own label for it. */
export const REQUEST_ID_LOG_KEY = 'reqId';

/**
 * An incoming id is kept only if it is short and plain (a UUID, a proxy's
 * hex or base64url token): it goes into logs, headers and pages, so
 * anything else (spaces, quotes, control characters, a megabyte) is replaced.
 */
const VALID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID.test(value);
}

/** The incoming id if valid, else a new one. */
export function requestIdFrom(incoming: unknown): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return isValidRequestId(value) ? value : randomUUID();
}

const current = new AsyncLocalStorage<string>();

/** Runs `work` (and everything it starts) as part of the request `id`. */
export function runWithRequestId<T>(id: string, work: () => T): T {
  return current.run(id, work);
}

/** The id of the request being served here, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore();
}
