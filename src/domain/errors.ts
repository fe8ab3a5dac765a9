/**
 * The one error type of Chorus. Services throw only DomainError; storage
 * translates engine failures into it; the gRPC and HTTP edges map its code
 * once each (services/grpc-status.ts and clients/ for gRPC, web/errors.ts
 * for HTTP).
 */
export const errorCodes = [
  'invalid',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
  /** The store is out of space (etcd's NOSPACE alarm, a full disk): writes fail until an operator frees some; reads still work. */
  'insufficient_storage',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** What a `rate_limited` error tells the client about the limit it hit. */
export interface RateLimit {
  /** Attempts allowed per window. */
  limit: number;
  windowSeconds: number;
  /** When the next attempt can succeed. */
  retryAfterSeconds: number;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';

  /** `message` is shown to users as it is, so it must never carry internals. */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; field?: string; rateLimit?: RateLimit },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.field = options?.field;
    this.rateLimit = options?.rateLimit;
  }

  /** The input field at fault, so forms can show the message beside it. */
  readonly field: string | undefined;
  /** Set on `rate_limited` errors. */
  readonly rateLimit: RateLimit | undefined;
}

export const invalid = (message: string, field?: string) => new DomainError('invalid', message, { field });

export const notFound = (message: string) => new DomainError('not_found', message);

/** What every write says while the store is full: the same words on every path, so users and logs match. */
export const OUT_OF_STORAGE_MESSAGE = 'The server is out of storage space.';

export const outOfStorage = (cause: unknown) => new DomainError('insufficient_storage', OUT_OF_STORAGE_MESSAGE, { cause });

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Wraps anything that is not already a DomainError as `internal`, keeping it as the cause. */
export function toDomainError(error: unknown): DomainError {
  if (isDomainError(error)) return error;
  return new DomainError('internal', 'Something went wrong on our side.', { cause: error });
}

/**
 * Runs a service call so that it rejects only with DomainError: anything
 * else it throws (a bug, a corrupt record) becomes `internal`, with the
 * original kept as the cause for the log. Every public method of a
 * service wraps its body in this, so the gRPC edge needs no other mapping.
 */
export async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toDomainError(error);
  }
}
