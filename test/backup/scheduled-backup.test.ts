/**
 * Scheduled backups of the embedded store, wired as `chorus all` wires them
 * (the configuration read from CHORUS_BACKUP_EVERY and CHORUS_BACKUP_KEEP,
 * serveEmbeddedBackups on a real store and lifecycle): a turn that fails is
 * logged and the next one succeeds, only the newest KEEP files stay, each
 * passes restore's checks, and the newest restores a post written before it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { restoreDeployment } from '../../src/backup/deployment-backup.js';
import { SQLITE_FILE } from '../../src/backup/sqlite-backup.js';
import { serveEmbeddedBackups } from '../../src/cmd/backup.js';
import { Lifecycle } from '../../src/cmd/lifecycle.js';
import { loadConfig } from '../../src/config.js';
import { EmbeddedKV } from '../../src/kv/embedded-kv.js';
import { keyspace } from '../../src/kv/keys.js';
import { createLogger } from '../../src/log.js';
import { AuthService } from '../../src/services/auth/auth-service.js';
import { SocialService } from '../../src/services/social/social-service.js';
import { eventually } from '../helpers/eventually.js';
import { FAST_HASHING } from '../helpers/fixtures.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'chorus-scheduled-backup-'));
after(() => rmSync(root, { recursive: true, force: true }));
const keys = keyspace();
const noEtcdPorts = { etcdClientPorts: [0, 0, 0], etcdPeerPorts: [0, 0, 0] };

test('every 1s keeping 2: a failed turn is logged and retried, the newest two stay, each restores', { timeout: 30_000 }, async () => {
  const dataDir = path.join(root, 'live');
  mkdirSync(dataDir);
  const config = loadConfig(['all'], { DATA_DIR: dataDir, CHORUS_BACKUP_EVERY: '1s', CHORUS_BACKUP_KEEP: '2', CHORUS_LOG_LEVEL: 'info' });
  const lines: { msg: string; file?: string; err?: { message: string } }[] = [];
  const output = new PassThrough();
  output.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const log = createLogger(config, 'chorus-all', output);
  const shutdown = new AbortController();
  const lifecycle = new Lifecycle(log, shutdown.signal);
  const kv = lifecycle.add('store', await EmbeddedKV.open({ path: path.join(dataDir, SQLITE_FILE) }), (s) => s.close());
  const backups = path.join(dataDir, 'backups');
  // A file where the backups directory belongs: the first turn cannot write.
  writeFileSync(backups, 'in the way');
  const social = new SocialService({ kv, keys });
  await new AuthService({ kv, keys, passwordHashing: FAST_HASHING }).signUp('alice', 'correct horse');
  const alice = social.trustedActor('alice');
  const first = await alice.post('before any backup');
  await serveEmbeddedBackups(config, lifecycle, log, kv);
  let second: Awaited<ReturnType<typeof alice.post>> | undefined;
  const taken = () => lines.filter((l) => l.msg === 'backup taken');
  try {
    await eventually(() => lines.some((l) => l.msg === 'scheduled backup failed'), { timeoutMs: 5000, what: 'the failed turn' });
    const failure = lines.find((l) => l.msg === 'scheduled backup failed')!;
    assert.match(failure.err?.message ?? '', /EEXIST|ENOTDIR/);
    assert.equal(taken().length, 0);
    rmSync(backups);
    await eventually(() => taken().length >= 1, { timeoutMs: 5000, what: 'the retried turn' });
    second = await alice.post('after the first backup');
    await eventually(() => taken().length >= 3, { timeoutMs: 10_000, what: 'three backups' });
  } finally {
    shutdown.abort();
    await lifecycle.close();
  }
  // Log lines of a turn that ended during the close reach `lines` a tick later.
  await new Promise((resolve) => setImmediate(resolve));

  const written = taken().map((l) => path.basename(l.file!));
  const kept = readdirSync(backups).sort();
  assert.deepEqual(kept, written.slice(-2).sort(), `only the newest two of ${written.join(', ')} remain`);
  let newest: string | undefined;
  for (const [i, name] of kept.entries()) {
    const target = path.join(root, `restored-${i}`);
    const manifest = await restoreDeployment(path.join(backups, name), { dataDir: target, ...noEtcdPorts });
    assert.equal(manifest.format, 'sqlite');
    newest = target;
  }
  const restored = await EmbeddedKV.open({ path: path.join(newest!, SQLITE_FILE) });
  try {
    const again = new SocialService({ kv: restored, keys });
    assert.equal((await again.getPost(first.id)).text, 'before any backup');
    // Written after the first backup was taken, before the newest.
    assert.equal((await again.getPost(second!.id)).text, 'after the first backup');
  } finally {
    await restored.close();
  }
});
