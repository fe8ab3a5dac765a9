/**
 * Picks the load generator: wrk when it is on PATH (or asked for),
 * autocannon otherwise. Every run is preceded by an unmeasured warm-up so
 * the JIT, connection pools and caches are warm when measuring starts.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { runAutocannon } from './autocannon.js';
import type { LoadResult, LoadSpec } from './load-spec.js';
import { type MonotonicWindow, monotonicUs } from './profile-windows.js';
import { runWrk } from './wrk.js';

export type GeneratorName = 'wrk' | 'autocannon';

export function wrkOnPath(): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, 'wrk'), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function chooseGenerator(preference: 'auto' | GeneratorName): GeneratorName {
  if (preference !== 'auto') return preference;
  return wrkOnPath() ? 'wrk' : 'autocannon';
}

export class LoadGenerator {
  private runs = 0;

  constructor(
    readonly name: GeneratorName,
    private readonly workDir: string,
    private readonly warmupS: number,
  ) {}

  /**
   * Warms up for warmupS (results discarded; `warmupS` overrides the
   * generator's), then measures for spec.durationS; `measured` is told
   * when the measured part began and ended (monotonic clock, µs: the
   * clock of V8's CPU profiles, see profile-windows.ts).
   */
  async measure(spec: Omit<LoadSpec, 'runId'>, warmupS = this.warmupS, measured?: (window: MonotonicWindow) => void): Promise<LoadResult> {
    const warmup = warmupS > 0 ? await this.once({ ...spec, durationS: warmupS, runId: ++this.runs }) : undefined;
    const startUs = monotonicUs();
    const result = await this.once({ ...spec, runId: ++this.runs });
    measured?.({ startUs, endUs: monotonicUs() });
    return { ...result, warmupErrors: warmup?.errorCount ?? 0 };
  }

  private once(spec: LoadSpec): Promise<LoadResult> {
    return this.name === 'wrk' ? runWrk(spec, this.workDir) : runAutocannon(spec);
  }
}
