/**
 * The storage interface of Chorus, shaped like etcd's v3 API so that the
 * etcd engine is a thin adapter and the embedded engine can be checked
 * against it by one contract suite (test/contract/).
 *
 * Guarantees shared by every engine:
 * - One global revision counter. Every successful write (put, delete, txn
 *   with at least one write, lease expiry or revocation that deletes keys)
 *   increments it by exactly one, and every key it touches gets that
 *   revision as its modRevision.
 * - Reads and writes are linearizable: once a write has returned, every
 *   later read through any client of the same store sees it.
 * - Keys and values are UTF-8 strings; ranges order keys by their UTF-8
 *   bytes (for the ASCII keys of keys.ts, plain string order).
 * - Failures are thrown as DomainError: `unavailable` when the store cannot
 *   be reached or did not answer in time (the write may or may not have
 *   happened), `invalid` for a request the store refuses (too large, too
 *   many operations), `internal` otherwise.
 */

import type { StoreStatus } from '../domain/status.js';

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created the key (since its last delete). */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
  /** Number of writes since creation: 1 after the first put. */
  version: number;
  /** Lease the key is attached to, or 0. */
  lease: LeaseId;
}

/** Lease ids are 64-bit in etcd; decimal strings avoid losing precision. */
export type LeaseId = string;
export const NO_LEASE: LeaseId = '0';

export interface RangeOptions {
  /** Keys that start with this prefix. */
  prefix: string;
  /** Only keys strictly greater than this one (pagination); must start with prefix. */
  after?: string;
  /** At most this many, in ascending key order; 0 or absent for all. */
  limit?: number;
  /**
   * A deadline for this read instead of the store's default, in ms. On
   * etcd 3.4 a range costs time in proportion to every key it spans, not
   * to the page it returns, so a listing of big prefixes needs longer.
   */
  timeoutMs?: number;
}

export interface RangeResult {
  items: KeyValue[];
  /** True when keys beyond the limit exist. */
  more: boolean;
  /** The store revision the range was read at. */
  revision: number;
  /**
   * How many keys the range held in all (from `after` on, ignoring the
   * limit), when the engine learns it at no extra cost: etcd walks the
   * whole range anyway and says; the embedded engine leaves it out.
   */
  total?: number;
}

/** A condition of a transaction, compared against the key's current state. A missing key has version, createRevision and modRevision 0 and no value. */
export type Compare =
  | { key: string; target: 'version' | 'createRevision' | 'modRevision'; op: '==' | '!=' | '<' | '>'; value: number }
  | { key: string; target: 'value'; op: '==' | '!='; value: string };

export type Op =
  | { type: 'put'; key: string; value: string; lease?: LeaseId }
  | { type: 'delete'; key: string }
  | { type: 'get'; key: string };

export interface TxnRequest {
  compare: Compare[];
  success: Op[];
  failure?: Op[];
}

export interface TxnResult {
  /** Whether every compare held, so `success` ran (else `failure` ran). */
  succeeded: boolean;
  /** Revision after the transaction (unchanged if it wrote nothing). */
  revision: number;
  /** One entry per op that ran, in order: the key's value for a `get` (undefined if absent), and for a `delete` the deleted key's previous value if any; undefined for a put. */
  results: (KeyValue | undefined)[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For a delete, the key with an empty value and modRevision of the delete. */
  kv: KeyValue;
}

export interface WatchBatch {
  /** The revision these events belong to; events of one txn arrive in one batch. */
  revision: number;
  /**
   * Empty for a progress report: every event up to `revision` has been
   * delivered. etcd sends these on its own timer; no engine promises them.
   * (etcd 3.4.23's on-demand progress requests can overtake events, so
   * the interface does not offer them.)
   */
  events: WatchEvent[];
}

export interface WatchOptions {
  prefix: string;
  /** Deliver every event with revision >= fromRevision; the store must still hold that history. */
  fromRevision: number;
  onBatch: (batch: WatchBatch) => void;
  /**
   * Called at most once, when the watch cannot continue; no batch follows.
   * A WatchCompactedError means fromRevision is older than the history the
   * store keeps: re-read with range and watch again from its revision + 1.
   * Engines reconnect transient failures themselves and report only what
   * they cannot recover from.
   */
  onError: (error: Error) => void;
}

export interface Watch {
  /** Stops delivery; no callback runs after the promise settles. */
  close(): Promise<void>;
}

/** Thrown (through onError) when a watch asks for history that was compacted away. */
export class WatchCompactedError extends Error {
  override readonly name = 'WatchCompactedError';
  constructor(readonly compactRevision: number) {
    super(`watch history compacted up to revision ${compactRevision}`);
  }
}

export interface KV {
  /** The key's current state, or undefined. Linearizable. */
  get(key: string): Promise<KeyValue | undefined>;

  /** Keys under a prefix in ascending order, read at one revision. Linearizable. */
  range(options: RangeOptions): Promise<RangeResult>;

  /** How many keys start with the prefix. Linearizable. */
  count(prefix: string): Promise<number>;

  /**
   * Atomically: if every compare holds, run `success`, else `failure`.
   * No other write interleaves. A txn may hold at most 128 ops (etcd's
   * default); more is `invalid`. A key may be written at most once per branch.
   */
  txn(request: TxnRequest): Promise<TxnResult>;

  /** Shorthands for one-op transactions. */
  put(key: string, value: string, lease?: LeaseId): Promise<number>;
  delete(key: string): Promise<number>;

  /** Deletes every key under the prefix in one revision; returns how many. */
  deletePrefix(prefix: string): Promise<number>;

  /**
   * Streams changes under the prefix from `fromRevision` on, in revision
   * order, each revision once. Resolves once the watch is established.
   */
  watch(options: WatchOptions): Promise<Watch>;

  /** A lease that expires after `ttlSeconds` unless kept alive; its keys are deleted on expiry. */
  grantLease(ttlSeconds: number): Promise<LeaseId>;
  /** Deletes the lease's keys in one revision. A no-op for an unknown or expired lease. */
  revokeLease(id: LeaseId): Promise<void>;
  /** Renews the lease's TTL; `not_found` if it has expired. */
  keepAlive(id: LeaseId): Promise<void>;

  /** The store's current revision, read linearizably (a quorum read on etcd). */
  revision(): Promise<number>;

  /**
   * A name for this store that no other store shares and that stays the
   * same across restarts: the etcd cluster id, or a random id the embedded
   * engine writes into its file when it creates it. Lets local state derived
   * from the store (the social view's snapshot) refuse to load against another.
   */
  identity(): Promise<string>;

  /**
   * The engine's health for the status page: each etcd member's own
   * report (a member that does not answer carries `error`), or the
   * embedded file's size. Never throws for an unhealthy store.
   */
  status(): Promise<StoreStatus>;

  /** Releases connections and timers; the KV must not be used afterwards. */
  close(): Promise<void>;
}
