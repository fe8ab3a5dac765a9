/**
 * One chaos run: deploys on loopback in a temporary directory, runs the
 * chosen scenarios one after the other, and returns every figure and
 * violation. Used by `npm run chaos` and by the short test in npm test.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../bench/synthetic.js';
import { type ReadsJudged, SOON_AFTER_MS } from './check-reads.js';
import { ChaosDeployment } from './deployment.js';
import { runEmbedded } from './embedded.js';
import { countByKind, type FaultFigures, failedRequests, faultFigures, type KindFigures } from './figures.js';
import type { FaultName } from './nemesis.js';
import { faultsScenario, rollingScenario, type ScenarioResult } from './scenarios.js';

export const SCENARIOS = ['faults', 'rolling', 'embedded'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ChaosOptions {
  seed: number;
  workers: number;
  /** How long the nemesis injects faults (the load lasts until it is done). */
  faultsMs: number;
  /** How long posts stream into the embedded engine around its SIGKILL. */
  embeddedMs: number;
  scenarios: readonly ScenarioName[];
  /** Restrict the nemesis to these faults. */
  faults?: readonly FaultName[];
  /** Restart only these instances (web1, auth2, ...) in the rolling scenario; all by default. */
  rollingOnly?: readonly string[];
  /** Keep the work directory (logs, data) even when every check passed. */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface ScenarioReport {
  name: string;
  durationMs: number;
  ops: number;
  failedRequests: number;
  postsAcknowledged: number;
  edgesChecked: number;
  reactionsChecked: number;
  notificationsChecked: number;
  /** (read, acknowledged post) pairs judged by the reads-see-acknowledged-writes check; `soon`: read begun within 50 ms of the acknowledgement. */
  readsJudged: ReadsJudged;
  byKind: Partial<KindFigures>;
  faults: FaultFigures[];
  violations: string[];
}

export interface ChaosReport {
  seed: number;
  workers: number;
  workDir: string;
  scenarios: ScenarioReport[];
  ok: boolean;
}

function report(result: Pick<ScenarioResult, 'name' | 'check' | 'recorder' | 'faults' | 'durationMs'>): ScenarioReport {
  const ops = result.recorder.ops;
  return {
    name: result.name,
    durationMs: Math.round(result.durationMs),
    ops: ops.length,
    failedRequests: failedRequests(ops).length,
    postsAcknowledged: result.check.postsAcknowledged,
    edgesChecked: result.check.edgesChecked,
    reactionsChecked: result.check.reactionsChecked,
    notificationsChecked: result.check.notificationsChecked,
    readsJudged: result.check.readsJudged,
    byKind: countByKind(ops),
    faults: faultFigures(ops, result.faults),
    violations: result.check.violations,
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-chaos-'));
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  const random = seededRandom(options.seed);
  const scenarios: ScenarioReport[] = [];
  let deployment: ChaosDeployment | undefined;
  try {
    const onCluster = options.scenarios.filter((s) => s !== 'embedded');
    if (onCluster.length > 0) {
      log(`deploying in ${workDir}`);
      deployment = await ChaosDeployment.start(workDir, logDir, log);
      const common = { deployment, random, workers: options.workers, log };
      if (options.scenarios.includes('faults')) {
        log('scenario faults');
        scenarios.push(report(await faultsScenario({ ...common, loadMs: options.faultsMs, faults: options.faults })));
      }
      if (options.scenarios.includes('rolling')) {
        log('scenario rolling');
        scenarios.push(report(await rollingScenario({ ...common, only: options.rollingOnly })));
      }
      await deployment.stop();
      deployment = undefined;
    }
    if (options.scenarios.includes('embedded')) {
      log('scenario embedded');
      const result = await runEmbedded({ workDir, logDir, random, workers: Math.min(options.workers, 4), loadMs: options.embeddedMs, log });
      scenarios.push(
        report({ name: 'embedded', check: result.check, recorder: result.recorder, faults: [result.fault], durationMs: result.durationMs }),
      );
    }
  } finally {
    await deployment?.stop();
  }
  const ok = scenarios.every((s) => s.violations.length === 0);
  if (ok && !options.keep) rmSync(workDir, { recursive: true, force: true });
  return { seed: options.seed, workers: options.workers, workDir, scenarios, ok };
}

/** The report as text: the figures per scenario, per kind and per fault, then any violation. */
export function formatReport(r: ChaosReport): string {
  const lines = [`chaos seed ${r.seed}, ${r.workers} clients${r.ok ? '' : `; logs and data kept in ${r.workDir}`}`];
  for (const s of r.scenarios) {
    lines.push(
      '',
      `## ${s.name}: ${s.ops} requests in ${(s.durationMs / 1000).toFixed(1)} s, ${s.failedRequests} failed, ` +
        `${s.postsAcknowledged} posts acknowledged, ${s.edgesChecked} follow edges and ${s.reactionsChecked} ` +
        `(account, status) favourites and reblogs checked for linearizability, ${s.notificationsChecked} notifications matched, ` +
        `${s.readsJudged.judged} reads of acknowledged posts judged (${s.readsJudged.soon} begun within ${SOON_AFTER_MS} ms of the acknowledgement)`,
    );
    lines.push('kind              ok  failed  unknown');
    for (const [kind, c] of Object.entries(s.byKind)) {
      lines.push(`${kind.padEnd(13)} ${String(c.ok).padStart(6)} ${String(c.failed).padStart(7)} ${String(c.unknown).padStart(8)}`);
    }
    if (s.faults.length > 0) {
      lines.push('fault               target           healed ms  failed reqs  longest write gap ms  first write ms');
      for (const f of s.faults) {
        lines.push(
          `${f.name.padEnd(19)} ${f.target.padEnd(16)} ${String(Math.round(f.healed - f.start)).padStart(9)} ${String(f.failedRequests).padStart(12)} ` +
            `${String(f.longestWriteGapMs).padStart(21)} ${String(f.firstWriteMs ?? '-').padStart(15)}`,
        );
      }
    }
    lines.push(
      s.violations.length === 0 ? 'violations: none' : `VIOLATIONS (${s.violations.length}):`,
      ...s.violations.map((v) => `  ${v}`),
    );
  }
  lines.push('', r.ok ? 'chaos: every check passed' : 'chaos: FAILED');
  return lines.join('\n');
}
