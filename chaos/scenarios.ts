/**
 * The scenarios on the replicated deployment: faults under load (the
 * nemesis), and a rolling restart under load that must fail no request.
 * Each has its own accounts and history, checked the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type CheckResult, checkHistory } from './checker.js';
import type { ChaosDeployment } from './deployment.js';
import { type FaultEvent, failedRequests } from './figures.js';
import { readFinalState } from './final-read.js';
import { HistoryRecorder } from './history.js';
import { checkLeaver, Leaver } from './leaver.js';
import { FAULTS, type FaultName, rollingRestart, runNemesis } from './nemesis.js';
import { WebPool } from './web-pool.js';
import { prepareWorkload } from './workload.js';

export interface ScenarioResult {
  name: string;
  check: CheckResult;
  recorder: HistoryRecorder;
  faults: FaultEvent[];
  durationMs: number;
}

export interface ScenarioOptions {
  deployment: ChaosDeployment;
  random: () => number;
  workers: number;
  log: (line: string) => void;
}

/** Quiet time after the last fault, so unknown writes settle before the final read. */
const SETTLE_MS = 3000;
/** Load keeps running this long after the disturbance ends, to see the recovered deployment serve. */
const TAIL_MS = 2000;

/**
 * Runs the clients while `disturb` does its work, then a little longer,
 * then reads everything and checks the history.
 */
async function underLoad(
  name: string,
  o: ScenarioOptions,
  disturb: (recorder: HistoryRecorder) => Promise<FaultEvent[]>,
  /** When given, one more account (leaver.ts) deletes itself this long after the faults begin. */
  leaveAfterMs?: number,
): Promise<ScenarioResult> {
  const recorder = new HistoryRecorder();
  const pool = new WebPool(o.deployment.web.map((w) => w.url));
  let stopAt = Infinity;
  try {
    const workload = await prepareWorkload({
      pool,
      recorder,
      usernames: Array.from({ length: o.workers }, (_, i) => `${name}_${i + 1}`),
      random: o.random,
      stopped: () => recorder.now() > stopAt,
      retryUntil: Infinity,
      maxOps: 100_000,
      requestTimeoutMs: 10_000,
    });
    const leaver = leaveAfterMs === undefined ? undefined : await Leaver.join(pool, workload.app, `${name}_leaver`, workload.usernames);
    const start = recorder.now();
    const load = workload.run();
    const leaving = leaver && sleep(leaveAfterMs).then(() => leaver.leave());
    const faults = await disturb(recorder).finally(() => (stopAt = recorder.now() + TAIL_MS));
    await load;
    await leaving;
    await sleep(SETTLE_MS);
    await leaver?.awaitSwept();
    const final = await readFinalState(pool, workload.app, workload.usernames, () => recorder.now(), workload.targets);
    const check = checkHistory(recorder.ops, final);
    if (leaver) {
      const evidence = await leaver.evidence();
      o.log(
        `${evidence.username}: deletion ${evidence.deleted ? 'acknowledged' : 'never acknowledged'}, ${Object.keys(evidence.statuses).length} statuses and ${evidence.followed.length} follows to be gone`,
      );
      check.violations.push(...checkLeaver(evidence, final));
    }
    return { name, check, recorder, faults, durationMs: final.at - start };
  } finally {
    stopAt = -Infinity;
    await pool.close();
  }
}

/** Faults on a seeded schedule for `loadMs`, clients running throughout. */
export function faultsScenario(o: ScenarioOptions & { loadMs: number; faults?: readonly FaultName[] }): Promise<ScenarioResult> {
  return underLoad(
    'faults',
    o,
    (recorder) =>
      runNemesis({
        deployment: o.deployment,
        random: o.random,
        now: recorder.now,
        until: recorder.now() + o.loadMs,
        faults: o.faults ?? FAULTS,
        log: o.log,
      }),
    // Late in the run, with faults still to come.
    Math.round(o.loadMs * 0.6),
  );
}

/**
 * Every web, auth and social instance restarted with SIGTERM, one at a
 * time, while clients run. Any failed request is a violation.
 */
export async function rollingScenario(o: ScenarioOptions & { only?: readonly string[] }): Promise<ScenarioResult> {
  const result = await underLoad('rolling', o, async (recorder) => {
    await sleep(1500);
    return rollingRestart(o.deployment, recorder.now, o.log, o.only);
  });
  for (const op of failedRequests(result.recorder.ops)) {
    result.check.violations.push(
      `rolling restart: ${op.client}'s ${op.kind} at ${Math.round(op.start)} ended ${op.outcome} (HTTP ${op.status})`,
    );
  }
  return result;
}
