import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordParser } from '../../src/kv/record-parser.js';
import { parseAccount, parsePost, parsePublicAccount, parseSession } from '../../src/kv/records.js';

interface Sample {
  name: string;
  count: number;
  note?: string;
}

const parseSample = recordParser<Sample>('sample', { name: 'string', count: 'number', note: 'string?' });

describe('recordParser', () => {
  it('returns only the listed fields, leaving an absent optional field absent', () => {
    assert.deepEqual(parseSample('{"name":"a","count":1,"extra":true}'), { name: 'a', count: 1 });
    assert.deepEqual(parseSample('{"name":"a","count":1,"note":"n"}'), { name: 'a', count: 1, note: 'n' });
    assert.ok(!('note' in parseSample('{"name":"a","count":1}')));
  });

  it('throws naming the record and the field when a field is missing or of the wrong type', () => {
    assert.throws(() => parseSample('{"count":1}'), /malformed sample record: name is not a string/);
    assert.throws(() => parseSample('{"name":"a","count":"1"}'), /malformed sample record: count is not a number/);
    assert.throws(() => parseSample('{"name":"a","count":1,"note":5}'), /note is not a string/);
    assert.throws(() => parseSample('[1]'), /malformed sample record/);
    assert.throws(() => parseSample('null'), /malformed sample record/);
    assert.throws(() => parseSample('{'), SyntaxError);
  });

  it('checks at compile time that the shape lists exactly the interface fields', () => {
    // @ts-expect-error `count` is missing from the shape.
    recordParser<Sample>('sample', { name: 'string', note: 'string?' });
    // @ts-expect-error `note` is optional, so its spec needs the `?`.
    recordParser<Sample>('sample', { name: 'string', count: 'number', note: 'string' });
    // @ts-expect-error `count` is a number.
    recordParser<Sample>('sample', { name: 'string', count: 'string', note: 'string?' });
  });
});

describe('records', () => {
  it('reads the stored records and refuses corrupt ones', () => {
    const account = { username: 'ann', createdAtMs: 1, passwordHash: '$argon2id$…' };
    assert.deepEqual(parseAccount(JSON.stringify(account)), account);
    assert.deepEqual(parsePublicAccount(JSON.stringify(account)), { username: 'ann', createdAtMs: 1 });
    const session = {
      username: 'ann',
      accountCreatedAtMs: 1,
      createdAtMs: 2,
      leaseId: '7',
      lastSeenMs: 3,
      idleTimeoutMs: 4,
      userAgent: 'ua',
    };
    assert.deepEqual(parseSession(JSON.stringify(session)), session);
    assert.throws(() => parseSession(JSON.stringify({ ...session, leaseId: 7 })), /malformed session record: leaseId/);
    assert.throws(() => parsePost('{"id":"x","author":"ann","text":"hi"}'), /malformed post record: createdAtMs/);
  });
});
