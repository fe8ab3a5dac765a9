import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Post } from '../../domain/post.js';
import { parsePublicAccount } from '../../kv/records.js';
import type { View } from './view.js';

/**
 * The social view saved on local disk, so that a restart loads it and
 * watches the store from its revision instead of listing every key again.
 *
 * One file, `view.snapshot`, written to a temporary name, flushed and
 * renamed over the old one, so a crash leaves the old snapshot or the new
 * one, never half of either. It holds the view's own records rather than
 * the store's key-values: a post is its fields in binary, its author a
 * number into a table of usernames, an edge two such numbers and a
 * revision, so a load makes no key strings, parses no JSON for posts and
 * sorts nothing (the posts come in id order), which is what made the
 * key-value form (CHVIEW01) take ~8 s of CPU at 1M posts
 * (docs/performance.md). Layout (integers little-endian):
 *
 *   "CHVIEW02"  u32 header length  header: JSON SnapshotStamp
 *   records:    u32 body length  u8 kind  rest of the body
 *   end:        u32 0xFFFFFFFF  u32 record count
 *   SHA-256 of every byte before it
 *
 * Records (str: u32 byte length + UTF-8; list: u32 count + str each):
 *   1 name     a username, UTF-8; names are numbered 0, 1, … in the order
 *              written, each before its first use
 *   2 account  the account's record as the store holds it (JSON)
 *   3 edges    u32 follower's name, then per edge: u32 followee's name,
 *              f64 the revision the edge was last written at
 *   4 post     u32 author's name, u8 which optional fields follow (the
 *              bits of POST_FIELDS), f64 createdAtMs, str id, str text,
 *              then the optional fields present, strings as str, lists as list
 *   5 entry    any other key the view holds (sessions, post indexes,
 *              relations): u32 key bytes, f64 modRevision, key, value
 * Accounts come first (edges and posts share their usernames), posts in
 * ascending id order (View.eachPost).
 *
 * The loader checks the stamp before applying anything and the checksum
 * after; a file that fails either, or does not parse, is reported, not
 * loaded. A file of another format (an older CHVIEW01) is refused the
 * same way, and the model lists the store instead.
 */
export interface SnapshotStamp {
  /** KV.identity of the store the view was read from. */
  store: string;
  /** The keyspace root the view was read under. */
  root: string;
  /** Every event after this revision must be applied again to the loaded view (see View.entries). */
  revision: number;
}

/** What a snapshot is written from. */
export type SnapshotSource = Pick<View, 'eachAccount' | 'eachEdgeList' | 'eachPost' | 'otherEntries'>;
/** What a snapshot is loaded into (a fresh View, then endListing). */
export type SnapshotTarget = Pick<View, 'listAccount' | 'listEdge' | 'listPost' | 'applyListed' | 'sharedName'>;

/** `entries`: the keys the view held (accounts, edges, posts and other entries), as a listing would count them. */
export type LoadResult = { loaded: true; revision: number; entries: number; bytes: number } | { loaded: false; reason: string };

const MAGIC = Buffer.from('CHVIEW02');
const END = 0xffffffff;
const CHECKSUM = 32;
const CHUNK = 1 << 20;
const FILE = 'view.snapshot';

const NAME = 1;
const ACCOUNT = 2;
const EDGES = 3;
const POST = 4;
const ENTRY = 5;

/**
 * How each field of Post is written: always, or when present, flagged by
 * its bit. A field added to Post fails to compile here until the format
 * carries it; changing this changes the format, so change MAGIC with it.
 */
const POST_FIELDS = {
  id: 'always',
  author: 'always',
  text: 'always',
  createdAtMs: 'always',
  inReplyToId: 1,
  inReplyToAuthor: 2,
  reblogOf: 4,
  mentions: 8,
  tags: 16,
} as const satisfies Record<keyof Post, 'always' | number>;
const POST_FIELD_BITS = 31;

export class ViewSnapshots {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  get file(): string {
    return path.join(this.#dir, FILE);
  }

  /** Writes the view under the stamp, replacing the previous snapshot only once the new one is whole and flushed. */
  async save(stamp: SnapshotStamp, view: SnapshotSource): Promise<{ entries: number; bytes: number }> {
    await mkdir(this.#dir, { recursive: true });
    const temporary = path.join(this.#dir, `.${FILE}.${process.pid}.tmp`);
    const handle = await open(temporary, 'w', 0o600);
    const out = new RecordWriter(handle);
    try {
      const header = Buffer.from(JSON.stringify(stamp));
      await out.room(MAGIC.length + 4 + header.length);
      out.bytes(MAGIC);
      out.u32(header.length);
      out.bytes(header);
      const entries = await writeRecords(out, view);
      await out.room(8);
      out.u32(END);
      out.u32(out.records);
      const bytes = await out.finish();
      await handle.sync();
      await handle.close();
      await rename(temporary, this.file);
      await syncDirectory(this.#dir);
      return { entries, bytes };
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * Streams the snapshot into `view` if it belongs to `expected` (same
   * store, same root, a revision the store has reached). Never throws for
   * a missing, foreign, truncated or corrupted file: the result says why
   * it was not loaded, and the caller must then discard `view`.
   */
  async load(expected: { store: string; root: string; storeRevision: number }, view: SnapshotTarget): Promise<LoadResult> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { loaded: false, reason: code === 'ENOENT' ? 'no snapshot' : `cannot open: ${(error as Error).message}` };
    }
    try {
      return await read(handle, expected, view);
    } catch (error) {
      return { loaded: false, reason: `unreadable: ${(error as Error).message}` };
    } finally {
      await handle.close();
    }
  }
}

/** Writes every record; returns how many keys of the view they hold. */
async function writeRecords(out: RecordWriter, view: SnapshotSource): Promise<number> {
  const names = new Map<string, number>();
  const name = async (username: string): Promise<number> => {
    let index = names.get(username);
    if (index !== undefined) return index;
    index = names.size;
    names.set(username, index);
    await out.room(9 + 3 * username.length);
    out.begin(NAME);
    out.raw(username);
    out.end();
    return index;
  };
  let entries = 0;
  for (const account of view.eachAccount()) {
    const json = JSON.stringify(account);
    // Awaited only when the buffer is full: an await per record costs more than the record.
    if (!out.fits(9 + 3 * json.length)) await out.room(9 + 3 * json.length);
    out.begin(ACCOUNT);
    out.raw(json);
    out.end();
    entries++;
  }
  for (const [follower, edges] of view.eachEdgeList()) {
    const followees: number[] = [];
    const revisions: number[] = [];
    for (const [followee, revision] of edges) {
      followees.push(names.get(followee) ?? (await name(followee)));
      revisions.push(revision);
    }
    const from = names.get(follower) ?? (await name(follower));
    await out.room(9 + 4 + 12 * followees.length);
    out.begin(EDGES);
    out.u32(from);
    for (let i = 0; i < followees.length; i++) {
      out.u32(followees[i]!);
      out.f64(revisions[i]!);
    }
    out.end();
    entries += followees.length;
  }
  for (const post of view.eachPost()) {
    const author = names.get(post.author) ?? (await name(post.author));
    const size = postBytes(post);
    if (!out.fits(size)) await out.room(size);
    out.begin(POST);
    out.u32(author);
    out.u8(
      (post.inReplyToId === undefined ? 0 : POST_FIELDS.inReplyToId) |
        (post.inReplyToAuthor === undefined ? 0 : POST_FIELDS.inReplyToAuthor) |
        (post.reblogOf === undefined ? 0 : POST_FIELDS.reblogOf) |
        (post.mentions === undefined ? 0 : POST_FIELDS.mentions) |
        (post.tags === undefined ? 0 : POST_FIELDS.tags),
    );
    out.f64(post.createdAtMs);
    out.text(post.id);
    out.text(post.text);
    if (post.inReplyToId !== undefined) out.text(post.inReplyToId);
    if (post.inReplyToAuthor !== undefined) out.text(post.inReplyToAuthor);
    if (post.reblogOf !== undefined) out.text(post.reblogOf);
    if (post.mentions !== undefined) out.list(post.mentions);
    if (post.tags !== undefined) out.list(post.tags);
    out.end();
    entries++;
  }
  for (const { key, value, modRevision } of view.otherEntries()) {
    const size = 21 + 3 * (key.length + value.length);
    if (!out.fits(size)) await out.room(size);
    out.begin(ENTRY);
    const keyBytes = out.reserveU32();
    out.f64(modRevision);
    out.setU32(keyBytes, out.raw(key));
    out.raw(value);
    out.end();
    entries++;
  }
  return entries;
}

/** The most bytes a post's record can take (3 bytes of UTF-8 per UTF-16 unit at most). */
function postBytes(post: Post): number {
  let size = 4 + 1 + 4 + 1 + 8 + 8 + 3 * (post.id.length + post.text.length);
  for (const field of [post.inReplyToId, post.inReplyToAuthor, post.reblogOf]) if (field !== undefined) size += 4 + 3 * field.length;
  for (const list of [post.mentions, post.tags]) if (list !== undefined) for (const item of list) size += 4 + 3 * item.length;
  return size + 8;
}

/** A buffered writer of records, hashing what it writes; awaits only to flush. */
class RecordWriter {
  records = 0;
  #buffer = Buffer.allocUnsafe(CHUNK);
  #used = 0;
  #written = 0;
  #recordStart = 0;
  readonly #hash = createHash('sha256');

  constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  fits(size: number): boolean {
    return this.#used + size <= this.#buffer.length;
  }

  /** Makes room for `size` more bytes in the buffer. */
  async room(size: number): Promise<void> {
    if (this.fits(size)) return;
    await this.#flush();
    if (size > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(size);
  }

  begin(kind: number): void {
    this.#recordStart = this.#used;
    this.#used += 4;
    this.u8(kind);
  }

  end(): void {
    this.#buffer.writeUInt32LE(this.#used - this.#recordStart - 4, this.#recordStart);
    this.records++;
  }

  u8(value: number): void {
    this.#buffer[this.#used++] = value;
  }

  u32(value: number): void {
    this.#used = this.#buffer.writeUInt32LE(value, this.#used);
  }

  f64(value: number): void {
    this.#used = this.#buffer.writeDoubleLE(value, this.#used);
  }

  bytes(bytes: Buffer): void {
    this.#used += bytes.copy(this.#buffer, this.#used);
  }

  /** A string's UTF-8 without its length; returns how many bytes it took. */
  raw(text: string): number {
    const length = this.#buffer.write(text, this.#used, 'utf8');
    this.#used += length;
    return length;
  }

  /** A string with its length first. */
  text(value: string): void {
    const at = this.reserveU32();
    this.setU32(at, this.raw(value));
  }

  list(values: readonly string[]): void {
    this.u32(values.length);
    for (const value of values) this.text(value);
  }

  reserveU32(): number {
    const at = this.#used;
    this.#used += 4;
    return at;
  }

  setU32(at: number, value: number): void {
    this.#buffer.writeUInt32LE(value, at);
  }

  /** Writes what is buffered and the checksum; returns the file's size. */
  async finish(): Promise<number> {
    await this.#flush();
    await this.handle.write(this.#hash.digest());
    return this.#written + CHECKSUM;
  }

  async #flush(): Promise<void> {
    const chunk = this.#buffer.subarray(0, this.#used);
    this.#hash.update(chunk);
    await this.handle.write(chunk);
    this.#written += this.#used;
    this.#used = 0;
  }
}

async function read(
  handle: Awaited<ReturnType<typeof open>>,
  expected: { store: string; root: string; storeRevision: number },
  view: SnapshotTarget,
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
  if (!(await need(MAGIC.length + 4)) || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { loaded: false, reason: 'not a view snapshot of this format' };
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  at = MAGIC.length + 4;
  if (headerLength > 4096 || !(await need(headerLength))) return { loaded: false, reason: 'truncated' };
  const stamp = parseStamp(buffer.toString('utf8', at, at + headerLength));
  at += headerLength;
  if (!stamp) return { loaded: false, reason: 'unreadable header' };
  if (stamp.store !== expected.store) {
    return { loaded: false, reason: `taken from another store (${stamp.store}, this is ${expected.store})` };
  }
  if (stamp.root !== expected.root) return { loaded: false, reason: `taken under another key root (${stamp.root})` };
  if (stamp.revision > expected.storeRevision) {
    return { loaded: false, reason: `at revision ${stamp.revision}, ahead of the store's ${expected.storeRevision}` };
  }
  const decoder = new RecordDecoder(view);
  for (;;) {
    // Most records are whole in the buffer already: only a chunk boundary awaits a read.
    if (buffer.length - at < 4 && !(await need(4))) return { loaded: false, reason: 'truncated' };
    const length = buffer.readUInt32LE(at);
    if (length === END) {
      if (!(await need(8)) || buffer.readUInt32LE(at + 4) !== decoder.records) {
        return { loaded: false, reason: 'record count does not match' };
      }
      at += 8;
      break;
    }
    if (buffer.length - at < 4 + length && !(await need(4 + length))) return { loaded: false, reason: 'truncated' };
    decoder.decode(buffer, at + 4, at + 4 + length);
    at += 4 + length;
  }
  if (at !== buffer.length || position !== bodySize) return { loaded: false, reason: 'bytes after the end' };
  const checksum = Buffer.allocUnsafe(CHECKSUM);
  await handle.read(checksum, 0, CHECKSUM, bodySize);
  if (!checksum.equals(hash.digest())) return { loaded: false, reason: 'checksum does not match' };
  return { loaded: true, revision: stamp.revision, entries: decoder.entries, bytes: size };
}

/** Decodes records into the view; throws on a record that does not parse (the load then reports the file unreadable). */
class RecordDecoder {
  records = 0;
  entries = 0;
  readonly #names: string[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #at = 0;
  #end = 0;

  constructor(private readonly view: SnapshotTarget) {}

  decode(buffer: Buffer, start: number, end: number): void {
    if (end === start) throw new Error('empty record');
    this.#buffer = buffer;
    this.#at = start + 1;
    this.#end = end;
    switch (buffer[start]) {
      case NAME:
        // Resolved once per name, not once per edge or post (names follow the accounts).
        this.#names.push(this.view.sharedName(this.#rest()));
        break;
      case ACCOUNT:
        this.view.listAccount(parsePublicAccount(this.#rest()));
        this.entries++;
        break;
      case EDGES: {
        const follower = this.#name();
        while (this.#at < end) this.view.listEdge(follower, this.#name(), this.#f64());
        this.entries += (end - start - 5) / 12;
        break;
      }
      case POST:
        this.view.listPost(this.#post());
        this.entries++;
        break;
      case ENTRY: {
        const keyBytes = this.#u32();
        const modRevision = this.#f64();
        const key = this.#string(keyBytes);
        this.view.applyListed({ key, value: this.#rest(), modRevision });
        this.entries++;
        break;
      }
      default:
        throw new Error(`unknown record kind ${buffer[start]}`);
    }
    if (this.#at !== end) throw new Error('record overran its length');
    this.records++;
  }

  #post(): Post {
    const author = this.#name();
    const present = this.#buffer[this.#at++]!;
    if ((present & ~POST_FIELD_BITS) !== 0) throw new Error('unknown post fields');
    const createdAtMs = this.#f64();
    const id = this.#text();
    const text = this.#text();
    // The fields in the order parsePost gives them, so loaded and listed posts share one shape.
    const post: Post = { id, author, text, createdAtMs };
    if (present & POST_FIELDS.inReplyToId) post.inReplyToId = this.#text();
    if (present & POST_FIELDS.inReplyToAuthor) post.inReplyToAuthor = this.#text();
    if (present & POST_FIELDS.reblogOf) post.reblogOf = this.#text();
    if (present & POST_FIELDS.mentions) post.mentions = this.#list();
    if (present & POST_FIELDS.tags) post.tags = this.#list();
    return post;
  }

  #name(): string {
    const index = this.#u32();
    const name = this.#names[index];
    if (name === undefined) throw new Error(`name ${index} not defined`);
    return name;
  }

  #u32(): number {
    if (this.#at + 4 > this.#end) throw new Error('record overran its length');
    const value = this.#buffer.readUInt32LE(this.#at);
    this.#at += 4;
    return value;
  }

  #f64(): number {
    if (this.#at + 8 > this.#end) throw new Error('record overran its length');
    const value = this.#buffer.readDoubleLE(this.#at);
    this.#at += 8;
    return value;
  }

  #string(bytes: number): string {
    const end = this.#at + bytes;
    if (end > this.#end) throw new Error('record overran its length');
    const text = this.#buffer.toString('utf8', this.#at, end);
    this.#at = end;
    return text;
  }

  #text(): string {
    return this.#string(this.#u32());
  }

  #rest(): string {
    return this.#string(this.#end - this.#at);
  }

  #list(): string[] {
    const count = this.#u32();
    const list: string[] = [];
    for (let i = 0; i < count; i++) list.push(this.#text());
    return list;
  }
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
