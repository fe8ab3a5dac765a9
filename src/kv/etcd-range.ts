/**
 * etcd's Range RPC, encoded and decoded here instead of by the etcd3
 * client, but sent on that client's own gRPC channel (its TLS credentials)
 * with its own auth token. A listing reads ~1.5M keys at start-up, and the
 * client's path (protobufjs's reflective decoder, every 64-bit integer
 * made into a `Long` then a string, a Buffer per key and value) was most
 * of the listing's CPU after putting keys into the view
 * (docs/performance.md, "Issue 13: a faster cold start and restart").
 * Here a response is read in one pass over the message's bytes: numbers
 * become plain numbers (revisions, versions and counts stay far below
 * 2^53), keys and values strings, and nothing else is allocated.
 *
 * The wire format is protobuf's (field number and type in a varint tag,
 * then a varint or a length and bytes); the fields are those of etcd's
 * rpc.proto and kv.proto (etcd3's proto/ holds the same files).
 */
import { Etcd3, EtcdInvalidAuthTokenError } from 'etcd3';
import { type KeyValue, NO_LEASE } from './kv.js';

export interface RangeCall {
  key: Buffer;
  /** Exclusive end of the range; absent for the one key. */
  rangeEnd?: Buffer;
  /** At most this many keys; 0 or absent for all. */
  limit?: number;
  /** Only the count (and the header), no keys. */
  countOnly?: boolean;
}

export interface RangeAnswer {
  /** The store revision the range was read at. */
  revision: number;
  /** The cluster's id, in decimal (it is a uint64). */
  clusterId: string;
  items: KeyValue[];
  more: boolean;
  /** Keys in the range, ignoring the limit. */
  count: number;
}

const METHOD = '/etcdserverpb.KV/Range';

/**
 * The etcd3 client with a Range call of its own (see the file's comment).
 * Everything else (txns, leases, watches, status) goes through the
 * client's own calls as before.
 */
export class EtcdClient extends Etcd3 {
  /**
   * One Range call on this client's channel. Errors are the client's own
   * error classes (etcd-failures.ts reads them), as for its calls. An auth
   * token that expired is renewed once and the call made again, as the
   * client does for its own calls.
   */
  async rawRange(call: RangeCall, deadline: Date): Promise<RangeAnswer> {
    const request = encodeRangeRequest(call);
    try {
      return await this.#call(request, deadline);
    } catch (error) {
      if (!(error instanceof EtcdInvalidAuthTokenError)) throw error;
      // The client renews its token when one of its own calls meets this error; a count of the same key is the cheapest such call.
      await this.kv.range({ key: call.key, count_only: true }, { deadline });
      return this.#call(request, deadline);
    }
  }

  #call(request: Buffer, deadline: Date): Promise<RangeAnswer> {
    return this.pool.withConnection(
      'KV',
      ({ client, metadata }) =>
        new Promise<RangeAnswer>((resolve, reject) => {
          client.makeUnaryRequest(METHOD, identity, decodeRangeResponse, request, metadata, { deadline }, (error, answer) => {
            if (error) reject(error);
            else resolve(answer!);
          });
        }),
    );
  }
}

function identity(bytes: Buffer): Buffer {
  return bytes;
}

const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

/** RangeRequest: key = 1, range_end = 2, limit = 3, count_only = 9 (a read is linearizable: serializable, 7, stays false). */
export function encodeRangeRequest(call: RangeCall): Buffer {
  const parts: number[] = [];
  const bytesField = (field: number, bytes: Buffer) => {
    pushVarint(parts, (field << 3) | BYTES);
    pushVarint(parts, bytes.length);
    for (const byte of bytes) parts.push(byte);
  };
  bytesField(1, call.key);
  if (call.rangeEnd !== undefined) bytesField(2, call.rangeEnd);
  if (call.limit) {
    pushVarint(parts, (3 << 3) | VARINT);
    pushVarint(parts, call.limit);
  }
  if (call.countOnly) parts.push((9 << 3) | VARINT, 1);
  return Buffer.from(parts);
}

function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/**
 * RangeResponse: header = 1 (ResponseHeader: cluster_id = 1, revision =
 * 3), kvs = 2 (KeyValue), more = 3, count = 4. Unknown fields are skipped,
 * as protobuf requires. Throws on a malformed message (grpc-js then fails
 * the call with INTERNAL).
 */
export function decodeRangeResponse(bytes: Buffer): RangeAnswer {
  const reader = new WireReader(bytes);
  const answer: RangeAnswer = { revision: 0, clusterId: '0', items: [], more: false, count: 0 };
  while (reader.pos < bytes.length) {
    const tag = reader.varint();
    switch (tag) {
      case (1 << 3) | BYTES: {
        const end = reader.end();
        while (reader.pos < end) {
          const headerTag = reader.varint();
          if (headerTag === ((1 << 3) | VARINT)) answer.clusterId = reader.uint64String();
          else if (headerTag === ((3 << 3) | VARINT)) answer.revision = reader.varint();
          else reader.skip(headerTag);
        }
        reader.expect(end);
        break;
      }
      case (2 << 3) | BYTES:
        answer.items.push(readKeyValue(reader, reader.end()));
        break;
      case (3 << 3) | VARINT:
        answer.more = reader.varint() !== 0;
        break;
      case (4 << 3) | VARINT:
        answer.count = reader.varint();
        break;
      default:
        reader.skip(tag);
    }
  }
  reader.expect(bytes.length);
  return answer;
}

/** KeyValue: key = 1, create_revision = 2, mod_revision = 3, version = 4, value = 5, lease = 6. */
function readKeyValue(reader: WireReader, end: number): KeyValue {
  let key = '';
  let value = '';
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  let lease = NO_LEASE;
  while (reader.pos < end) {
    const tag = reader.varint();
    switch (tag) {
      case (1 << 3) | BYTES:
        key = reader.string();
        break;
      case (2 << 3) | VARINT:
        createRevision = reader.varint();
        break;
      case (3 << 3) | VARINT:
        modRevision = reader.varint();
        break;
      case (4 << 3) | VARINT:
        version = reader.varint();
        break;
      case (5 << 3) | BYTES:
        value = reader.string();
        break;
      case (6 << 3) | VARINT:
        lease = reader.uint64String();
        break;
      default:
        reader.skip(tag);
    }
  }
  reader.expect(end);
  return { key, value, createRevision, modRevision, version, lease };
}

class WireReader {
  pos = 0;

  constructor(private readonly bytes: Buffer) {}

  /** A varint as a number; throws past 2^53, which no revision, version, count or length reaches. */
  varint(): number {
    const bytes = this.bytes;
    let byte = bytes[this.pos++]!;
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    do {
      if (this.pos >= bytes.length) throw new Error('truncated varint');
      byte = bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80);
    if (value > Number.MAX_SAFE_INTEGER) throw new Error('varint beyond 2^53');
    return value;
  }

  /** A uint64 varint in decimal, exact over its whole range (lease and cluster ids use all 64 bits). */
  uint64String(): string {
    const start = this.pos;
    let value = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.bytes.length || this.pos - start >= 10) throw new Error('bad varint');
      const byte = this.bytes[this.pos++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7n;
    }
    return BigInt.asUintN(64, value).toString();
  }

  /** The end of a length-delimited field whose length comes next. */
  end(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.bytes.length) throw new Error('truncated field');
    return end;
  }

  string(): string {
    const end = this.end();
    const text = this.bytes.toString('utf8', this.pos, end);
    this.pos = end;
    return text;
  }

  skip(tag: number): void {
    switch (tag & 7) {
      case VARINT:
        while (this.bytes[this.pos++]! >= 0x80) if (this.pos >= this.bytes.length) throw new Error('truncated varint');
        break;
      case FIXED64:
        this.pos += 8;
        break;
      case BYTES:
        this.pos = this.end();
        break;
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }

  /** A length-delimited field must end exactly where it said. */
  expect(end: number): void {
    if (this.pos !== end) throw new Error('field overran its length');
  }
}
