/**
 * How the etcd engine reads a failed call: from the gRPC status code
 * (which etcd3 turns into one of its error classes) and, where one code
 * covers cases that need different handling, etcd's documented error text.
 */
import { status } from '@grpc/grpc-js';
import {
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  GRPCAbortedError,
  GRPCAlreadyExistsError,
  GRPCCancelledError,
  GRPCDataLossError,
  GRPCDeadlineExceededError,
  GRPCFailedPreconditionError,
  GRPCInternalError,
  GRPCInvalidArgumentError,
  GRPCNotFoundError,
  GRPCNotImplementedError,
  GRPCOutOfRangeError,
  GRPCResourceExhastedError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  GRPCUnknownError,
} from 'etcd3';
import { DomainError, outOfStorage } from '../domain/errors.js';

/** A stream that etcd closed before answering: whatever it carried may or may not have taken effect. */
export class StreamEndedError extends Error {
  override readonly name = 'StreamEndedError';
  constructor(what: string) {
    super(`${what} stream ended before an answer`);
  }
}

export type EtcdFailure = { kind: 'final'; error: DomainError } | { kind: 'not-sent' } | { kind: 'unknown-outcome' };

/**
 * The gRPC status codes behind etcd3's error classes. etcd3 replaces the
 * gRPC error it gets with an instance of one of these, keeping the message
 * but not `code` or `details`, so the class is how the code is recovered.
 * Stream errors (watch, lease keep-alive) arrive uncast, with `code`.
 */
const STATUS_OF_CLASS: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, status]> = [
  [GRPCCancelledError, status.CANCELLED],
  [GRPCUnknownError, status.UNKNOWN],
  [GRPCInvalidArgumentError, status.INVALID_ARGUMENT],
  [GRPCDeadlineExceededError, status.DEADLINE_EXCEEDED],
  [GRPCNotFoundError, status.NOT_FOUND],
  [GRPCAlreadyExistsError, status.ALREADY_EXISTS],
  [EtcdPermissionDeniedError, status.PERMISSION_DENIED],
  [GRPCResourceExhastedError, status.RESOURCE_EXHAUSTED],
  [GRPCFailedPreconditionError, status.FAILED_PRECONDITION],
  [GRPCAbortedError, status.ABORTED],
  [GRPCOutOfRangeError, status.OUT_OF_RANGE],
  [GRPCNotImplementedError, status.UNIMPLEMENTED],
  [GRPCInternalError, status.INTERNAL],
  [GRPCUnavailableError, status.UNAVAILABLE],
  [GRPCDataLossError, status.DATA_LOSS],
  [GRPCUnauthenticatedError, status.UNAUTHENTICATED],
];

/**
 * Where one gRPC status code covers failures that need different
 * handling, etcd's error text (its rpctypes, which etcd's own Go client
 * also matches on) and grpc-js's tell them apart.
 */
const DETAILS = {
  /** grpc-js: no connection to the member, so the call was never sent. */
  noConnection: 'No connection established',
  /** grpc-js: the channel was closed before the call started. */
  channelClosed: 'Channel closed before call started',
  /** Refused by the member before proposing: no quorum leader to send it to. */
  noLeader: 'etcdserver: no leader',
  /** Refused by the member before proposing: the cluster version lacks the feature. */
  notCapable: 'etcdserver: not capable',
  /** Refused by the member before proposing: its apply queue is too long (RESOURCE_EXHAUSTED). */
  tooManyRequests: 'etcdserver: too many requests',
  /** The backend quota alarm is raised: no write applies until an operator frees space (RESOURCE_EXHAUSTED). */
  noSpace: 'etcdserver: mvcc: database space exceeded',
  /** The member's own context timed out (UNKNOWN): it may have proposed the request already. */
  memberDeadline: 'context deadline exceeded',
} as const;

/** The gRPC status of an error from etcd3 or grpc-js, if it carries one. */
function grpcStatus(error: unknown): { code: status; details: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const raw = error as Error & { code?: unknown; details?: unknown };
  if (typeof raw.code === 'number' && typeof raw.details === 'string') return { code: raw.code, details: raw.details };
  const code = STATUS_OF_CLASS.find(([type]) => error instanceof type)?.[1];
  if (code === undefined) return undefined;
  // grpc-js writes "<code> <NAME>: <details>"; etcd3 keeps that message.
  const prefix = `${code} ${status[code]}: `;
  return { code, details: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message };
}

/**
 * Sorts an error from etcd3/gRPC into: a final answer, a request that never left, or an unknown outcome.
 * - `final`: the answer for this call, already a DomainError (`invalid` for a
 *   request etcd or grpc-js refuses as too large, `not_found` for an expired
 *   lease, `internal` for anything unexpected, such as permission denied).
 * - `not-sent`: the member never took the request; safe to send to another.
 * - `unknown-outcome`: the member may have applied it; only reads may retry.
 */
export function classifyEtcdFailure(error: unknown): EtcdFailure {
  if (error instanceof DomainError) return { kind: 'final', error };
  if (error instanceof EtcdLeaseInvalidError) {
    return { kind: 'final', error: new DomainError('not_found', 'The lease has expired.', { cause: error }) };
  }
  if (error instanceof StreamEndedError) return { kind: 'unknown-outcome' };
  const grpc = grpcStatus(error);
  switch (grpc?.code) {
    case status.INVALID_ARGUMENT:
      // limits.ts refuses these first; etcd's own check (too many operations, too large, a key twice) is the backstop.
      return { kind: 'final', error: new DomainError('invalid', 'The store refused the request as too large.', { cause: error }) };
    case status.RESOURCE_EXHAUSTED:
      if (grpc.details === DETAILS.tooManyRequests) return { kind: 'not-sent' };
      if (grpc.details === DETAILS.noSpace) {
        return { kind: 'final', error: outOfStorage(error) };
      }
      // grpc-js refusing a message over its size limit, in either direction.
      return { kind: 'final', error: new DomainError('invalid', 'The request is too large.', { cause: error }) };
    case status.UNAVAILABLE:
      if (
        grpc.details.startsWith(DETAILS.noConnection) ||
        grpc.details === DETAILS.channelClosed ||
        grpc.details === DETAILS.noLeader ||
        grpc.details === DETAILS.notCapable
      ) {
        return { kind: 'not-sent' };
      }
      // A dropped connection, etcd's own "request timed out", "leader changed", "server stopped".
      return { kind: 'unknown-outcome' };
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      return { kind: 'unknown-outcome' };
    case status.UNKNOWN:
      // Seen in the chaos run on a starved machine: a member past its deadline answers UNKNOWN, not DEADLINE_EXCEEDED.
      if (grpc.details.includes(DETAILS.memberDeadline)) return { kind: 'unknown-outcome' };
      return { kind: 'final', error: new DomainError('internal', 'Something went wrong on our side.', { cause: error }) };
    default:
      return { kind: 'final', error: new DomainError('internal', 'Something went wrong on our side.', { cause: error }) };
  }
}
