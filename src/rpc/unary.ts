import { type CallOptions, type Client, type handleUnaryCall, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { currentRequestId, isValidRequestId, REQUEST_ID_HEADER, runWithRequestId } from '../clients/request-id.js';
import { type DomainError, invalid } from '../domain/errors.js';
import { findUnpairedSurrogate } from '../domain/text-rules.js';
import { fromServiceError, toServiceError } from './status.js';

/**
 * Turns an async function into a grpc-js unary handler that answers
 * DomainErrors with their status. It runs as part of the caller's request
 * (its x-request-id), so its log lines carry that id; a call without a valid
 * one runs without.
 */
export function unary<Req, Res>(
  handler: (request: Req) => Promise<Res>,
  onInternalError: (error: unknown) => void,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const requestId = call.metadata.get(REQUEST_ID_HEADER)[0];
    if (isValidRequestId(requestId)) runWithRequestId(requestId, () => serve(call.request, callback));
    else serve(call.request, callback);
  };

  function serve(request: Req, callback: Parameters<handleUnaryCall<Req, Res>>[1]): void {
    handler(request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const answer = toServiceError(error);
        if (answer.code === status.INTERNAL) onInternalError(error);
        callback(answer);
      },
    );
  }
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/**
 * Calls a generated client method with a deadline; failures become the
 * service's DomainError. The call waits for a connection to some instance
 * instead of failing at once while none is up (say, one instance
 * restarting and the other's connection still being re-established): a
 * call that has not left the client is safe to hold for any method, and
 * the deadline still bounds the wait.
 */
export function callUnary<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
  // Protobuf strings are UTF-8: the encoder would silently send half a character as U+FFFD, so it is refused here,
  // as the service itself refuses it from an in-process caller.
  const malformed = findUnpairedSurrogate(request);
  if (malformed) return Promise.reject(invalid('The request is not valid Unicode: it has an unpaired surrogate.', malformed.field));
  return new Promise<Res>((resolve, reject) => {
    const metadata = new Metadata({ waitForReady: true });
    // The request this call serves, so the service's log lines about it can be found by its id.
    const requestId = currentRequestId();
    if (requestId !== undefined) metadata.set(REQUEST_ID_HEADER, requestId);
    method.call(client, request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(fromServiceError(error) satisfies DomainError) : resolve(response),
    );
  });
}
