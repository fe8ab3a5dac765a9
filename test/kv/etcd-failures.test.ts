import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { castGrpcError, EtcdLeaseInvalidError } from 'etcd3';
import { DomainError } from '../../src/domain/errors.js';
import { classifyEtcdFailure, StreamEndedError } from '../../src/kv/etcd-failures.js';

/** An error as grpc-js makes it (message "<code> <NAME>: <details>", with code and details). */
function grpcError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

/** The same error after etcd3's unary-call wrapper, which keeps only the message and the class. */
const viaEtcd3 = (code: status, details: string) => castGrpcError(grpcError(code, details));

const kindOf = (error: unknown) => classifyEtcdFailure(error).kind;
function finalCode(error: unknown): string {
  const failure = classifyEtcdFailure(error);
  assert.equal(failure.kind, 'final');
  assert.ok(failure.kind === 'final' && failure.error instanceof DomainError);
  assert.equal(failure.error.cause, error instanceof DomainError ? undefined : error);
  return failure.error.code;
}

describe('classifyEtcdFailure', () => {
  for (const [name, wrap] of [
    ['etcd3-wrapped', viaEtcd3],
    ['raw grpc-js (streams)', grpcError],
  ] as const) {
    describe(name, () => {
      it('retries on another member only what never reached one', () => {
        const noConnection = 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:2379. Resolution note: ';
        assert.equal(kindOf(wrap(status.UNAVAILABLE, noConnection)), 'not-sent');
        assert.equal(kindOf(wrap(status.UNAVAILABLE, 'etcdserver: no leader')), 'not-sent');
        assert.equal(kindOf(wrap(status.UNAVAILABLE, 'etcdserver: not capable')), 'not-sent');
        assert.equal(kindOf(wrap(status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests')), 'not-sent');
      });

      it('treats a call that may have applied as an unknown outcome', () => {
        for (const details of [
          'Connection dropped',
          'etcdserver: request timed out',
          'etcdserver: leader changed',
          'etcdserver: server stopped',
          'etcdserver: request timed out, possibly due to previous leader failure',
        ]) {
          assert.equal(kindOf(wrap(status.UNAVAILABLE, details)), 'unknown-outcome', details);
        }
        assert.equal(kindOf(wrap(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 2.001s')), 'unknown-outcome');
        assert.equal(kindOf(wrap(status.CANCELLED, 'Cancelled on client')), 'unknown-outcome');
        assert.equal(kindOf(wrap(status.UNKNOWN, 'context deadline exceeded')), 'unknown-outcome', "a member's own timeout");
        assert.equal(kindOf(wrap(status.UNKNOWN, 'something else')), 'final', 'any other UNKNOWN stays internal');
      });

      it('refuses requests over the limits as invalid', () => {
        assert.equal(finalCode(wrap(status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request')), 'invalid');
        assert.equal(finalCode(wrap(status.INVALID_ARGUMENT, 'etcdserver: request is too large')), 'invalid');
        assert.equal(finalCode(wrap(status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request')), 'invalid');
        assert.equal(finalCode(wrap(status.RESOURCE_EXHAUSTED, 'Sent message larger than max (2097152 vs. 1572864)')), 'invalid');
      });

      it('reports a full store as insufficient_storage without retrying it', () => {
        assert.equal(finalCode(wrap(status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded')), 'insufficient_storage');
      });

      it('makes everything else internal', () => {
        assert.equal(finalCode(wrap(status.PERMISSION_DENIED, 'etcdserver: permission denied')), 'internal');
        assert.equal(finalCode(wrap(status.INTERNAL, 'Received RST_STREAM with code 2')), 'internal');
        assert.equal(finalCode(wrap(status.FAILED_PRECONDITION, 'etcdserver: not leader')), 'internal');
      });
    });
  }

  it('maps an expired lease to not_found and keeps DomainErrors as they are', () => {
    assert.equal(finalCode(castGrpcError(grpcError(status.NOT_FOUND, 'etcdserver: requested lease not found'))), 'not_found');
    assert.equal(finalCode(new EtcdLeaseInvalidError('42')), 'not_found');
    const own = new DomainError('invalid', 'A key must not be empty.');
    const failure = classifyEtcdFailure(own);
    assert.ok(failure.kind === 'final' && failure.error === own);
  });

  it('treats a stream that ended unanswered as an unknown outcome, and a plain error as internal', () => {
    assert.equal(kindOf(new StreamEndedError('lease keep-alive')), 'unknown-outcome');
    assert.equal(finalCode(new Error('UNAVAILABLE: looks like a status but is not one')), 'internal');
  });
});
