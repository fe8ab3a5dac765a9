/**
 * The measured windows of a profiled run, so a CPU profile of a process
 * that lived through several scenarios (and its start-up) can be read
 * one scenario at a time (profile-summary.ts). V8 stamps a profile's
 * samples with its monotonic clock in µs, the clock of
 * process.hrtime (CLOCK_MONOTONIC on Linux), so the two compare across
 * processes on one machine.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface MonotonicWindow {
  startUs: number;
  endUs: number;
}

export interface NamedWindow extends MonotonicWindow {
  name: string;
}

const FILE = 'windows.txt';

export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Records that `name` was measured during `window` (one line per window in DIR/windows.txt). */
export function recordWindow(dir: string, name: string, window: MonotonicWindow): void {
  mkdirSync(dir, { recursive: true });
  appendFileSync(path.join(dir, FILE), `${name.replace(/\s+/g, '_')} ${window.startUs} ${window.endUs}\n`);
}

/** The windows recorded in DIR, oldest first; none when the file is absent. */
export function readWindows(dir: string): NamedWindow[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, start, end] = line.split(' ');
      return { name: name!, startUs: Number(start), endUs: Number(end) };
    });
}
