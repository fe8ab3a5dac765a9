/**
 * Backups of the embedded store. The running `chorus all` holds its SQLite
 * file under an exclusive lock (watches see only writes made through it),
 * so another process cannot read the file: the running process makes the
 * copy itself, asked over a Unix socket in its data directory, which only
 * the data directory's owner can reach. When nothing runs, the file is
 * opened directly.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BackupFileError, extractPayload, type Manifest, writeBackupFile } from './backup-file.js';

export const SQLITE_FILE = 'chorus.sqlite';

/** The embedded store as backups see it (EmbeddedKV.backup); engines are constructed only in cmd/ and tests. */
export interface BackupableStore {
  backup(file: string): Promise<void>;
}

/** Opens the store file when no process holds it: `(file) => EmbeddedKV.open({ path: file })`. */
export type OpenEmbedded = (file: string) => Promise<BackupableStore & { close(): Promise<void> }>;
export const BACKUP_SOCKET = 'backup.sock';

/** Backs up a running store to `target` and checks the copy; returns what the file holds. */
export async function backupEmbeddedKV(kv: BackupableStore, target: string): Promise<Manifest> {
  const work = mkdtempSync(path.join(path.dirname(path.resolve(target)), '.chorus-backup-'));
  try {
    const copy = path.join(work, SQLITE_FILE);
    await kv.backup(copy);
    const { revision, keys } = inspectSqlite(copy);
    return await writeBackupFile(target, copy, { format: 'sqlite', revision, keys, createdAt: new Date().toISOString() });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Backs up the embedded store of `dataDir`: through the running process's
 * socket if one answers, else from the file itself.
 */
export async function backupEmbeddedDataDir(dataDir: string, target: string, open: OpenEmbedded): Promise<Manifest> {
  const socket = path.join(dataDir, BACKUP_SOCKET);
  if (existsSync(socket)) {
    try {
      return await requestBackup(socket, path.resolve(target));
    } catch (error) {
      if ((error as { code?: string }).code !== 'ECONNREFUSED') throw error;
      // A socket left by a process that was killed: nothing serves it, so the file is free.
    }
  }
  const file = path.join(dataDir, SQLITE_FILE);
  if (!existsSync(file)) throw new Error(`no embedded store in ${dataDir} (no ${SQLITE_FILE})`);
  const kv = await open(file);
  try {
    return await backupEmbeddedKV(kv, target);
  } finally {
    await kv.close();
  }
}

/** The revision and key count of a SQLite copy, read from the copy itself, which proves it opens. */
export function inspectSqlite(file: string): { revision: number; keys: number } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupFileError(`the SQLite copy fails its integrity check: ${String(check)}`);
    const revision = (db.prepare("SELECT value FROM meta WHERE name = 'revision'").get() as { value: number }).value;
    const keys = (db.prepare('SELECT count(*) AS n FROM kv').get() as { n: number }).n;
    return { revision, keys };
  } finally {
    db.close();
  }
}

/** Writes the backup's database into `dataDir` (which the caller has checked is empty) and checks it opens. */
export async function restoreSqlite(file: string, dataDir: string): Promise<Manifest> {
  const target = path.join(dataDir, SQLITE_FILE);
  const manifest = await extractPayload(file, target);
  const found = inspectSqlite(target);
  if (found.revision !== manifest.revision || found.keys !== manifest.keys) {
    rmSync(target, { force: true });
    throw new BackupFileError(
      `${file}: the database holds revision ${found.revision} with ${found.keys} keys, the manifest says ${manifest.revision} and ${manifest.keys}`,
    );
  }
  renameStore(target);
  return manifest;
}

/**
 * A restored store continues from an older revision than the one it was
 * copied from, so it must not pass for that store (KV.identity): a snapshot
 * of the social view taken after the backup would otherwise be loaded over it.
 */
function renameStore(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.prepare("DELETE FROM meta WHERE name = 'store_id'").run();
  } finally {
    db.close();
  }
}

/**
 * Serves backup requests for the store on a Unix socket: one JSON line in
 * (`{"target": "/abs/file"}`), one JSON line out (the manifest or an error).
 */
export async function serveBackups(kv: BackupableStore, socketPath: string): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer((connection) => {
    let input = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => {
      input += chunk;
      if (input.length > 8192) connection.destroy();
      if (!input.includes('\n')) return;
      let target: unknown;
      try {
        target = (JSON.parse(input) as { target?: unknown }).target;
      } catch {
        target = undefined;
      }
      if (typeof target !== 'string' || !path.isAbsolute(target)) {
        connection.end(`${JSON.stringify({ error: 'expected {"target": "/absolute/path"}' })}\n`);
        return;
      }
      backupEmbeddedKV(kv, target).then(
        (manifest) => connection.end(`${JSON.stringify({ manifest })}\n`),
        (error: Error) => connection.end(`${JSON.stringify({ error: error.message })}\n`),
      );
    });
    connection.on('error', () => connection.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Only the owner may ask for a copy of everything.
    server.listen({ path: socketPath, readableAll: false, writableAll: false }, resolve);
  });
  return server;
}

function requestBackup(socketPath: string, target: string): Promise<Manifest> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socketPath);
    let output = '';
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write(`${JSON.stringify({ target })}\n`));
    connection.on('data', (chunk: string) => {
      output += chunk;
    });
    connection.on('error', reject);
    connection.on('end', () => {
      try {
        const answer = JSON.parse(output) as { manifest?: Manifest; error?: string };
        if (answer.manifest) resolve(answer.manifest);
        else reject(new Error(`the running Chorus could not back up: ${answer.error ?? 'no answer'}`));
      } catch {
        reject(new Error('the running Chorus closed the backup socket without an answer'));
      }
    });
  });
}
