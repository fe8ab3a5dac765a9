/**
 * Durability of the embedded engine: `chorus all` on SQLite is SIGKILLed
 * in the middle of a stream of posts and started again on the same data
 * directory. The clients keep retrying with the same idempotency keys
 * across the restart; afterwards every acknowledged post must be there
 * exactly once and SQLite's integrity check must pass.
 */

import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { findFreePorts } from '../src/supervisor/ports.js';
import { type CheckResult, checkHistory } from './checker.js';
import { ChorusInstance } from './deployment.js';
import type { FaultEvent } from './figures.js';
import { readFinalState } from './final-read.js';
import { HistoryRecorder } from './history.js';
import { WebPool } from './web-pool.js';
import { prepareWorkload } from './workload.js';

export interface EmbeddedResult {
  check: CheckResult;
  recorder: HistoryRecorder;
  fault: FaultEvent;
  durationMs: number;
  /** PRAGMA integrity_check, right after the kill and after the final clean stop. */
  integrity: string[];
}

function integrityCheck(file: string): string {
  const db = new Database(file);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

export async function runEmbedded(options: {
  workDir: string;
  logDir: string;
  random: () => number;
  workers: number;
  loadMs: number;
  log: (line: string) => void;
}): Promise<EmbeddedResult> {
  const dataDir = path.join(options.workDir, 'embedded');
  const [web, auth, social] = await findFreePorts(3);
  const env = {
    ...process.env,
    CHORUS_STORE: 'embedded',
    DATA_DIR: dataDir,
    CHORUS_AUTH_PORT: String(auth),
    CHORUS_SOCIAL_PORT: String(social),
    CHORUS_RATE_LIMITS: 'off',
    // Every load-generator connection comes from 127.0.0.1: the per-address cap is for real clients.
    CHORUS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    CHORUS_LOG_LEVEL: 'warn',
  };
  const all = new ChorusInstance('all', 'all', web!, env, options.logDir);
  await all.start();
  const recorder = new HistoryRecorder();
  const pool = new WebPool([all.url]);
  const integrity: string[] = [];
  try {
    const start = recorder.now();
    const workload = await prepareWorkload({
      pool,
      recorder,
      usernames: Array.from({ length: options.workers }, (_, i) => `embedded_${i + 1}`),
      random: options.random,
      stopped: () => recorder.now() > start + options.loadMs,
      retryUntil: start + options.loadMs + 20_000,
      maxOps: 100_000,
      requestTimeoutMs: 5000,
      mix: [['post', 1]],
    });
    const load = workload.run();
    await sleep(options.loadMs * (0.3 + 0.3 * options.random()));
    const killedAt = recorder.now();
    await all.kill('SIGKILL');
    integrity.push(integrityCheck(path.join(dataDir, 'chorus.sqlite')));
    await all.start();
    const fault = { name: 'kill-embedded', target: 'all', start: killedAt, healed: recorder.now() };
    options.log(`kill-embedded: back after ${Math.round(fault.healed - killedAt)} ms`);
    await load;
    const final = await readFinalState(pool, workload.app, workload.usernames, () => recorder.now(), workload.targets);
    const check = checkHistory(recorder.ops, final);
    await all.stop();
    integrity.push(integrityCheck(path.join(dataDir, 'chorus.sqlite')));
    for (const answer of integrity) if (answer !== 'ok') check.violations.push(`SQLite integrity_check: ${answer}`);
    return { check, recorder, fault, integrity, durationMs: final.at - start };
  } finally {
    await pool.close();
    await all.kill('SIGKILL');
  }
}
