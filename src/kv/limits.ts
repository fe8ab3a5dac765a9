/**
 * Request limits and key-range arithmetic shared by both engines, so the
 * embedded engine refuses exactly what a default etcd cluster refuses.
 */
import { DomainError } from '../domain/errors.js';
import type { TxnRequest } from './kv.js';

/** etcd's default --max-txn-ops. */
export const MAX_TXN_OPS = 128;

/** etcd's default --max-request-bytes (1.5 MiB). */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * Throws `invalid` for a transaction a default etcd would refuse: more than
 * MAX_TXN_OPS compares or ops in a branch, more than MAX_REQUEST_BYTES of
 * keys and values, or a key written twice in one branch.
 */
export function checkTxnRequest(request: TxnRequest): void {
  const failure = request.failure ?? [];
  if (request.compare.length > MAX_TXN_OPS || request.success.length > MAX_TXN_OPS || failure.length > MAX_TXN_OPS) {
    throw new DomainError('invalid', `A transaction may hold at most ${MAX_TXN_OPS} operations.`);
  }
  let bytes = 0;
  for (const c of request.compare) {
    checkKey(c.key);
    bytes += Buffer.byteLength(c.key);
    if (c.target === 'value') bytes += Buffer.byteLength(c.value);
  }
  for (const branch of [request.success, failure]) {
    const written = new Set<string>();
    for (const op of branch) {
      checkKey(op.key);
      bytes += Buffer.byteLength(op.key);
      if (op.type === 'put') bytes += Buffer.byteLength(op.value);
      if (op.type === 'get') continue;
      if (written.has(op.key)) {
        throw new DomainError('invalid', 'A transaction may write a key at most once.');
      }
      written.add(op.key);
    }
  }
  if (bytes > MAX_REQUEST_BYTES) {
    throw new DomainError('invalid', 'The request is too large.');
  }
}

/** Throws `invalid` for the empty key, which etcd refuses. */
export function checkKey(key: string): void {
  if (key.length === 0) throw new DomainError('invalid', 'A key must not be empty.');
}

/**
 * The end (exclusive) of the key range holding every key that starts with
 * `prefix`, or undefined when the range is unbounded (empty prefix or all
 * 0xff bytes). Same rule as etcd's clientv3.GetPrefixRangeEnd.
 */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** The smallest key strictly greater than `key`. */
export function keyAfter(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}

/** Throws `invalid` unless `after` lies under `prefix`, as RangeOptions requires. */
export function checkRangeOptions(prefix: string, after: string | undefined, limit: number | undefined): void {
  if (after !== undefined && !after.startsWith(prefix)) {
    throw new DomainError('invalid', 'The range start must lie under the prefix.');
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new DomainError('invalid', 'The range limit must be a non-negative integer.');
  }
}
