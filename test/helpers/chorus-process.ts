import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const mainScript = fileURLToPath(new URL('../../src/cmd/main.js', import.meta.url));

/** A `chorus` command run as its own process, with stdout and stderr gathered into one string. */
export interface ChorusProcess {
  child: ChildProcess;
  /** Everything the process has written so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** SIGTERM, then resolves once it has exited. */
  stop(): Promise<void>;
}

export function spawnChorus(args: string[], env: NodeJS.ProcessEnv = {}): ChorusProcess {
  const child = spawn(process.execPath, [mainScript, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
