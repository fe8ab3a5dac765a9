import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ViewEntry } from './view-entry.js';

/**
 * The social view saved on local disk, so that a restart loads it and
 * watches the store from its revision instead of listing every key again.
 *
 * One file, `view.snapshot`, written to a temporary name, flushed and
 * renamed over the old one, so a crash leaves the old snapshot or the new
 * one, never half of either. Layout (integers little-endian):
 *
 *   "CHVIEW01"  u32 header length  header: JSON SnapshotStamp
 *   per entry:  u32 key bytes  u32 value bytes  f64 modRevision  key  value
 *   end:        u32 0xFFFFFFFF  u32 entry count
 *   SHA-256 of every byte before it
 *
 * The loader checks the stamp before applying anything and the checksum
 * after; a file that fails either is reported, not loaded.
 */
export interface SnapshotStamp {
  /** KV.identity of the store the view was read from. */
  store: string;
  /** The keyspace root the view was read under. */
  root: string;
  /** Every event after this revision must be applied again to the loaded entries (see View.entries). */
  revision: number;
}

export type LoadResult = { loaded: true; revision: number; entries: number; bytes: number } | { loaded: false; reason: string };

const MAGIC = Buffer.from('CHVIEW01');
const END = 0xffffffff;
const ENTRY_HEAD = 16;
const CHECKSUM = 32;
const CHUNK = 1 << 20;
const FILE = 'view.snapshot';

export class ViewSnapshots {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  get file(): string {
    return path.join(this.#dir, FILE);
  }

  /** Writes the entries under the stamp, replacing the previous snapshot only once the new one is whole and flushed. */
  async save(stamp: SnapshotStamp, entries: Iterable<ViewEntry>): Promise<{ entries: number; bytes: number }> {
    await mkdir(this.#dir, { recursive: true });
    const temporary = path.join(this.#dir, `.${FILE}.${process.pid}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    const hash = createHash('sha256');
    let buffer = Buffer.allocUnsafe(CHUNK);
    let used = 0;
    let bytes = 0;
    const flush = async () => {
      const chunk = buffer.subarray(0, used);
      hash.update(chunk);
      await handle.write(chunk);
      bytes += used;
      used = 0;
    };
    const room = async (size: number) => {
      if (used + size <= buffer.length) return;
      await flush();
      if (size > buffer.length) buffer = Buffer.allocUnsafe(size);
    };
    try {
      const header = Buffer.from(JSON.stringify(stamp));
      await room(MAGIC.length + 4 + header.length);
      used += MAGIC.copy(buffer, used);
      used = buffer.writeUInt32LE(header.length, used);
      used += header.copy(buffer, used);
      let count = 0;
      for (const { key, value, modRevision } of entries) {
        const keyBytes = Buffer.byteLength(key);
        const valueBytes = Buffer.byteLength(value);
        const size = ENTRY_HEAD + keyBytes + valueBytes;
        // Awaited only when the buffer is full: an await per entry costs more than the entry.
        if (used + size > buffer.length) await room(size);
        used = buffer.writeUInt32LE(keyBytes, used);
        used = buffer.writeUInt32LE(valueBytes, used);
        used = buffer.writeDoubleLE(modRevision, used);
        used += buffer.write(key, used, 'utf8');
        used += buffer.write(value, used, 'utf8');
        count++;
      }
      await room(8);
      used = buffer.writeUInt32LE(END, used);
      used = buffer.writeUInt32LE(count, used);
      await flush();
      await handle.write(hash.digest());
      await handle.sync();
      await handle.close();
      await rename(temporary, this.file);
      await syncDirectory(this.#dir);
      return { entries: count, bytes: bytes + CHECKSUM };
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * Streams the snapshot's entries into `apply` if it belongs to `expected`
   * (same store, same root, a revision the store has reached). Never
   * throws for a missing, foreign, truncated or corrupted file: the result
   * says why it was not loaded, and the caller must then discard whatever
   * `apply` received.
   */
  async load(expected: { store: string; root: string; storeRevision: number }, apply: (entry: ViewEntry) => void): Promise<LoadResult> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { loaded: false, reason: code === 'ENOENT' ? 'no snapshot' : `cannot open: ${(error as Error).message}` };
    }
    try {
      return await read(handle, expected, apply);
    } catch (error) {
      return { loaded: false, reason: `unreadable: ${(error as Error).message}` };
    } finally {
      await handle.close();
    }
  }
}

async function read(
  handle: Awaited<ReturnType<typeof open>>,
  expected: { store: string; root: string; storeRevision: number },
  apply: (entry: ViewEntry) => void,
): Promise<LoadResult> {
  const size = (await handle.stat()).size;
  const bodySize = size - CHECKSUM;
  if (bodySize < MAGIC.length + 4 + 8) return { loaded: false, reason: 'truncated' };
  const hash = createHash('sha256');
  let position = 0;
  let buffer = Buffer.alloc(0);
  let at = 0;
  /** Makes `n` unread bytes of the body available at buffer[at]; false at the end of the body. */
  const need = async (n: number): Promise<boolean> => {
    if (buffer.length - at >= n) return true;
    if (bodySize - position < n - (buffer.length - at)) return false;
    const rest = buffer.subarray(at);
    const next = Buffer.allocUnsafe(rest.length + Math.max(n - rest.length, Math.min(CHUNK, bodySize - position)));
    rest.copy(next);
    const want = next.length - rest.length;
    const { bytesRead } = await handle.read(next, rest.length, want, position);
    if (bytesRead !== want) return false;
    hash.update(next.subarray(rest.length));
    position += want;
    buffer = next;
    at = 0;
    return true;
  };
  if (!(await need(MAGIC.length + 4)) || !buffer.subarray(0, MAGIC.length).equals(MAGIC))
    return { loaded: false, reason: 'not a view snapshot' };
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  at = MAGIC.length + 4;
  if (headerLength > 4096 || !(await need(headerLength))) return { loaded: false, reason: 'truncated' };
  const stamp = parseStamp(buffer.toString('utf8', at, at + headerLength));
  at += headerLength;
  if (!stamp) return { loaded: false, reason: 'unreadable header' };
  if (stamp.store !== expected.store)
    return { loaded: false, reason: `taken from another store (${stamp.store}, this is ${expected.store})` };
  if (stamp.root !== expected.root) return { loaded: false, reason: `taken under another key root (${stamp.root})` };
  if (stamp.revision > expected.storeRevision) {
    return { loaded: false, reason: `at revision ${stamp.revision}, ahead of the store's ${expected.storeRevision}` };
  }
  let count = 0;
  for (;;) {
    // Most entries are whole in the buffer already: only a chunk boundary awaits a read.
    if (buffer.length - at < ENTRY_HEAD && !(await need(8))) return { loaded: false, reason: 'truncated' };
    const keyBytes = buffer.readUInt32LE(at);
    if (keyBytes === END) {
      if (buffer.readUInt32LE(at + 4) !== count) return { loaded: false, reason: 'entry count does not match' };
      at += 8;
      break;
    }
    if (buffer.length - at < ENTRY_HEAD && !(await need(ENTRY_HEAD))) return { loaded: false, reason: 'truncated' };
    const valueBytes = buffer.readUInt32LE(at + 4);
    const size = ENTRY_HEAD + keyBytes + valueBytes;
    if (buffer.length - at < size && !(await need(size))) return { loaded: false, reason: 'truncated' };
    const modRevision = buffer.readDoubleLE(at + 8);
    const keyStart = at + ENTRY_HEAD;
    const valueStart = keyStart + keyBytes;
    const key = buffer.toString('utf8', keyStart, valueStart);
    const value = buffer.toString('utf8', valueStart, valueStart + valueBytes);
    at = valueStart + valueBytes;
    apply({ key, value, modRevision });
    count++;
  }
  if (at !== buffer.length || position !== bodySize) return { loaded: false, reason: 'bytes after the end' };
  const checksum = Buffer.allocUnsafe(CHECKSUM);
  await handle.read(checksum, 0, CHECKSUM, bodySize);
  if (!checksum.equals(hash.digest())) return { loaded: false, reason: 'checksum does not match' };
  return { loaded: true, revision: stamp.revision, entries: count, bytes: size };
}

function parseStamp(json: string): SnapshotStamp | undefined {
  try {
    const stamp = JSON.parse(json) as Partial<SnapshotStamp>;
    const ok = typeof stamp.store === 'string' && typeof stamp.root === 'string' && Number.isSafeInteger(stamp.revision);
    return ok ? (stamp as SnapshotStamp) : undefined;
  } catch {
    return undefined;
  }
}

/** A rename is durable once the directory that holds it is flushed. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
