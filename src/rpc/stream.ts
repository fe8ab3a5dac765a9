import { once } from 'node:events';
import { type Client, type ClientReadableStream, type handleServerStreamingCall, Metadata, status } from '@grpc/grpc-js';
import type { DomainError } from '../domain/errors.js';
import { fromServiceError, toServiceError } from './status.js';

/**
 * Turns an async iterable into a grpc-js server-streaming handler. The
 * iterable is given a signal that aborts when the caller cancels or goes
 * away, or when `stop` aborts (the server is draining: the stream then
 * ends with UNAVAILABLE, so the caller reconnects elsewhere). Writes wait
 * for the transport to drain, so a slow caller slows the iteration (whose
 * own bound then drops it) instead of growing grpc-js's buffer. Ends with
 * OK when the iterable ends, or with the error it throws (as unary does).
 */
export function serverStream<Req, Res>(
  handler: (request: Req, signal: AbortSignal) => AsyncIterable<Res>,
  onInternalError: (error: unknown) => void,
  stop?: AbortSignal,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    call.on('cancelled', abort);
    call.on('close', abort);
    stop?.addEventListener('abort', abort, { once: true });
    void (async () => {
      try {
        if (stop?.aborted) throw Object.assign(new Error('draining'), { code: status.UNAVAILABLE });
        for await (const message of handler(call.request, controller.signal)) {
          if (!call.write(message)) await once(call, 'drain', { signal: controller.signal });
        }
        if (stop?.aborted) {
          call.emit('error', { code: status.UNAVAILABLE, details: 'The instance is shutting down.' });
          return;
        }
        if (!call.cancelled) call.end();
      } catch (error) {
        if (call.cancelled) return;
        if ((error as { code?: unknown }).code === status.UNAVAILABLE || stop?.aborted) {
          call.emit('error', { code: status.UNAVAILABLE, details: 'The instance is shutting down.' });
          return;
        }
        const answer = toServiceError(error);
        if (answer.code === status.INTERNAL) onInternalError(error);
        call.emit('error', answer);
      } finally {
        stop?.removeEventListener('abort', abort);
      }
    })();
  };
}

type ServerStreamMethod<Req, Res> = (request: Req, metadata: Metadata) => ClientReadableStream<Res>;

/**
 * Calls a generated server-streaming client method; yields its messages
 * until the server ends the stream (the iteration ends) or `signal`
 * aborts (the call is cancelled and the iteration ends). A failure becomes
 * the service's DomainError. Like callUnary, the call waits for a
 * connection to some instance; there is no deadline, the stream lives
 * until one side ends it.
 */
export async function* callServerStream<Req, Res>(
  client: Client,
  method: ServerStreamMethod<Req, Res>,
  request: Req,
  signal: AbortSignal,
): AsyncGenerator<Res> {
  if (signal.aborted) return;
  const call = method.call(client, request, new Metadata({ waitForReady: true }));
  const cancel = () => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const message of call) yield message as Res;
  } catch (error) {
    if (signal.aborted) return;
    throw fromServiceError(error) satisfies DomainError;
  } finally {
    signal.removeEventListener('abort', cancel);
    call.cancel();
  }
}
