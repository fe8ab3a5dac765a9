import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
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
  internal: status.INTERNAL,
};

const fromGrpc = new Map<status, ErrorCode>(
  Object.entries(toGrpc).map(([code, grpcStatus]) => [grpcStatus, code as ErrorCode]),
);
// A deadline that passed leaves the outcome unknown, like an unreachable peer.
fromGrpc.set(status.DEADLINE_EXCEEDED, 'unavailable');
fromGrpc.set(status.CANCELLED, 'unavailable');

/** Trailer carrying DomainError.field, so a form can show the message beside its field. */
const FIELD_KEY = 'chorus-field';
/** Trailer carrying DomainError.rateLimit as "limit/windowSeconds/retryAfterSeconds". */
const RATE_LIMIT_KEY = 'chorus-rate-limit';

/** What a service adapter sends back for any error its logic threw. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const domain = toDomainError(error);
  const metadata = new Metadata();
  if (domain.field) metadata.set(FIELD_KEY, domain.field);
  const rate = domain.rateLimit;
  if (rate) metadata.set(RATE_LIMIT_KEY, `${rate.limit}/${rate.windowSeconds}/${rate.retryAfterSeconds}`);
  return { code: toGrpc[domain.code], details: domain.message, metadata };
}

/** What a client throws for a failed call: the service's DomainError, as close as the wire allows. */
export function fromServiceError(error: unknown): DomainError {
  const e = error as Partial<ServiceError>;
  if (typeof e?.code !== 'number') return toDomainError(error);
  const code = fromGrpc.get(e.code) ?? 'internal';
  const field = e.metadata?.get(FIELD_KEY)[0];
  // Messages of transport failures come from grpc-js, not from our services, so they are not shown.
  const fromService = toGrpc[code] === e.code && code !== 'unavailable' && code !== 'internal';
  const message = fromService && e.details ? e.details : defaultMessage[code];
  return new DomainError(code, message, {
    cause: error,
    field: typeof field === 'string' ? field : undefined,
    rateLimit: parseRateLimit(e.metadata?.get(RATE_LIMIT_KEY)[0]),
  });
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
  internal: 'Something went wrong on our side.',
};
