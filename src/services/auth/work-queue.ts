/** How a WorkQueue may grow. */
export interface WorkQueueLimits {
  /** Tasks running at once. */
  concurrency: number;
  /** A task is refused when the wait it could expect in line exceeds this. */
  maxWaitMs: number;
}

/** However short the tasks seem, no more than this many wait (each waiter is a pending request). */
const MAX_WAITING = 10_000;
/** Weight of the latest task in the running average of task time. */
const SMOOTHING = 0.2;

/**
 * Runs at most `concurrency` tasks at once, in arrival order, and refuses
 * a task up front (with `refuse`'s error) when the line ahead of it would
 * take longer than `maxWaitMs` to clear, judged by a running average of
 * how long tasks take. Refusing early beats queueing without bound: a
 * caller told "busy, retry in 2 s" can retry, one left waiting past its
 * deadline has wasted the work done for it.
 */
export class WorkQueue {
  readonly #limits: WorkQueueLimits;
  readonly #refuse: (retryAfterSeconds: number) => Error;
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #averageMs: number;

  constructor(limits: WorkQueueLimits, refuse: (retryAfterSeconds: number) => Error, expectedTaskMs: number) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (!(limits.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be at least 0');
    this.#limits = limits;
    this.#refuse = refuse;
    this.#averageMs = expectedTaskMs;
  }

  /** Tasks running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** Runs `task` when its turn comes; rejects at once, without running it, when the line is too long. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running < this.#limits.concurrency) {
      this.#running++;
    } else {
      const wait = this.#clearingMs(this.#waiting.length + 1);
      if (wait > this.#limits.maxWaitMs || this.#waiting.length >= MAX_WAITING) {
        throw this.#refuse(Math.max(1, Math.ceil(this.#clearingMs(this.#waiting.length) / 1000)));
      }
      // The finishing task hands its slot over, so `running` stays as it is.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.#averageMs += SMOOTHING * (performance.now() - started - this.#averageMs);
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  /** How long until `queued` tasks in line have started, at the average task time. */
  #clearingMs(queued: number): number {
    return (queued * this.#averageMs) / this.#limits.concurrency;
  }
}
