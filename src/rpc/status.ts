import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { DomainError, type ErrorCode, type RateLimit, toDomainError } from '../domain/errors.js';

/**
 * The one table between domain error codes and gRPC status codes, used in
 * both directions: by the service adapters to answer, and by the clients
 * to turn a status back into the DomainError the service threw.
 */
const toGrpc: Record<ErrorCode, status> = {
  invalid: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  rate_limited: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  // Not RESOURCE_EXHAUSTED (taken by rate_limited, and every code needs a status of its own): gRPC says
  // FAILED_PRECONDITION is for "do not retry until the system state has been explicitly fixed", as here.
  insufficient_storage: status.FAILED_PRECONDITION,
  internal: status.INTERNAL,
};

const fromGrpc = new Map<status, ErrorCode>(Object.entries(toGrpc).map(([code, grpcStatus]) => [grpcStatus, code as ErrorCode]));
// A deadline that passed leaves the outcome unknown, like an unreachable peer.
fromGrpc.set(status.DEADLINE_EXCEEDED, 'unavailable');
fromGrpc.set(status.CANCELLED, 'unavailable');

/** Trailer carrying DomainError.field, so a form can show the message beside its field. */
const FIELD_KEY = 'chorus-field';
/** Trailer carrying DomainError.rateLimit as "limit/windowSeconds/retryAfterSeconds". */
const RATE_LIMIT_KEY = 'chorus-rate-limit';

/**
 * A failure as gRPC states it: the status code and message, plus the
 * DomainError's details. A unary call carries the details in trailers; a
 * batched call's failed item carries all of it in its ItemError.
 */
export interface StatusParts {
  code: status;
  message: string;
  field?: string;
  rateLimit?: RateLimit;
}

/** How a service states any error its logic threw. */
export function toStatusParts(error: unknown): StatusParts {
  const domain = toDomainError(error);
  return { code: toGrpc[domain.code], message: domain.message, field: domain.field, rateLimit: domain.rateLimit };
}

/** The service's DomainError again, as close as the wire allows. */
export function fromStatusParts(parts: StatusParts, cause?: unknown): DomainError {
  const code = fromGrpc.get(parts.code) ?? 'internal';
  // Messages of transport failures come from grpc-js, not from our services, so they are not shown;
  // a full store always says the same words, whichever path found it.
  const fromService = toGrpc[code] === parts.code && code !== 'unavailable' && code !== 'internal' && code !== 'insufficient_storage';
  const message = fromService && parts.message ? parts.message : defaultMessage[code];
  return new DomainError(code, message, { cause, field: parts.field || undefined, rateLimit: parts.rateLimit });
}

/** What a service adapter sends back for any error its logic threw. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const { code, message, field, rateLimit } = toStatusParts(error);
  const metadata = new Metadata();
  if (field) metadata.set(FIELD_KEY, field);
  if (rateLimit) metadata.set(RATE_LIMIT_KEY, `${rateLimit.limit}/${rateLimit.windowSeconds}/${rateLimit.retryAfterSeconds}`);
  return { code, details: message, metadata };
}

/** What a client throws for a failed call: the service's DomainError, as close as the wire allows. */
export function fromServiceError(error: unknown): DomainError {
  const e = error as Partial<ServiceError>;
  if (typeof e?.code !== 'number') return toDomainError(error);
  const field = e.metadata?.get(FIELD_KEY)[0];
  const parts: StatusParts = {
    code: e.code,
    message: e.details ?? '',
    field: typeof field === 'string' ? field : undefined,
    rateLimit: parseRateLimit(e.metadata?.get(RATE_LIMIT_KEY)[0]),
  };
  return fromStatusParts(parts, error);
}

/** A failed item of a batched call, in the shape of the protos' ItemError. */
export interface ItemErrorParts {
  code: number;
  message: string;
  field: string;
  rateLimit: RateLimit | undefined;
}

export function toItemError(error: unknown): ItemErrorParts {
  const { code, message, field, rateLimit } = toStatusParts(error);
  return { code, message, field: field ?? '', rateLimit };
}

export function fromItemError(item: ItemErrorParts): DomainError {
  return fromStatusParts(item);
}

function parseRateLimit(value: unknown): RateLimit | undefined {
  if (typeof value !== 'string' || !/^\d+\/\d+\/\d+$/.test(value)) return undefined;
  const [limit, windowSeconds, retryAfterSeconds] = value.split('/').map(Number) as [number, number, number];
  return { limit, windowSeconds, retryAfterSeconds };
}

const defaultMessage: Record<ErrorCode, string> = {
  invalid: 'Invalid request.',
  unauthenticated: 'Log in first.',
  forbidden: 'Not allowed.',
  not_found: 'Not found.',
  conflict: 'Conflict.',
  rate_limited: 'Too many requests; try again later.',
  unavailable: 'The service is unavailable; try again in a moment.',
  insufficient_storage: 'The server is out of storage space.',
  internal: 'Something went wrong on our side.',
};
