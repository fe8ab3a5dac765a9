import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSync } from '@grpc/proto-loader';
import fc from 'fast-check';
import { decodeRangeResponse, encodeRangeRequest } from './etcd-range.js';

/**
 * The reference: the etcd3 client's own codec, protobufjs over the proto
 * files it ships (with the options it loads them with), which is what
 * these functions replace on the listing path.
 */
const protoFile = path.join(path.dirname(createRequire(import.meta.url).resolve('etcd3/package.json')), 'proto', 'rpc.proto');
const definition = loadSync(protoFile, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const range = (definition['etcdserverpb.KV'] as unknown as Record<string, Record<string, unknown>>).Range!;
const serializeResponse = range.responseSerialize as (response: unknown) => Buffer;
const deserializeRequest = range.requestDeserialize as (bytes: Buffer) => Record<string, unknown>;

const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
/** Revisions, versions and counts: etcd's are int64, but the decoder holds them as numbers, exact below 2^53. */
const number = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.maxSafeNat());
const keyValue = fc.record({
  key: fc.string({ unit: 'grapheme', minLength: 1 }),
  value: fc.string({ unit: 'grapheme' }),
  createRevision: number,
  modRevision: number,
  version: number,
  lease: fc.oneof(fc.constant('0'), uint64),
});

describe('etcd Range codec', () => {
  it('decodes what the etcd3 client encodes: every field, numbers exact, 64-bit ids in decimal', () => {
    fc.assert(
      fc.property(
        fc.array(keyValue, { maxLength: 20 }),
        fc.boolean(),
        number,
        number,
        uint64,
        (items, more, count, revision, clusterId) => {
          const bytes = serializeResponse({
            header: { cluster_id: clusterId, member_id: '10276657743932975437', revision, raft_term: 7 },
            kvs: items.map((kv) => ({
              key: Buffer.from(kv.key),
              value: Buffer.from(kv.value),
              create_revision: kv.createRevision,
              mod_revision: kv.modRevision,
              version: kv.version,
              lease: kv.lease,
            })),
            more,
            count,
          });
          assert.deepEqual(decodeRangeResponse(bytes), { revision, clusterId, items: items.map((kv) => ({ ...kv })), more, count });
        },
      ),
    );
  });

  it('encodes requests the etcd3 client reads back as sent', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
        fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()),
        fc.boolean(),
        (key, rangeEnd, limit, countOnly) => {
          const call = { key: Buffer.from(key), rangeEnd: rangeEnd && Buffer.from(rangeEnd), limit, countOnly };
          const read = deserializeRequest(encodeRangeRequest(call));
          assert.deepEqual(read.key, call.key);
          assert.deepEqual(read.range_end, call.rangeEnd ?? Buffer.alloc(0));
          assert.equal(read.limit, String(limit));
          assert.equal(read.count_only, countOnly);
          assert.equal(read.serializable, false, 'listing reads stay linearizable');
        },
      ),
    );
  });

  it('skips fields it does not know, as protobuf requires', () => {
    const known = serializeResponse({
      header: { revision: 9 },
      kvs: [{ key: Buffer.from('k'), value: Buffer.from('v'), mod_revision: 3 }],
    });
    // Field 15 of each wire type: a varint, a 64-bit, a length-delimited and a 32-bit value.
    const unknown = Buffer.from([
      15 << 3,
      0x96,
      0x01,
      (15 << 3) | 1,
      ...new Array(8).fill(7),
      (15 << 3) | 2,
      2,
      0xaa,
      0xbb,
      (15 << 3) | 5,
      1,
      2,
      3,
      4,
    ]);
    const decoded = decodeRangeResponse(Buffer.concat([unknown, known, unknown]));
    assert.equal(decoded.revision, 9);
    assert.deepEqual(
      decoded.items.map((kv) => [kv.key, kv.value, kv.modRevision]),
      [['k', 'v', 3]],
    );
  });

  it('refuses a truncated message or a number past 2^53 instead of reading it wrong', () => {
    const bytes = serializeResponse({ header: { revision: 9 }, kvs: [{ key: Buffer.from('key'), value: Buffer.from('value') }] });
    for (let end = 1; end < bytes.length; end++) {
      // Cut before the key-value, the message is shorter but well formed; cut inside it, it must throw.
      let items: number;
      try {
        items = decodeRangeResponse(bytes.subarray(0, end)).items.length;
      } catch {
        continue;
      }
      assert.equal(items, 0, `a cut at byte ${end} read as a key-value`);
    }
    const huge = serializeResponse({ header: { revision: '9007199254740993' } });
    assert.throws(() => decodeRangeResponse(huge), /2\^53/);
  });
});
