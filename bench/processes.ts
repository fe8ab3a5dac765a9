/**
 * Child processes of a bench run: spawned with their output in a log file,
 * tracked so that every one of them is stopped at the end, on an error and
 * on Ctrl-C, and measured (RSS) from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort as waitForTcpPort } from '../src/cluster/ports.js';

export interface Child {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Set when it exits before we asked it to stop. */
  crashed: string | undefined;
}

const live = new Set<Child>();

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; logDir: string },
): Child {
  const logFile = path.join(options.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child: Child = {
    name,
    logFile,
    crashed: undefined,
    process: spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', fd, fd] }),
  };
  closeSync(fd);
  live.add(child);
  child.process.once('exit', (code, signal) => {
    if (live.has(child)) child.crashed = `${name} exited (${signal ?? `code ${code}`}); last lines of its log:\n${logTail(logFile)}`;
    live.delete(child);
  });
  child.process.once('error', (error) => {
    child.crashed = `${name} failed to start: ${error.message}`;
    live.delete(child);
  });
  return child;
}

/** The end of a log, so the reason for a crash survives the temp dir's removal. */
function logTail(file: string, chars = 2000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  live.delete(child);
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Every child still running, for the final clean-up. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, 3000)));
}

/** Throws if any tracked child died on its own: a crashed service would otherwise show up only as errors. */
export function assertNoCrash(children: Child[]): void {
  const crashed = children.find((c) => c.crashed);
  if (crashed) throw new Error(crashed.crashed);
}

export function waitForPort(port: number, timeoutMs: number, child?: Child): Promise<void> {
  return waitForTcpPort(port, { timeoutMs, failIf: () => child?.crashed });
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
