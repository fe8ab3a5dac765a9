/**
 * The backup file: one line naming the format, one line of JSON manifest,
 * then the payload (a SQLite database or an etcd snapshot) byte for byte.
 * The manifest carries the payload's length and SHA-256, so a truncated or
 * damaged file is refused before anything is restored from it.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

const MAGIC = 'CHORUS-BACKUP 1';
/** A manifest is a few hundred bytes; anything longer is not one of ours. */
const MAX_HEADER_BYTES = 64 * 1024;

export type BackupFormat = 'sqlite' | 'etcd-snapshot';

export interface Manifest {
  format: BackupFormat;
  /** The store's revision the backup holds: every write up to it, none after. */
  revision: number;
  /** Keys in the backup (for etcd, key revisions in the snapshot as etcdctl counts them, etcd's own included). */
  keys: number;
  /** Length and SHA-256 of the payload that follows the header. */
  bytes: number;
  sha256: string;
  createdAt: string;
  /** For etcd: the number of members of the cluster the snapshot came from. */
  members?: number;
}

/** The file is not a usable backup; the message says why, safe to print. */
export class BackupFileError extends Error {
  override readonly name = 'BackupFileError';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Writes `target` as header + the payload file, through a temporary name
 * renamed at the end, so an interrupted backup never leaves a file that
 * looks complete.
 */
export async function writeBackupFile(target: string, payload: string, manifest: Omit<Manifest, 'sha256' | 'bytes'>): Promise<Manifest> {
  const fd = openSync(payload, 'r');
  const bytes = fstatSync(fd).size;
  closeSync(fd);
  const full: Manifest = { ...manifest, bytes, sha256: await sha256File(payload) };
  const partial = `${target}.partial`;
  try {
    const out = createWriteStream(partial, { mode: 0o600 });
    out.write(`${MAGIC}\n${JSON.stringify(full)}\n`);
    await pipeline(createReadStream(payload), out);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return full;
}

/** Reads and checks the header only: cheap, for listing. Throws BackupFileError. */
export function readManifest(file: string): { manifest: Manifest; offset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new BackupFileError(`cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const head = Buffer.alloc(MAX_HEADER_BYTES);
    const read = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, read);
    const first = text.indexOf(10);
    const second = first < 0 ? -1 : text.indexOf(10, first + 1);
    if (first < 0 || text.subarray(0, first).toString('latin1') !== MAGIC || second < 0) {
      throw new BackupFileError(`${file} is not a Chorus backup (it does not start with "${MAGIC}" and a manifest)`);
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(text.subarray(first + 1, second).toString('utf8')) as Manifest;
    } catch {
      throw new BackupFileError(`${file}: the backup's manifest is damaged`);
    }
    if (
      (manifest.format !== 'sqlite' && manifest.format !== 'etcd-snapshot') ||
      !Number.isSafeInteger(manifest.bytes) ||
      typeof manifest.sha256 !== 'string'
    ) {
      throw new BackupFileError(`${file}: the backup's manifest is damaged or from an unknown version`);
    }
    const offset = second + 1;
    const size = fstatSync(fd).size;
    if (size - offset < manifest.bytes) {
      throw new BackupFileError(`${file} is truncated: ${size - offset} of ${manifest.bytes} payload bytes are there`);
    }
    if (size - offset > manifest.bytes)
      throw new BackupFileError(`${file} has ${size - offset - manifest.bytes} bytes too many after its payload`);
    return { manifest, offset };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks the whole file (length and SHA-256) and copies its payload to
 * `payloadOut`. Throws BackupFileError, leaving nothing at `payloadOut`,
 * when the file is not a complete, undamaged backup.
 */
export async function extractPayload(file: string, payloadOut: string): Promise<Manifest> {
  const { manifest, offset } = readManifest(file);
  const hash = createHash('sha256');
  const input = createReadStream(file, { start: offset });
  input.on('data', (chunk) => hash.update(chunk));
  await pipeline(input, createWriteStream(payloadOut, { mode: 0o600 }));
  const actual = hash.digest('hex');
  if (actual !== manifest.sha256) {
    rmSync(payloadOut, { force: true });
    throw new BackupFileError(`${file} is damaged: its payload's SHA-256 is ${actual}, the manifest says ${manifest.sha256}`);
  }
  return manifest;
}
