import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError, guard } from '../../src/domain/errors.js';
import { eventually } from '../helpers/eventually.js';

describe('guard', () => {
  it('passes results and DomainErrors through and turns anything else into internal, keeping the cause', async () => {
    assert.equal(await guard(async () => 42), 42);
    const own = new DomainError('not_found', 'No such user.');
    await assert.rejects(
      guard(async () => {
        throw own;
      }),
      (e: unknown) => e === own,
    );
    const bug = new TypeError('x is undefined');
    await assert.rejects(
      guard(async () => {
        throw bug;
      }),
      (e: unknown) => e instanceof DomainError && e.code === 'internal' && e.cause === bug && !e.message.includes('undefined'),
    );
  });
});

describe('eventually', () => {
  it('resolves once the check holds', async () => {
    let calls = 0;
    await eventually(() => ++calls === 3, { intervalMs: 1 });
    assert.equal(calls, 3);
  });

  it('fails after the timeout, naming what it waited for, and passes a check error on', async () => {
    await assert.rejects(
      eventually(() => false, { timeoutMs: 30, intervalMs: 5, what: 'pigs to fly' }),
      /pigs to fly/,
    );
    await assert.rejects(
      eventually(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
  });
});
