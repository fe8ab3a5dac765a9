/**
 * Child processes of a bench run: supervised (src/supervisor/), with their
 * output in a log file per process, and measured (RSS) from /proc.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type SupervisedProcess, spawnSupervised } from '../src/supervisor/supervised-process.js';

/** Spawns `command` with its output appended to `<logDir>/<name>.log`, which outlives a crash. */
export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; logDir: string },
): SupervisedProcess {
  return spawnSupervised({ name, command, args, env: options.env, logFile: path.join(options.logDir, `${name}.log`) });
}

/** Resident set size in MiB from /proc/<pid>/status, or undefined when the process is gone. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}
