/**
 * Backups of the embedded store, taken through the running process's
 * socket as `chorus backup` takes them, while a writer posts; restored into
 * a new data directory that then serves and accepts writes. Damaged files
 * are refused before anything is written.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BackupFileError } from '../../src/backup/backup-file.js';
import { backupDeployment, restoreDeployment } from '../../src/backup/deployment-backup.js';
import { pruneBackups } from '../../src/backup/schedule.js';
import { BACKUP_SOCKET, SQLITE_FILE, serveBackups } from '../../src/backup/sqlite-backup.js';
import type { Post } from '../../src/domain/post.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { keyspace } from '../../src/kv/keys.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'chorus-backup-'));
after(() => rmSync(root, { recursive: true, force: true }));
const keys = keyspace();
const openEmbedded = (file: string) => EmbeddedKV.open({ path: file });
const noEtcdPorts = { etcdClientPorts: [0, 0, 0], etcdPeerPorts: [0, 0, 0] };

async function openDeployment(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const kv = await EmbeddedKV.open({ path: path.join(dataDir, SQLITE_FILE) });
  const social = new SocialService({ kv, keys });
  const auth = new AuthService({ kv, keys, passwordHashing: FAST_HASHING });
  return { kv, social, auth, close: () => kv.close() };
}

/** A small deployment with a backup of it, made once and shared by the refusal tests. */
async function someBackup(name: string): Promise<string> {
  const dataDir = path.join(root, `${name}-source`);
  const d = await openDeployment(dataDir);
  await d.auth.signUp('alice', 'correct horse');
  await d.social.trustedActor('alice').post('hello');
  await d.close();
  const file = path.join(root, `${name}.backup`);
  await backupDeployment({ dataDir, openEmbedded }, file);
  return file;
}

describe('embedded store backups', () => {
  test('a backup taken while a writer posts holds every post acknowledged before it began, and the restore serves and writes', async () => {
    const source = path.join(root, 'live');
    const live = await openDeployment(source);
    const socket = await serveBackups(live.kv, path.join(source, BACKUP_SOCKET));
    await live.auth.signUp('alice', 'correct horse');
    const alice = live.social.trustedActor('alice');
    const acknowledged: Post[] = [];
    let writing = true;
    const writer = (async () => {
      // The embedded store answers without I/O waits, so the writer yields to let the backup's steps run between posts.
      for (let i = 0; writing && i < 5000; i++) {
        acknowledged.push(await alice.post(`status ${i}`));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    while (acknowledged.length < 50) await new Promise((resolve) => setImmediate(resolve));
    const beforeBackup = acknowledged.length;
    const file = path.join(root, 'live.backup');
    const manifest = await backupDeployment({ dataDir: source, openEmbedded }, file);
    const duringBackup = acknowledged.length - beforeBackup;
    writing = false;
    await writer;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await live.close();
    assert.equal(manifest.format, 'sqlite');
    assert.ok(duringBackup > 0, 'the writer kept posting while the backup ran');
    assert.ok(manifest.keys > beforeBackup, `the backup holds ${manifest.keys} keys`);

    const target = path.join(root, 'restored');
    const restored = await restoreDeployment(file, { dataDir: target, ...noEtcdPorts });
    assert.deepEqual(restored, manifest);
    const again = await openDeployment(target);
    try {
      assert.equal((await again.kv.range({ prefix: keys.root, limit: 1 })).revision, manifest.revision);
      for (const post of acknowledged.slice(0, beforeBackup)) {
        assert.equal((await again.social.getPost(post.id)).text, post.text);
      }
      const later = await again.social.trustedActor('alice').post('after the restore');
      assert.equal((await again.social.getPost(later.id)).text, 'after the restore');
      assert.ok((await again.auth.logIn('alice', 'correct horse')).token, 'the restored account logs in');
    } finally {
      await again.close();
    }
  });

  test('a backup is taken from a stopped deployment too, and restore refuses a data directory that is not empty', async () => {
    const file = await someBackup('stopped');
    const busy = path.join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'something'), 'x');
    await assert.rejects(restoreDeployment(file, { dataDir: busy, ...noEtcdPorts }), (error: Error) => {
      assert.ok(error instanceof BackupFileError);
      assert.match(error.message, /is not empty/);
      return true;
    });
  });

  test('a truncated, damaged or foreign file is refused with a clear message and nothing restored', async () => {
    const file = await someBackup('damage');
    const bytes = readFileSync(file);
    const cases: [string, (f: string) => void, RegExp][] = [
      ['truncated', (f) => truncateSync(f, bytes.length - 100), /is truncated: \d+ of \d+ payload bytes/],
      ['extended', (f) => appendFileSync(f, 'more'), /bytes too many/],
      [
        'flipped',
        (f) => {
          const copy = Buffer.from(bytes);
          copy[copy.length - 5000]! ^= 0xff;
          writeFileSync(f, copy);
        },
        /is damaged: its payload's SHA-256 is [0-9a-f]{64}, the manifest says/,
      ],
      ['foreign', (f) => writeFileSync(f, 'SQLite format 3\0 and so on'), /is not a Chorus backup/],
      [
        'header',
        (f) => writeFileSync(f, Buffer.concat([Buffer.from('CHORUS-BACKUP 1\n{"format":'), bytes.subarray(100)])),
        /manifest is damaged/,
      ],
    ];
    for (const [name, damage, message] of cases) {
      const broken = path.join(root, `${name}.backup`);
      writeFileSync(broken, bytes);
      damage(broken);
      const target = path.join(root, `restore-${name}`);
      await assert.rejects(restoreDeployment(broken, { dataDir: target, ...noEtcdPorts }), (error: Error) => {
        assert.ok(error instanceof BackupFileError, name);
        assert.match(error.message, message, name);
        return true;
      });
      assert.deepEqual(readdirSafe(target), [], `${name}: nothing restored`);
    }
  });

  test('pruning keeps the newest scheduled backups and nothing else is touched', () => {
    const dir = path.join(root, 'schedule');
    mkdirSync(dir);
    const names = ['20260101T000000000Z', '20260102T000000000Z', '20260103T000000000Z'].map((t) => `chorus-${t}.backup`);
    for (const name of [...names, 'mine.backup']) writeFileSync(path.join(dir, name), '');
    assert.deepEqual(pruneBackups(dir, 2), [names[0]]);
    assert.deepEqual(readdirSync(dir).sort(), [names[1], names[2], 'mine.backup'].sort());
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
