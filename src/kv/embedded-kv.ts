/**
 * The embedded engine: the KV contract of kv.ts on one SQLite file, for a
 * single process. It keeps etcd's bookkeeping (one global revision,
 * createRevision/modRevision/version per key) and an event history table so
 * a watch can start from an old revision, exactly as etcd's MVCC store does.
 *
 * better-sqlite3 is synchronous, so every operation runs to completion
 * without interleaving: transactions are serializable by construction and
 * the async methods only wrap synchronous work.
 */
import { stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { DomainError, outOfStorage } from '../domain/errors.js';
import type { StoreStatus } from '../domain/status.js';
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

export interface EmbeddedKVOptions {
  /** A file path, or ':memory:' for a store that lives as long as the object. */
  path: string;
  /** Milliseconds clock used for lease expiry; injectable so tests control time. */
  now?: () => number;
  /** Revisions of history kept for watches; older history is compacted. Default 10000. */
  historyRetention?: number;
  /** How often leases are checked for expiry and history compacted. Default 250 ms. */
  sweepIntervalMs?: number;
  /**
   * Commit without fsync, as etcd's --unsafe-no-fsync: a machine crash may
   * lose acknowledged writes. Only for loading data that can be made again
   * (the benchmark fills a store this way, then Chorus opens it normally).
   */
  unsafeNoFsync?: boolean;
  /**
   * Largest size of the database file, rounded down to whole pages, as
   * etcd's --quota-backend-bytes; past it writes fail `insufficient_storage`
   * while reads go on. Unlimited (only the disk) when absent.
   */
  quotaBytes?: number;
}

interface KvRow {
  key: Buffer;
  value: string;
  create_rev: number;
  mod_rev: number;
  version: number;
  lease: number;
}

interface HistoryRow extends KvRow {
  rev: number;
  type: number;
}

const PUT = 0;
const DELETE = 1;
/** How many revisions one watcher replays per turn of the event loop, so a long replay does not starve other work. */
const REPLAY_REVISIONS_PER_TURN = 1000;

interface Watcher {
  start: Buffer;
  end: Buffer | undefined;
  nextRev: number;
  closed: boolean;
  options: WatchOptions;
}

export class EmbeddedKV implements KV {
  private rev: number;
  private compactRev: number;
  private nextLeaseId: number;
  private nextExpiry = -Infinity;
  private readonly watchers = new Set<Watcher>();
  private pumpScheduled = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly stmts;

  private constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
    private readonly retention: number,
    sweepIntervalMs: number,
  ) {
    this.stmts = prepare(db);
    this.rev = this.readMeta('revision');
    this.compactRev = this.readMeta('compact_revision');
    this.nextLeaseId = this.readMeta('next_lease');
    this.timer = setInterval(() => this.sweep(), sweepIntervalMs);
    this.timer.unref();
  }

  /**
   * Opens (creating if needed) the store at `options.path`. Throws
   * DomainError `unavailable` if the file cannot be opened or another
   * process holds it: the store takes an exclusive lock, because watches
   * only see writes made through this object.
   */
  static async open(options: EmbeddedKVOptions): Promise<EmbeddedKV> {
    let db: Database.Database | undefined;
    try {
      // A short busy timeout: the only other holder of the lock is another process, which is refused.
      db = new Database(options.path, { timeout: 500 });
      if (options.path !== ':memory:') {
        // WAL with synchronous=FULL fsyncs the log at every commit, so an
        // acknowledged write survives SIGKILL and power loss alike (NORMAL
        // would survive a process kill but not an OS crash).
        db.pragma('journal_mode = WAL');
        db.pragma(options.unsafeNoFsync ? 'synchronous = OFF' : 'synchronous = FULL');
        db.pragma('locking_mode = EXCLUSIVE');
      }
      db.pragma('foreign_keys = OFF');
      createSchema(db);
      if (options.quotaBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.quotaBytes / pageSize))}`);
      }
      return new EmbeddedKV(db, options.now ?? Date.now, options.historyRetention ?? 10_000, options.sweepIntervalMs ?? 250);
    } catch (error) {
      db?.close();
      if (error instanceof DomainError) throw error;
      const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY');
      throw new DomainError(
        'unavailable',
        busy ? 'The data directory is in use by another process.' : 'The embedded store could not be opened.',
        { cause: error },
      );
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.run(() => {
      checkKey(key);
      this.expireLeases();
      return this.readKey(Buffer.from(key));
    });
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    return this.run(() => {
      checkRangeOptions(options.prefix, options.after, options.limit);
      this.expireLeases();
      const prefix = Buffer.from(options.prefix);
      const start = options.after === undefined ? prefix : keyAfter(Buffer.from(options.after));
      const end = prefixEnd(prefix);
      const limit = options.limit ? options.limit + 1 : -1;
      const rows = (end === undefined ? this.stmts.rangeOpen.all(start, limit) : this.stmts.range.all(start, end, limit)) as KvRow[];
      const more = options.limit ? rows.length > options.limit : false;
      if (more) rows.pop();
      return { items: rows.map(toKeyValue), more, revision: this.rev };
    });
  }

  async count(prefix: string): Promise<number> {
    return this.run(() => {
      this.expireLeases();
      const start = Buffer.from(prefix);
      const end = prefixEnd(start);
      const row = (end === undefined ? this.stmts.countOpen.get(start) : this.stmts.count.get(start, end)) as {
        n: number;
      };
      return row.n;
    });
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    return this.run(() => {
      checkTxnRequest(request);
      this.expireLeases();
      return this.db.transaction(() => this.applyTxn(request))();
    });
  }

  async put(key: string, value: string, lease: LeaseId = NO_LEASE): Promise<number> {
    return (await this.txn({ compare: [], success: [{ type: 'put', key, value, lease }] })).revision;
  }

  async delete(key: string): Promise<number> {
    return (await this.txn({ compare: [], success: [{ type: 'delete', key }] })).revision;
  }

  async deletePrefix(prefix: string): Promise<number> {
    return this.run(() => {
      this.expireLeases();
      const start = Buffer.from(prefix);
      const end = prefixEnd(start);
      return this.db.transaction(() => {
        const rows = (end === undefined ? this.stmts.rangeOpen.all(start, -1) : this.stmts.range.all(start, end, -1)) as KvRow[];
        this.deleteRows(rows);
        return rows.length;
      })();
    });
  }

  async watch(options: WatchOptions): Promise<Watch> {
    this.ensureOpen();
    const start = Buffer.from(options.prefix);
    const watcher: Watcher = {
      start,
      end: prefixEnd(start),
      nextRev: options.fromRevision > 0 ? options.fromRevision : this.rev + 1,
      closed: false,
      options,
    };
    this.watchers.add(watcher);
    this.schedulePump();
    return {
      close: async () => {
        watcher.closed = true;
        this.watchers.delete(watcher);
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseId> {
    return this.run(() => {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
        throw new DomainError('invalid', 'A lease TTL must be a positive whole number of seconds.');
      }
      const id = this.nextLeaseId;
      const expiresAt = this.now() + ttlSeconds * 1000;
      this.db.transaction(() => {
        this.stmts.insertLease.run(id, ttlSeconds, expiresAt);
        this.writeMeta('next_lease', id + 1);
      })();
      this.nextLeaseId = id + 1;
      this.nextExpiry = Math.min(this.nextExpiry, expiresAt);
      return String(id);
    });
  }

  async revokeLease(id: LeaseId): Promise<void> {
    this.run(() => {
      this.expireLeases();
      const lease = leaseNumber(id);
      if (lease !== undefined) this.db.transaction(() => this.revoke(lease))();
    });
  }

  async keepAlive(id: LeaseId): Promise<void> {
    this.run(() => {
      this.expireLeases();
      const number = leaseNumber(id);
      const lease = number === undefined ? undefined : (this.stmts.getLease.get(number) as { ttl: number } | undefined);
      if (number === undefined || !lease) throw new DomainError('not_found', 'The lease has expired.');
      this.stmts.renewLease.run(this.now() + lease.ttl * 1000, number);
    });
  }

  async revision(): Promise<number> {
    return this.run(() => {
      this.expireLeases();
      return this.rev;
    });
  }

  /**
   * Drops the history of revisions before `revision`, as etcd's compaction
   * does: watches from an older revision then fail with WatchCompactedError.
   * A no-op for a revision already compacted; `invalid` for a future one.
   */
  async compact(revision: number): Promise<void> {
    this.run(() => this.compactTo(revision));
  }

  async identity(): Promise<string> {
    return this.run(() => `embedded:${this.readMeta('store_id').toString(36)}`);
  }

  /** The database file and its write-ahead log, as the file system measures them (0 for a file not there yet). */
  async status(): Promise<StoreStatus> {
    const file = this.db.name;
    const size = async (name: string) => (await stat(name).catch(() => undefined))?.size ?? 0;
    const memory = file === ':memory:';
    const [fileBytes, walBytes] = memory ? [0, 0] : await Promise.all([size(file), size(`${file}-wal`)]);
    return { engine: 'embedded', file, fileBytes, walBytes, revision: await this.revision() };
  }

  /**
   * Copies the store to `file` with SQLite's online backup while it keeps
   * serving: the copy holds every write up to one revision and none after
   * (writes made during the copy restart it). Not part of the KV contract:
   * only the embedded engine's owner backs it up this way.
   */
  async backup(file: string): Promise<void> {
    this.ensureOpen();
    await this.db.backup(file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const watcher of this.watchers) watcher.closed = true;
    this.watchers.clear();
    this.db.close();
  }

  /** Runs synchronous store work, translating SQLite failures into DomainError. */
  private run<T>(work: () => T): T {
    this.ensureOpen();
    try {
      return work();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      // "database or disk is full": the disk, or quotaBytes. SQLite rolled the transaction back, so nothing was written.
      if ((error as { code?: unknown }).code === 'SQLITE_FULL') throw outOfStorage(error);
      throw new DomainError('internal', 'Something went wrong on our side.', { cause: error });
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new DomainError('unavailable', 'The store is closed.');
  }

  private applyTxn(request: TxnRequest): TxnResult {
    const succeeded = request.compare.every((c) => this.holds(c));
    const ops = succeeded ? request.success : (request.failure ?? []);
    for (const op of ops) {
      if (op.type === 'put' && op.lease !== undefined && op.lease !== NO_LEASE) {
        const lease = leaseNumber(op.lease);
        if (lease === undefined || !this.stmts.getLease.get(lease)) {
          throw new DomainError('not_found', 'The lease has expired.');
        }
      }
    }
    const writeRev = this.rev + 1;
    let idx = 0;
    const results = ops.map((op: Op): KeyValue | undefined => {
      const key = Buffer.from(op.key);
      switch (op.type) {
        case 'get':
          return this.readKey(key);
        case 'put': {
          const old = this.stmts.getKey.get(key) as KvRow | undefined;
          const row: KvRow = {
            key,
            value: op.value,
            create_rev: old ? old.create_rev : writeRev,
            mod_rev: writeRev,
            version: old ? old.version + 1 : 1,
            lease: Number(op.lease ?? NO_LEASE),
          };
          this.stmts.upsert.run(row);
          this.stmts.insertHistory.run({ ...row, rev: writeRev, idx: idx++, type: PUT });
          return undefined;
        }
        case 'delete': {
          const old = this.stmts.getKey.get(key) as KvRow | undefined;
          if (!old) return undefined;
          this.stmts.deleteKey.run(key);
          this.stmts.insertHistory.run({ ...deletedRow(key, writeRev), rev: writeRev, idx: idx++, type: DELETE });
          return toKeyValue(old);
        }
      }
      throw new Error(`unknown op ${JSON.stringify(op)}`);
    });
    if (idx > 0) this.commitRevision(writeRev);
    return { succeeded, revision: this.rev, results };
  }

  private holds(compare: Compare): boolean {
    const row = this.stmts.getKey.get(Buffer.from(compare.key)) as KvRow | undefined;
    if (compare.target === 'value') {
      // etcd: a value compare against a missing key is false whatever the operator.
      if (!row) return false;
      return compare.op === '==' ? row.value === compare.value : row.value !== compare.value;
    }
    const actual =
      compare.target === 'version'
        ? (row?.version ?? 0)
        : compare.target === 'createRevision'
          ? (row?.create_rev ?? 0)
          : (row?.mod_rev ?? 0);
    switch (compare.op) {
      case '==':
        return actual === compare.value;
      case '!=':
        return actual !== compare.value;
      case '<':
        return actual < compare.value;
      case '>':
        return actual > compare.value;
    }
  }

  /** Deletes the given rows in one new revision (no revision if there are none). */
  private deleteRows(rows: KvRow[]): void {
    if (rows.length === 0) return;
    const writeRev = this.rev + 1;
    rows.forEach((row, idx) => {
      this.stmts.deleteKey.run(row.key);
      this.stmts.insertHistory.run({ ...deletedRow(row.key, writeRev), rev: writeRev, idx, type: DELETE });
    });
    this.commitRevision(writeRev);
  }

  private revoke(id: number): void {
    const rows = this.stmts.keysOfLease.all(id) as KvRow[];
    this.stmts.deleteLease.run(id);
    this.deleteRows(rows);
  }

  private commitRevision(rev: number): void {
    this.writeMeta('revision', rev);
    this.rev = rev;
    this.schedulePump();
  }

  /** Revokes every lease whose deadline has passed, one revision per lease like etcd's lessor. */
  private expireLeases(): void {
    const now = this.now();
    if (now < this.nextExpiry) return;
    const expired = this.stmts.expiredLeases.all(now) as { id: number }[];
    for (const { id } of expired) this.db.transaction(() => this.revoke(id))();
    const next = this.stmts.nextExpiry.get() as { at: number | null };
    this.nextExpiry = next.at ?? Infinity;
  }

  private sweep(): void {
    if (this.closed) return;
    try {
      this.expireLeases();
      if (this.rev - this.compactRev > this.retention * 1.1) this.compactTo(this.rev - this.retention);
    } catch {
      // The next sweep or the next call retries; a failure here must not crash the process.
    }
  }

  private compactTo(revision: number): void {
    if (revision > this.rev) throw new DomainError('invalid', 'Cannot compact a future revision.');
    if (revision <= this.compactRev) return;
    this.db.transaction(() => {
      this.stmts.compactHistory.run(revision);
      this.writeMeta('compact_revision', revision);
    })();
    this.compactRev = revision;
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.watchers.size === 0) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Delivers history to every watcher that is behind, one batch per revision, in order. */
  private pump(): void {
    if (this.closed) return;
    let behind = false;
    for (const watcher of [...this.watchers]) {
      if (watcher.closed || watcher.nextRev > this.rev) continue;
      if (watcher.nextRev < this.compactRev) {
        this.fail(watcher, new WatchCompactedError(this.compactRev));
        continue;
      }
      const upTo = Math.min(this.rev, watcher.nextRev + REPLAY_REVISIONS_PER_TURN - 1);
      const rows = (
        watcher.end === undefined
          ? this.stmts.historyOpen.all(watcher.nextRev, upTo, watcher.start)
          : this.stmts.history.all(watcher.nextRev, upTo, watcher.start, watcher.end)
      ) as HistoryRow[];
      watcher.nextRev = upTo + 1;
      if (upTo < this.rev) behind = true;
      let batch: WatchBatch | undefined;
      for (const row of rows) {
        if (batch && batch.revision !== row.rev) {
          if (!this.deliver(watcher, batch)) break;
          batch = undefined;
        }
        batch ??= { revision: row.rev, events: [] };
        batch.events.push({ type: row.type === PUT ? 'put' : 'delete', kv: toKeyValue(row) });
      }
      if (batch) this.deliver(watcher, batch);
    }
    if (behind) this.schedulePump();
  }

  private deliver(watcher: Watcher, batch: WatchBatch): boolean {
    if (watcher.closed) return false;
    try {
      watcher.options.onBatch(batch);
      return true;
    } catch (error) {
      this.fail(watcher, error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  private fail(watcher: Watcher, error: Error): void {
    watcher.closed = true;
    this.watchers.delete(watcher);
    watcher.options.onError(error);
  }

  private readKey(key: Buffer): KeyValue | undefined {
    const row = this.stmts.getKey.get(key) as KvRow | undefined;
    return row && toKeyValue(row);
  }

  private readMeta(name: string): number {
    return (this.stmts.getMeta.get(name) as { value: number }).value;
  }

  private writeMeta(name: string, value: number): void {
    this.stmts.setMeta.run(value, name);
  }
}

function createSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 1), ('compact_revision', 0), ('next_lease', 1);
    -- A random 53-bit id made when the file is created (or first opened by a version that knows it): see KV.identity.
    INSERT OR IGNORE INTO meta (name, value) VALUES ('store_id', abs(random()) % 9007199254740991);
    CREATE TABLE IF NOT EXISTS kv (
      key BLOB PRIMARY KEY, value TEXT NOT NULL,
      create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS kv_by_lease ON kv (lease) WHERE lease <> 0;
    CREATE TABLE IF NOT EXISTS history (
      rev INTEGER NOT NULL, idx INTEGER NOT NULL, type INTEGER NOT NULL, key BLOB NOT NULL, value TEXT NOT NULL,
      create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL,
      PRIMARY KEY (rev, idx)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS leases_by_expiry ON leases (expires_at);
  `);
}

function prepare(db: Database.Database) {
  // BLOB keys compare with memcmp, which is exactly etcd's order of UTF-8 bytes.
  const cols = 'key, value, create_rev, mod_rev, version, lease';
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE name = ?'),
    setMeta: db.prepare('UPDATE meta SET value = ? WHERE name = ?'),
    getKey: db.prepare(`SELECT ${cols} FROM kv WHERE key = ?`),
    range: db.prepare(`SELECT ${cols} FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`),
    rangeOpen: db.prepare(`SELECT ${cols} FROM kv WHERE key >= ? ORDER BY key LIMIT ?`),
    count: db.prepare('SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ?'),
    countOpen: db.prepare('SELECT count(*) AS n FROM kv WHERE key >= ?'),
    upsert: db.prepare(
      `INSERT INTO kv (${cols}) VALUES (@key, @value, @create_rev, @mod_rev, @version, @lease)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev,
         version = excluded.version, lease = excluded.lease`,
    ),
    deleteKey: db.prepare('DELETE FROM kv WHERE key = ?'),
    keysOfLease: db.prepare(`SELECT ${cols} FROM kv WHERE lease = ? ORDER BY key`),
    insertHistory: db.prepare(
      `INSERT INTO history (rev, idx, type, ${cols})
       VALUES (@rev, @idx, @type, @key, @value, @create_rev, @mod_rev, @version, @lease)`,
    ),
    history: db.prepare(`SELECT rev, type, ${cols} FROM history WHERE rev >= ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev, idx`),
    historyOpen: db.prepare(`SELECT rev, type, ${cols} FROM history WHERE rev >= ? AND rev <= ? AND key >= ? ORDER BY rev, idx`),
    compactHistory: db.prepare('DELETE FROM history WHERE rev < ?'),
    insertLease: db.prepare('INSERT INTO leases (id, ttl, expires_at) VALUES (?, ?, ?)'),
    getLease: db.prepare('SELECT ttl FROM leases WHERE id = ?'),
    renewLease: db.prepare('UPDATE leases SET expires_at = ? WHERE id = ?'),
    deleteLease: db.prepare('DELETE FROM leases WHERE id = ?'),
    expiredLeases: db.prepare('SELECT id FROM leases WHERE expires_at <= ? ORDER BY expires_at, id'),
    nextExpiry: db.prepare('SELECT min(expires_at) AS at FROM leases'),
  };
}

/** The lease id as stored, or undefined for a string no lease of this store can have. */
function leaseNumber(id: LeaseId): number | undefined {
  return /^[1-9][0-9]{0,14}$/.test(id) ? Number(id) : undefined;
}

/** A delete event's key as etcd reports it: empty value, zero create revision and version. */
function deletedRow(key: Buffer, rev: number): KvRow {
  return { key, value: '', create_rev: 0, mod_rev: rev, version: 0, lease: 0 };
}

function toKeyValue(row: KvRow): KeyValue {
  return {
    key: row.key.toString('utf8'),
    value: row.value,
    createRevision: row.create_rev,
    modRevision: row.mod_rev,
    version: row.version,
    lease: String(row.lease),
  };
}
