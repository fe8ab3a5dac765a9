/**
 * Scheduled backups: one every `everyMs` into `dir`, named by the time
 * they were taken so they sort in order, keeping the newest `keep`. A
 * failed backup is logged and tried again at the next turn; it never stops
 * the process it runs in. One backup at a time: the next turn is counted
 * from the end of the last.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Manifest } from './backup-file.js';

export interface BackupSchedule {
  /** Stops the schedule; resolves once a backup under way has finished. */
  close(): Promise<void>;
}

const NAME = /^chorus-\d{8}T\d{6}(\d{3})?Z\.backup$/;

export function scheduleBackups(options: {
  everyMs: number;
  keep: number;
  dir: string;
  backup: (target: string) => Promise<Manifest>;
  log: Logger;
}): BackupSchedule {
  const { everyMs, keep, dir, backup, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const turn = async () => {
    const target = path.join(dir, `chorus-${new Date().toISOString().replace(/[-:]/g, '').replace('.', '')}.backup`);
    const started = performance.now();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const manifest = await backup(target);
      log.info(
        {
          file: target,
          revision: manifest.revision,
          keys: manifest.keys,
          bytes: manifest.bytes,
          ms: Math.round(performance.now() - started),
        },
        'backup taken',
      );
      pruneBackups(dir, keep);
    } catch (error) {
      log.error({ err: error, file: target }, 'scheduled backup failed');
    }
  };
  const arm = () => {
    if (closed) return;
    timer = setTimeout(() => {
      running = turn().finally(arm);
    }, everyMs);
    timer.unref();
  };
  arm();
  return {
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Deletes all but the newest `keep` scheduled backups in `dir`; other files are left alone. */
export function pruneBackups(dir: string, keep: number): string[] {
  const backups = readdirSync(dir)
    .filter((name) => NAME.test(name))
    .sort();
  const old = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of old) rmSync(path.join(dir, name), { force: true });
  return old;
}
