/**
 * The cluster supervisor's scheduled backups: `chorus cluster` with
 * CHORUS_BACKUP_EVERY snapshots its etcd cluster into DATA_DIR/backups,
 * keeps the newest CHORUS_BACKUP_KEEP, and each file it keeps passes the
 * checks `chorus restore` makes and restores into a new data directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { restoreDeployment } from '../../src/backup/deployment-backup.js';
import { spawnChorus } from '../helpers/chorus-process.js';
import { eventually } from '../helpers/eventually.js';

test('chorus cluster takes scheduled etcd snapshots, keeps the newest, and each restores', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'chorus-cluster-backup-'));
  const dataDir = path.join(root, 'live');
  const chorus = spawnChorus(['cluster'], {
    PORT: '0',
    DATA_DIR: dataDir,
    CHORUS_WEB_INSTANCES: '1',
    CHORUS_LOG_LEVEL: 'info',
    CHORUS_SHUTDOWN_GRACE_MS: '500',
    CHORUS_BACKUP_EVERY: '1s',
    CHORUS_BACKUP_KEEP: '1',
  });
  const taken = () =>
    chorus
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"backup taken"'));
  try {
    await eventually(() => chorus.output().includes('Chorus cluster is running'), {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: 'the cluster',
    });
    // A sign-up through the web instance: a write the snapshots taken after it must hold.
    const web = /web1\s+(http:\/\/\S+)/.exec(chorus.output())![1]!.replace('localhost', '127.0.0.1');
    const form = await fetch(`${web}/signup`);
    const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signUp = await fetch(`${web}/signup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web, cookie: cookie.join('; ') },
      body: new URLSearchParams({ username: 'backed_up', password: 'correct horse', _csrf: csrf }),
    });
    assert.equal(signUp.status, 303);
    const before = taken().length;
    // One taken after the sign-up, and at least one before it for KEEP to prune (the first turn is 1s after etcd starts).
    await eventually(() => taken().length >= Math.max(2, before + 1), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'a backup after the sign-up',
    });
  } finally {
    await chorus.stop();
  }
  try {
    assert.doesNotMatch(chorus.output(), /scheduled backup failed/);
    const backups = path.join(dataDir, 'backups');
    const kept = readdirSync(backups);
    const newest = path.basename((JSON.parse(taken().at(-1)!) as { file: string }).file);
    assert.deepEqual(kept, [newest], 'only the newest backup remains');
    const manifest = await restoreDeployment(path.join(backups, newest), {
      dataDir: path.join(root, 'restored'),
      etcdClientPorts: [0, 0, 0],
      etcdPeerPorts: [0, 0, 0],
    });
    assert.equal(manifest.format, 'etcd-snapshot');
    assert.equal(manifest.members, 3);
    // The account's keys, at least: a snapshot of a cluster nothing wrote to has revision 0.
    assert.ok(manifest.revision > 1, `revision ${manifest.revision}: the snapshot holds the sign-up`);
    assert.ok(manifest.keys > 1, `${manifest.keys} keys`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
