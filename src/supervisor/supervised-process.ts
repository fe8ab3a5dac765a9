/**
 * One child process, supervised: spawned with its own arguments and
 * environment, waited on until it is ready, its output forwarded and its
 * last lines kept for error messages, stopped with SIGTERM and then SIGKILL
 * if it outlives a grace period, and reported when it exits on its own.
 *
 * Everything that runs Chorus or etcd as child processes (the local etcd
 * cluster, `chorus cluster`, the bench, the chaos harness and the tests)
 * goes through this one module, so they all stop the same way and all say
 * why a child died.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isListening } from './ports.js';

export interface SpawnOptions {
  /** Names the process in log prefixes and error messages. */
  name: string;
  command: string;
  args?: readonly string[];
  /** The child's whole environment; this process's when absent. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Receives each line the child writes to stdout or stderr, prefixed with
   * `prefix`, and a last line when it exits. Ignored when `logFile` is set.
   */
  log?: (line: string) => void;
  /** Put before each forwarded line; `[name] ` by default. */
  prefix?: string;
  /**
   * Append the child's output to this file instead of piping it through
   * this process: the child writes straight to the file, so a busy parent
   * (a load generator) neither slows it down nor loses its lines.
   */
  logFile?: string;
  /** How many of the last output lines to keep for error messages; 40 by default. */
  tailLines?: number;
  /**
   * Start the child in a process group of its own, so a Ctrl-C in the
   * terminal reaches only the supervisor, which then stops the children in
   * its own order. Off by default: a test run interrupted by Ctrl-C should
   * take its children with it.
   */
  detached?: boolean;
  /** Called once when the process has exited, whether or not it was asked to. */
  onExit?: (exit: ProcessExit) => void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() or kill() asked for the exit; false is a crash. */
  requested: boolean;
  /** Why the process could not be spawned at all (say, ENOENT). */
  error?: Error;
}

export interface ReadyOptions {
  /** Give up after this long; 30 s by default. */
  timeoutMs?: number;
  /** Pause between checks; 50 ms by default. */
  intervalMs?: number;
  /** What the check waits for, for the error message ("/readyz", "port 8080"). */
  what?: string;
}

/** A check that the child is ready: resolves true or false, quickly, and never rejects. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Output lines longer than this are cut in the tail: one runaway line must not fill an error message. */
const MAX_TAIL_LINE = 2000;
/** How long to wait after the exit for the pipes to deliver the child's last lines. */
const DRAIN_AFTER_EXIT_MS = 200;

const live = new Set<SupervisedProcess>();
let exitHookInstalled = false;

/** Whatever happens to this process, no child outlives it: an `exit` hook SIGKILLs those still running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.signal('SIGKILL');
  });
}

/**
 * Spawns the process and returns at once; `pid` is set unless the spawn
 * failed, in which case the failure arrives as an exit (`error` set) and
 * waitReady() rejects with it.
 */
export function spawnSupervised(options: SpawnOptions): SupervisedProcess {
  return new SupervisedProcess(options);
}

/** SIGTERM to every supervised process still running, SIGKILL after `graceMs`; for a final clean-up. */
export async function stopAllSupervised(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((child) => child.stop({ graceMs })));
}

export class SupervisedProcess {
  readonly name: string;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  readonly #child: ChildProcess;
  readonly #options: SpawnOptions;
  readonly #tail: string[] = [];
  readonly #tailLines: number;
  #exit: ProcessExit | undefined;
  #requested = false;

  constructor(options: SpawnOptions) {
    this.name = options.name;
    this.#options = options;
    this.#tailLines = options.tailLines ?? 40;
    installExitHook();
    const fd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
    const output = fd ?? 'pipe';
    try {
      this.#child = spawn(options.command, options.args ?? [], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        detached: options.detached ?? false,
        stdio: ['ignore', output, output],
      });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const child = this.#child;
    if (fd === undefined) {
      const prefix = options.prefix ?? `[${this.name}] `;
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
          this.#remember(line);
          options.log?.(`${prefix}${line}`);
        });
      }
    }
    if (child.pid !== undefined) live.add(this);
    this.exited = new Promise((resolve) => {
      const closed = once(child, 'close').catch(() => undefined);
      child.once('exit', (code, signal) => {
        const requested = this.#requested;
        // 'exit' can come before the pipes have delivered the last lines; 'close' waits for them, but
        // a grandchild holding a pipe open would delay it forever, hence the bound.
        void Promise.race([closed, sleep(DRAIN_AFTER_EXIT_MS)]).then(() => resolve(this.#finish({ code, signal, requested })));
      });
      child.once('error', (error) => {
        // After a successful spawn, 'error' means a signal could not be sent; 'exit' still follows.
        if (child.pid === undefined) resolve(this.#finish({ code: null, signal: null, requested: this.#requested, error }));
      });
    });
  }

  /** The process id; undefined if the spawn failed. Still set after the exit (see `running`). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.pid !== undefined && this.#exit === undefined;
  }

  /** How it exited, once it has. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** When it exited without being asked to: a message naming the cause, with its last lines. */
  get crashed(): string | undefined {
    const exit = this.#exit;
    if (!exit || exit.requested) return undefined;
    return `${this.name} ${describeExit(exit)}; last lines of its output:\n${this.tail()}`;
  }

  /** Throws the crash message if it exited on its own: a dead service would otherwise show up only as errors. */
  assertRunning(): void {
    const crashed = this.crashed;
    if (crashed) throw new Error(crashed);
  }

  /** The last lines of its output (of its log file, with `logFile`). */
  tail(): string {
    if (this.#options.logFile !== undefined) return fileTail(this.#options.logFile, this.#tailLines);
    return this.#tail.join('\n') || '(no output)';
  }

  /**
   * Resolves once `check` says ready. Rejects, with the last lines of
   * output, when the process exits first or `timeoutMs` passes.
   */
  async waitReady(check: ReadinessCheck, options: ReadyOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const what = options.what ? ` (${options.what})` : '';
    // A failed spawn reports its error a tick later; no check should pass before it does.
    if (this.#child.pid === undefined) await this.exited;
    for (;;) {
      if (this.#exit)
        throw new Error(`${this.name} ${describeExit(this.#exit)} before it was ready${what}; last lines of its output:\n${this.tail()}`);
      if (
        await Promise.resolve()
          .then(check)
          .catch(() => false)
      )
        return;
      if (Date.now() >= deadline)
        throw new Error(`${this.name} not ready${what} after ${timeoutMs} ms; last lines of its output:\n${this.tail()}`);
      await sleep(options.intervalMs ?? 50);
    }
  }

  /** Sends a signal (SIGSTOP, SIGCONT, …) without counting any exit it causes as requested. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Sends `signal` (SIGKILL by default) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> {
    this.#requested = true;
    this.signal(signal);
    return this.exited;
  }

  /**
   * Asks it to stop (SIGTERM unless `signal` says otherwise) and sends
   * SIGKILL if it is still running `graceMs` later (10 s by default);
   * resolves once it has exited. Safe to call on a process already gone.
   */
  async stop(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ProcessExit> {
    this.#requested = true;
    if (!this.running) return this.exited;
    this.#child.kill(options.signal ?? 'SIGTERM');
    const escalate = setTimeout(() => this.signal('SIGKILL'), options.graceMs ?? 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  #remember(line: string): void {
    this.#tail.push(line.length > MAX_TAIL_LINE ? `${line.slice(0, MAX_TAIL_LINE)}…` : line);
    if (this.#tail.length > this.#tailLines) this.#tail.shift();
  }

  #finish(exit: ProcessExit): ProcessExit {
    this.#exit = exit;
    live.delete(this);
    if (this.#options.logFile === undefined) this.#options.log?.(`${this.#options.prefix ?? `[${this.name}] `}${describeExit(exit)}`);
    this.#options.onExit?.(exit);
    return exit;
  }
}

function describeExit(exit: ProcessExit): string {
  if (exit.error) return `failed to start: ${exit.error.message}`;
  return `exited (${exit.signal ?? `code ${exit.code}`})`;
}

/** The last `lines` lines of a file, read from its end, so a big log costs no more than a small one. */
function fileTail(file: string, lines: number): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, lines * 200);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n') || '(no output)';
  } catch {
    return '(no log)';
  }
}

/** Ready once something accepts TCP connections on host:port. */
export function tcpReady(port: number, host = '127.0.0.1'): ReadinessCheck {
  return () => isListening(port, host);
}

/** Ready once a GET of `url` answers 2xx (a `/readyz`); each attempt is bounded by `attemptMs`. */
export function httpReady(url: string, attemptMs = 1000): ReadinessCheck {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(attemptMs) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  };
}
