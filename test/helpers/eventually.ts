import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long; 3000 ms by default. */
  timeoutMs?: number;
  /** Pause between checks; 20 ms by default. */
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

/**
 * Polls `check` until it returns true, then resolves; rejects once
 * `timeoutMs` has passed with the check still false (it runs one last
 * time at the deadline, so a slow machine is not failed by a late tick).
 * An error thrown by `check` rejects at once.
 */
export async function eventually(check: () => boolean | Promise<boolean>, options: EventuallyOptions = {}): Promise<void> {
  const { timeoutMs = 3000, intervalMs = 20, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(Math.min(intervalMs, left));
  }
}
