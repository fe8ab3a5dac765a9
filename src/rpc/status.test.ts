import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { DomainError, errorCodes } from '../domain/errors.js';
import { fromItemError, fromServiceError, toItemError, toServiceError } from './status.js';

/** What a client sees: the adapter's answer as grpc-js hands it over (a ServiceError). */
const overTheWire = (error: unknown): ServiceError => Object.assign(new Error('wire'), toServiceError(error)) as ServiceError;

describe('gRPC status table', () => {
  it('brings every domain code back as itself, with field and rate limit', () => {
    const rateLimit = { limit: 5, windowSeconds: 1800, retryAfterSeconds: 42 };
    for (const code of errorCodes) {
      const sent = new DomainError(code, `the ${code} message`, { field: 'username', rateLimit });
      const received = fromServiceError(overTheWire(sent));
      assert.equal(received.code, code);
      assert.equal(received.field, 'username', code);
      assert.deepEqual(received.rateLimit, rateLimit, code);
      // The service's own words survive, except where the status may come from the transport instead.
      const transportToo = code === 'unavailable' || code === 'internal' || code === 'insufficient_storage';
      assert.equal(received.message === sent.message, !transportToo, code);
    }
  });

  it('gives every domain code a status of its own', () => {
    const statuses = errorCodes.map((code) => toServiceError(new DomainError(code, 'm')).code);
    assert.equal(new Set(statuses).size, errorCodes.length);
    assert.ok(!statuses.includes(status.OK));
  });

  it('sends no trailers an error does not have', () => {
    const sent = toServiceError(new DomainError('not_found', 'No such post.'));
    assert.deepEqual(sent.metadata?.toJSON(), {});
    const received = fromServiceError(Object.assign(new Error('wire'), sent));
    assert.equal(received.field, undefined);
    assert.equal(received.rateLimit, undefined);
  });

  it('answers anything that is not a DomainError as internal, without its message', () => {
    const sent = toServiceError(new Error('ECONNRESET at 10.0.0.3'));
    assert.equal(sent.code, status.INTERNAL);
    assert.doesNotMatch(sent.details ?? '', /ECONNRESET/);
  });

  it('turns statuses no service sends into internal, and passed deadlines into unavailable', () => {
    for (const code of [status.UNKNOWN, status.UNIMPLEMENTED, status.DATA_LOSS, 99]) {
      const received = fromServiceError({ code, details: 'grpc-js internals', metadata: new Metadata() });
      assert.equal(received.code, 'internal', `status ${code}`);
      assert.equal(received.message, 'Something went wrong on our side.');
    }
    for (const code of [status.DEADLINE_EXCEEDED, status.CANCELLED]) {
      const received = fromServiceError({ code, details: 'Deadline exceeded', metadata: new Metadata() });
      assert.equal(received.code, 'unavailable', `status ${code}`);
      assert.notEqual(received.message, 'Deadline exceeded');
    }
  });

  it('ignores a malformed rate-limit trailer', () => {
    for (const value of ['5/1800', 'five/1800/42', '5/1800/42/1', '']) {
      const metadata = new Metadata();
      metadata.set('chorus-rate-limit', value);
      const received = fromServiceError({ code: status.RESOURCE_EXHAUSTED, details: 'Slow down.', metadata });
      assert.equal(received.code, 'rate_limited');
      assert.equal(received.rateLimit, undefined, value);
    }
  });

  it('wraps an error that carries no status (not from the wire) as internal, keeping the cause', () => {
    const cause = new TypeError('bug');
    const received = fromServiceError(cause);
    assert.equal(received.code, 'internal');
    assert.equal(received.cause, cause);
  });

  it('states a failed batch item as the same status a failed call would have', () => {
    const rateLimit = { limit: 5, windowSeconds: 1800, retryAfterSeconds: 42 };
    for (const code of errorCodes) {
      const sent = new DomainError(code, `the ${code} message`, { field: 'text', rateLimit });
      const item = toItemError(sent);
      assert.equal(item.code, toServiceError(sent).code, code);
      const parts = ({ code, message, field, rateLimit }: DomainError) => ({ code, message, field, rateLimit });
      assert.deepEqual(parts(fromItemError(item)), parts(fromServiceError(overTheWire(sent))), code);
    }
    const plain = toItemError(new DomainError('unauthenticated', 'Log in first.'));
    assert.deepEqual(plain, { code: status.UNAUTHENTICATED, message: 'Log in first.', field: '', rateLimit: undefined });
    assert.equal(fromItemError(plain).field, undefined);
    assert.equal(fromItemError({ code: 99, message: 'odd', field: '', rateLimit: undefined }).code, 'internal');
  });
});
