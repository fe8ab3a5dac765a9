/**
 * The etcd engine: a thin adapter from kv.ts to etcd's v3 API through the
 * `etcd3` client, using its raw RPC clients so requests map one to one
 * (native range pagination with key/range_end/limit, no sorting, leases
 * without automatic keep-alive). Reads (range, get, count, revision) are
 * Range calls encoded and decoded by etcd-range.ts on the same channels:
 * the client's own decoder was most of a listing's CPU.
 *
 * Fault handling. The client keeps one single-host etcd3 client per member
 * and sticks to one member until a call to it fails, then moves on. Every
 * public call has one deadline (`timeoutMs`) shared by its attempts:
 * - Reads (range, count, revision, get) and idempotent lease calls
 *   (keep-alive, revoke, grant: a duplicate lease just expires) are retried
 *   on the next member after any transient failure.
 * - Writes are retried only when the failure proves the request never
 *   reached a server (the connection could not be established). After an
 *   unknown outcome (deadline exceeded, connection dropped mid-call, etcd's
 *   own "request timed out" or "leader changed") the write is reported as
 *   `unavailable` and NOT retried: a compare-and-set txn retried after it
 *   applied would report a false conflict, and a blind retry could apply
 *   twice. kv.ts tells callers that `unavailable` means "may have happened".
 * The deadline is what bounds a leader failure: etcd itself holds a
 * proposal stranded on a dead leader for 7 s (its request timeout), while
 * this client gives up after `timeoutMs` and the next call goes to a live
 * member, which answers as soon as a new leader is elected (~1 s here).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { noop } from 'cockatiel';
import type {
  CompareResult,
  ICompare,
  IDuplexStream,
  IKeyValue,
  ILeaseKeepAliveRequest,
  ILeaseKeepAliveResponse,
  IOptions,
  IRequestOp,
  IWatchRequest,
  IWatchResponse,
} from 'etcd3';
import { DomainError } from '../domain/errors.js';
import type { EtcdMemberStatus, StoreStatus } from '../domain/status.js';
import { etcdCallDuration, etcdFailovers, etcdRetries } from '../metrics/metrics.js';
import { classifyEtcdFailure, StreamEndedError } from './etcd-failures.js';
import { EtcdClient } from './etcd-range.js';
import {
  type Compare,
  type KeyValue,
  type KV,
  type LeaseId,
  NO_LEASE,
  type Op,
  type RangeOptions,
  type RangeResult,
  type TxnRequest,
  type TxnResult,
  type Watch,
  type WatchBatch,
  WatchCompactedError,
  type WatchOptions,
} from './kv.js';
import { checkKey, checkRangeOptions, checkTxnRequest, keyAfter, prefixEnd } from './limits.js';

export interface EtcdKVOptions {
  /** Client URLs of the members, e.g. http://127.0.0.1:2379. */
  endpoints: string[];
  /** Deadline of each call, retries included; 2000 ms by default. */
  timeoutMs?: number;
  /**
   * Start with the first endpoint (e.g. the member on this machine) instead
   * of a random one; either way a failing member is left for the next.
   */
  preferFirstEndpoint?: boolean;
  auth?: { username: string; password: string };
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** The members' backend quota (--quota-backend-bytes), shown beside their size; unknown when absent. */
  quotaBytes?: number;
  /**
   * A key read (count only) to learn the store's revision. Any key serves,
   * but with etcd authentication on it must lie inside what the client's
   * role may read, so the application names one under its own root.
   */
  revisionProbeKey: string;
}

/**
 * How a failed call may be retried on another member: a 'read' (or an
 * idempotent call) after any transient failure, a 'write' only when the
 * request provably never reached a server.
 */
type Retry = 'read' | 'write';

const ZERO_KEY = Buffer.from([0]);
const WATCH_BACKOFF_MIN_MS = 100;
const WATCH_BACKOFF_MAX_MS = 2000;

export class EtcdKV implements KV {
  private current: number;
  private closed = false;
  private readonly watches = new Set<EtcdWatch>();

  private constructor(
    private readonly clients: EtcdClient[],
    private readonly timeoutMs: number,
    preferFirst: boolean,
    private readonly revisionProbeKey: Buffer,
    private readonly endpoints: string[],
    private readonly quotaBytes?: number,
  ) {
    // A random start spreads the instances of a service over the members.
    this.current = preferFirst ? 0 : Math.floor(Math.random() * clients.length);
  }

  /**
   * Connects and checks that the cluster answers a linearizable read (so
   * has a quorum). Throws DomainError `unavailable` if it does not within
   * the deadline, `invalid` for an empty endpoint list.
   */
  static async connect(options: EtcdKVOptions): Promise<EtcdKV> {
    if (options.endpoints.length === 0) throw new DomainError('invalid', 'No etcd endpoints were given.');
    checkKey(options.revisionProbeKey);
    const base: Omit<IOptions, 'hosts'> = {
      faultHandling: { host: () => noop, global: noop },
      grpcOptions: {
        'grpc.max_receive_message_length': -1,
        // Detect a member that vanished without closing its connections
        // (etcd accepts pings every 5 s or slower by default).
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 2_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
      },
    };
    if (options.auth) base.auth = { ...options.auth };
    if (options.tls) {
      base.credentials = {
        rootCertificate: options.tls.ca as Buffer,
        privateKey: options.tls.key,
        certChain: options.tls.cert,
      };
    }
    const clients = options.endpoints.map((endpoint) => new EtcdClient({ ...base, hosts: [endpoint] }));
    const kv = new EtcdKV(
      clients,
      options.timeoutMs ?? 2000,
      options.preferFirstEndpoint ?? false,
      Buffer.from(options.revisionProbeKey),
      options.endpoints,
      options.quotaBytes,
    );
    try {
      await kv.revision();
    } catch (error) {
      await kv.close();
      throw new DomainError('unavailable', 'The etcd cluster did not answer.', { cause: error });
    }
    return kv;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    const response = await this.call('read', (etcd, deadline) => etcd.rawRange({ key: Buffer.from(key) }, deadline));
    return response.items[0];
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    checkRangeOptions(options.prefix, options.after, options.limit);
    const { start, end } = prefixRange(options.prefix);
    const key = options.after === undefined ? start : keyAfter(Buffer.from(options.after));
    const response = await this.call(
      'read',
      (etcd, deadline) => etcd.rawRange({ key, rangeEnd: end, limit: options.limit ?? 0 }, deadline),
      options.timeoutMs,
    );
    return { items: response.items, more: response.more, revision: response.revision, total: response.count };
  }

  async count(prefix: string): Promise<number> {
    const { start, end } = prefixRange(prefix);
    const response = await this.call('read', (etcd, deadline) => etcd.rawRange({ key: start, rangeEnd: end, countOnly: true }, deadline));
    return response.count;
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    checkTxnRequest(request);
    for (const op of [...request.success, ...(request.failure ?? [])]) {
      if (op.type === 'put' && op.lease !== undefined) checkLease(op.lease);
    }
    const readOnly = [...request.success, ...(request.failure ?? [])].every((op) => op.type === 'get');
    const response = await this.call(readOnly ? 'read' : 'write', (etcd, deadline) =>
      etcd.kv.txn(
        {
          compare: request.compare.map(toCompare),
          success: request.success.map(toRequestOp),
          failure: (request.failure ?? []).map(toRequestOp),
        },
        { deadline },
      ),
    );
    const ran = response.succeeded ? request.success : (request.failure ?? []);
    const results = ran.map((op, i): KeyValue | undefined => {
      const r = response.responses[i];
      if (!r) return undefined;
      if (op.type === 'get') return r.response_range?.kvs[0] && toKeyValue(r.response_range.kvs[0]);
      if (op.type === 'delete') return r.response_delete_range?.prev_kvs[0] && toKeyValue(r.response_delete_range.prev_kvs[0]);
      return undefined;
    });
    return { succeeded: response.succeeded, revision: Number(response.header.revision), results };
  }

  async put(key: string, value: string, lease: LeaseId = NO_LEASE): Promise<number> {
    checkTxnRequest({ compare: [], success: [{ type: 'put', key, value }] });
    checkLease(lease);
    const response = await this.call('write', (etcd, deadline) =>
      etcd.kv.put({ key: Buffer.from(key), value: Buffer.from(value), lease }, { deadline }),
    );
    return Number(response.header.revision);
  }

  async delete(key: string): Promise<number> {
    const response = await this.call('write', (etcd, deadline) => etcd.kv.deleteRange({ key: Buffer.from(key) }, { deadline }));
    return Number(response.header.revision);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const { start, end } = prefixRange(prefix);
    const response = await this.call('write', (etcd, deadline) => etcd.kv.deleteRange({ key: start, range_end: end }, { deadline }));
    return Number(response.deleted);
  }

  async watch(options: WatchOptions): Promise<Watch> {
    this.ensureOpen();
    const watch = new EtcdWatch(
      { pick: (rotateFrom) => this.pick(rotateFrom), revision: () => this.revision() },
      options,
      this.timeoutMs,
      () => this.watches.delete(watch),
    );
    this.watches.add(watch);
    try {
      await watch.start();
    } catch (error) {
      this.watches.delete(watch);
      await watch.close();
      throw error;
    }
    return watch;
  }

  async grantLease(ttlSeconds: number): Promise<LeaseId> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new DomainError('invalid', 'A lease TTL must be a positive whole number of seconds.');
    }
    // A grant retried after an unknown outcome may leave an unused lease behind; it expires on its own.
    const response = await this.call('read', (etcd, deadline) => etcd.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }, { deadline }));
    if (response.error) throw new DomainError('internal', 'Something went wrong on our side.', { cause: new Error(response.error) });
    return response.ID;
  }

  async revokeLease(id: LeaseId): Promise<void> {
    if (!isLeaseId(id)) return;
    try {
      await this.call('read', (etcd, deadline) => etcd.leaseClient.leaseRevoke({ ID: id }, { deadline }));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'not_found') return;
      throw error;
    }
  }

  async keepAlive(id: LeaseId): Promise<void> {
    if (!isLeaseId(id)) throw new DomainError('not_found', 'The lease has expired.');
    const ttl = await this.call('read', async (etcd, deadline) => {
      const stream = await etcd.leaseClient.leaseKeepAlive({ deadline });
      return keepAliveOnce(stream, id);
    });
    if (ttl <= 0) throw new DomainError('not_found', 'The lease has expired.');
  }

  async revision(): Promise<number> {
    const response = await this.call('read', (etcd, deadline) => etcd.rawRange({ key: this.revisionProbeKey, countOnly: true }, deadline));
    return response.revision;
  }

  async identity(): Promise<string> {
    const response = await this.call('read', (etcd, deadline) => etcd.rawRange({ key: this.revisionProbeKey, countOnly: true }, deadline));
    return `etcd:${response.clusterId}`;
  }

  /** Asks every member (one client per endpoint) for its own status; the alarm list is the cluster's, sorted by member. */
  async status(): Promise<StoreStatus> {
    this.ensureOpen();
    const deadline = () => new Date(Date.now() + this.timeoutMs);
    const alarms = await Promise.any(
      this.clients.map((etcd) => etcd.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' }, { deadline: deadline() })),
    ).then(
      (response) => response.alarms,
      () => [],
    );
    const members = await Promise.all(
      this.clients.map(async (etcd, index): Promise<EtcdMemberStatus> => {
        const endpoint = this.endpoints[index] ?? '';
        try {
          const s = await etcd.maintenance.status({ deadline: deadline() });
          const id = BigInt(s.header.member_id).toString(16);
          return {
            endpoint,
            id,
            leader: s.leader === s.header.member_id,
            raftTerm: Number(s.raftTerm),
            raftIndex: Number(s.raftIndex),
            dbSizeBytes: Number(s.dbSize),
            quotaBytes: this.quotaBytes,
            alarms: alarms.filter((a) => BigInt(a.memberID) === BigInt(s.header.member_id)).map((a) => String(a.alarm)),
            version: s.version,
          };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return { endpoint, id: '', leader: false, raftTerm: 0, raftIndex: 0, dbSizeBytes: 0, alarms: [], version: '', error: message };
        }
      }),
    );
    const revision = await this.revision().catch(() => undefined);
    return { engine: 'etcd', members, revision };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.watches].map((w) => w.close()));
    for (const client of this.clients) client.close();
  }

  /**
   * Runs `attempt` against the current member, moving to the next member
   * on a transient failure while the retry policy and the deadline allow.
   * Throws DomainError only.
   */
  private async call<T>(retry: Retry, attempt: (etcd: EtcdClient, deadline: Date) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    this.ensureOpen();
    const started = performance.now();
    const observe = (outcome: 'ok' | 'refused' | 'unavailable') =>
      etcdCallDuration.observe({ kind: retry, outcome }, (performance.now() - started) / 1000);
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (let tries = 0; tries < this.clients.length * 2 && Date.now() < deadline; tries++) {
      const index = this.current;
      if (tries > 0) etcdRetries.inc({ kind: retry });
      try {
        const result = await attempt(this.clients[index]!, new Date(deadline));
        observe('ok');
        return result;
      } catch (error) {
        const failure = classifyEtcdFailure(error);
        if (failure.kind === 'final') {
          observe('refused');
          throw failure.error;
        }
        lastError = error;
        if (this.current === index) {
          this.current = (index + 1) % this.clients.length;
          if (this.clients.length > 1) etcdFailovers.inc();
        }
        if (failure.kind === 'unknown-outcome' && retry === 'write') break;
        // Once every member has refused the connection, pause before going round again.
        if (tries >= this.clients.length - 1 && failure.kind === 'not-sent') await sleep(50);
      }
    }
    observe('unavailable');
    this.ensureOpen();
    throw new DomainError('unavailable', 'The store is unavailable; please try again.', { cause: lastError });
  }

  /** The member index to use for a new watch stream; rotates when the caller saw it fail. */
  private pick(rotateFrom?: number): { index: number; client: EtcdClient } {
    if (rotateFrom !== undefined && this.current === rotateFrom) {
      this.current = (rotateFrom + 1) % this.clients.length;
      if (this.clients.length > 1) etcdFailovers.inc();
    }
    return { index: this.current, client: this.clients[this.current]! };
  }

  private ensureOpen(): void {
    if (this.closed) throw new DomainError('unavailable', 'The store is closed.');
  }
}

interface WatchHost {
  /** The member to open a stream on; moves past `rotateFrom` when the caller saw it fail. */
  pick(rotateFrom?: number): { index: number; client: EtcdClient };
  revision(): Promise<number>;
}

/** One watch: its own gRPC stream, re-established from the next revision after transient failures. */
class EtcdWatch implements Watch {
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  private nextRev = 0;
  private closed = false;
  private member: number | undefined;
  private backoffMs = WATCH_BACKOFF_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly start_: Buffer;
  private readonly end: Buffer;

  constructor(
    private readonly owner: WatchHost,
    private readonly options: WatchOptions,
    private readonly timeoutMs: number,
    private readonly onClosed: () => void,
  ) {
    const range = prefixRange(options.prefix);
    this.start_ = range.start;
    this.end = range.end;
  }

  /** Establishes the first stream, trying each member until the deadline. */
  async start(): Promise<void> {
    if (this.options.fromRevision > 0) {
      this.nextRev = this.options.fromRevision;
    } else {
      // etcd's start_revision 0 means "from now"; pin it so a reconnect misses nothing.
      this.nextRev = (await this.owner.revision()) + 1;
    }
    const deadline = Date.now() + this.timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline && !this.closed) {
      try {
        await this.connect(deadline);
        return;
      } catch (error) {
        lastError = error;
        await sleep(50);
      }
    }
    throw new DomainError('unavailable', 'The store is unavailable; please try again.', { cause: lastError });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.stream = undefined;
    this.onClosed();
  }

  /** Opens a stream on a member and resolves when etcd confirms the watch was created. */
  private async connect(deadline: number): Promise<void> {
    const { index, client } = this.owner.pick(this.member);
    this.member = index;
    const stream = await client.watchClient.watch();
    if (this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    await new Promise<void>((resolve, reject) => {
      let created = false;
      const timer = setTimeout(() => fail(new Error('watch creation timed out')), Math.max(0, deadline - Date.now()));
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (this.stream !== stream) return;
        this.stream = undefined;
        stream.cancel();
        if (!created) {
          this.member = index;
          this.owner.pick(index);
          reject(error);
        } else {
          this.scheduleReconnect();
        }
      };
      stream.on('data', (response) => {
        if (this.stream !== stream || this.closed) return;
        if (response.compact_revision && response.compact_revision !== '0') {
          clearTimeout(timer);
          this.finish(new WatchCompactedError(Number(response.compact_revision)));
          resolve();
          return;
        }
        if (response.canceled) {
          clearTimeout(timer);
          const error = new DomainError('internal', 'Something went wrong on our side.', {
            cause: new Error(`etcd canceled the watch: ${response.cancel_reason}`),
          });
          if (created) this.finish(error);
          else reject(error);
          return;
        }
        if (response.created) {
          created = true;
          clearTimeout(timer);
          this.backoffMs = WATCH_BACKOFF_MIN_MS;
          resolve();
          return;
        }
        this.handleEvents(response);
      });
      stream.on('error', (error) => fail(error));
      stream.on('end', () => fail(new Error('watch stream ended')));
      stream.write({
        create_request: {
          key: this.start_,
          range_end: this.end,
          start_revision: this.nextRev,
          progress_notify: true,
        },
      });
    });
  }

  private handleEvents(response: IWatchResponse): void {
    if (response.events.length === 0) {
      // A progress notification: nothing under the prefix up to this revision.
      const revision = Number(response.header.revision);
      if (revision + 1 < this.nextRev) return;
      this.nextRev = revision + 1;
      this.deliver({ revision, events: [] });
      return;
    }
    let batch: WatchBatch | undefined;
    for (const event of response.events) {
      const rev = Number(event.kv.mod_revision);
      if (rev < this.nextRev) continue;
      if (batch && batch.revision !== rev) {
        if (!this.deliver(batch)) return;
        batch = undefined;
      }
      batch ??= { revision: rev, events: [] };
      batch.events.push({ type: event.type === 'Delete' ? 'delete' : 'put', kv: toKeyValue(event.kv) });
    }
    if (batch) this.deliver(batch);
  }

  private deliver(batch: WatchBatch): boolean {
    if (this.closed) return false;
    this.nextRev = batch.revision + 1;
    try {
      this.options.onBatch(batch);
      return true;
    } catch (error) {
      this.finish(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  /** Ends the watch with an error the caller must handle; no batch follows. */
  private finish(error: Error): void {
    if (this.closed) return;
    void this.close();
    this.options.onError(error);
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, WATCH_BACKOFF_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.connect(Date.now() + this.timeoutMs).catch(() => this.scheduleReconnect());
    }, wait);
  }
}

/** Sends one keep-alive on a fresh stream and resolves with the TTL etcd granted (0: the lease is gone). */
function keepAliveOnce(stream: IDuplexStream<ILeaseKeepAliveRequest, ILeaseKeepAliveResponse>, id: LeaseId): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    stream.on('data', (response) => {
      if (settled) return;
      settled = true;
      resolve(Number(response.TTL));
      stream.cancel();
    });
    stream.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    stream.on('end', () => {
      if (settled) return;
      settled = true;
      reject(new StreamEndedError('lease keep-alive'));
    });
    stream.write({ ID: id });
  });
}

function isLeaseId(id: LeaseId): boolean {
  return /^[0-9]{1,19}$/.test(id);
}

/** A put on a lease id etcd could never have issued fails like one on an expired lease. */
function checkLease(id: LeaseId): void {
  if (!isLeaseId(id)) throw new DomainError('not_found', 'The lease has expired.');
}

/** etcd refuses an empty key, so the whole keyspace is [\0, \0) in its range convention. */
function prefixRange(prefix: string): { start: Buffer; end: Buffer } {
  const start = Buffer.from(prefix);
  const end = prefixEnd(start);
  return { start: start.length === 0 ? ZERO_KEY : start, end: end ?? ZERO_KEY };
}

const COMPARE_RESULT: Record<Compare['op'], keyof typeof CompareResult> = {
  '==': 'Equal',
  '!=': 'NotEqual',
  '<': 'Less',
  '>': 'Greater',
};

function toCompare(compare: Compare): ICompare {
  const key = Buffer.from(compare.key);
  const result = COMPARE_RESULT[compare.op];
  switch (compare.target) {
    case 'value':
      return { key, result, target: 'Value', value: Buffer.from(compare.value) };
    case 'version':
      return { key, result, target: 'Version', version: compare.value };
    case 'createRevision':
      return { key, result, target: 'Create', create_revision: compare.value };
    case 'modRevision':
      return { key, result, target: 'Mod', mod_revision: compare.value };
  }
}

function toRequestOp(op: Op): IRequestOp {
  const key = Buffer.from(op.key);
  switch (op.type) {
    case 'get':
      return { request_range: { key } };
    case 'put':
      return { request_put: { key, value: Buffer.from(op.value), lease: op.lease ?? NO_LEASE } };
    case 'delete':
      return { request_delete_range: { key, prev_kv: true } };
  }
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease ?? NO_LEASE,
  };
}
