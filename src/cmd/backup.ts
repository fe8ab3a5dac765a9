import path from 'node:path';
import { BackupFileError } from '../backup/backup-file.js';
import { backupDeployment, describeManifest, restoreDeployment } from '../backup/deployment-backup.js';
import { scheduleBackups } from '../backup/schedule.js';
import { BACKUP_SOCKET, backupEmbeddedKV, serveBackups } from '../backup/sqlite-backup.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { EmbeddedKV } from '../kv/embedded-kv.js';
import type { Logger } from '../log.js';
import type { Lifecycle } from './lifecycle.js';

export const backupUsage = [
  'usage: chorus backup FILE  [flags]   back up the deployment of DATA_DIR (or --store etcd with --etcd-* flags) while it runs',
  '       chorus restore FILE [flags]   restore FILE into an empty DATA_DIR, for `chorus all` or `chorus cluster` to serve',
  'Flags and environment as for the deployment: DATA_DIR, PORT (the etcd ports follow from it), CHORUS_ETCD_*.',
].join('\n');

/**
 * `chorus backup FILE` and `chorus restore FILE`: the deployment is found
 * from the same DATA_DIR/PORT settings it runs with. For an etcd cluster
 * outside DATA_DIR, `--store etcd` with endpoints and a root identity.
 */
export async function runBackupCommand(command: 'backup' | 'restore', argv: string[]): Promise<void> {
  const file = argv[0];
  if (!file || file.startsWith('-')) {
    console.error(`chorus ${command}: expected a FILE\n\n${backupUsage}`);
    process.exitCode = 2;
    return;
  }
  const rest = argv.slice(1);
  let config: ReturnType<typeof loadConfig>;
  try {
    // The deployment's own settings, read as `chorus all` reads them.
    config = loadConfig(['all', ...rest]);
  } catch (error) {
    console.error(`chorus ${command}: ${(error as Error).message}\n\n${backupUsage}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  try {
    if (command === 'backup') {
      const explicitEtcd = config.store === 'etcd';
      const manifest = await backupDeployment(
        {
          dataDir: config.dataDir,
          etcd: explicitEtcd ? { endpoints: config.etcdEndpoints, tls: config.etcdTls } : undefined,
          openEmbedded: (file) => EmbeddedKV.open({ path: file }),
        },
        file,
      );
      console.log(`backup written and checked:\n${describeManifest(path.resolve(file), manifest, performance.now() - started)}`);
    } else {
      const manifest = await restoreDeployment(file, {
        dataDir: config.dataDir,
        etcdClientPorts: config.etcdClientPorts,
        etcdPeerPorts: config.etcdPeerPorts,
      });
      const next = manifest.format === 'sqlite' ? 'npm start' : 'npm run cluster';
      console.log(
        `restored into ${config.dataDir}:\n${describeManifest(path.resolve(file), manifest, performance.now() - started)}\n` +
          `Start it with the same DATA_DIR and PORT: ${next}`,
      );
    }
  } catch (err) {
    if (err instanceof BackupFileError || err instanceof ConfigError) {
      console.error(`chorus ${command}: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(`chorus ${command} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

/**
 * In `chorus all` on the embedded store: answers `chorus backup` over the
 * data directory's socket and, when configured, takes scheduled backups.
 */
export async function serveEmbeddedBackups(config: Config, lifecycle: Lifecycle, log: Logger, kv: EmbeddedKV): Promise<void> {
  const socket = await serveBackups(kv, path.join(config.dataDir, BACKUP_SOCKET));
  lifecycle.add('backup socket', socket, (server) => new Promise<void>((resolve) => server.close(() => resolve())));
  if (config.backups) {
    const schedule = scheduleBackups({
      ...config.backups,
      dir: path.join(config.dataDir, 'backups'),
      backup: (target) => backupEmbeddedKV(kv, target),
      log,
    });
    lifecycle.add('backup schedule', schedule, (s) => s.close());
  }
}
