import type { KV, Watch } from '../../kv/kv.js';
import { parseTombstone } from '../../kv/records.js';

export interface DeletionSweeperOptions {
  /** One sweep of every tombstone not yet `swept` (SocialService.sweepDeletedAccounts). */
  sweep: () => Promise<number>;
  onError: (error: unknown) => void;
  /** The store and its `deleted-accounts/` prefix, watched so a new tombstone is swept at once. */
  kv: KV;
  tombstonesPrefix: string;
  /** The safety net: a sweep this long after the last one ends, whatever the watch said. */
  intervalMs?: number;
}

/**
 * Runs the sweep of deleted accounts (account-deletion.ts) when the
 * service starts, which resumes a deletion a crash cut short, as soon as
 * the watch of `deleted-accounts/` shows a tombstone written, which
 * finishes one the auth service has just begun within the time a sweep
 * takes, and every `intervalMs` after the last run, in case the watch
 * was down (it is opened again then). Runs never overlap: a tombstone
 * seen during a run starts another right after it. A failed run is
 * logged and the next one retries.
 */
export class DeletionSweeper {
  readonly #options: DeletionSweeperOptions;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #watch: Promise<Watch | undefined> | undefined;
  #closed = false;

  constructor(options: DeletionSweeperOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 5_000;
  }

  /** Opens the watch, then sweeps: a tombstone written before the watch's first revision is found by that sweep. */
  start(): void {
    this.#openWatch().finally(() => this.#run());
  }

  /** Starts a sweep now, or right after the one running. */
  #run(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#again = false;
    this.#running = this.#options
      .sweep()
      .then(
        () => {},
        (error) => this.#options.onError(error),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#closed) return;
        if (this.#again) this.#run();
        else this.#timer = setTimeout(() => this.#openWatch().finally(() => this.#run()), this.#intervalMs).unref();
      });
  }

  /** Opens the watch unless it is open; a failure is logged and left to the next timed run. */
  #openWatch(): Promise<unknown> {
    if (this.#closed || this.#watch) return Promise.resolve();
    const { kv, tombstonesPrefix, onError } = this.#options;
    const opening = (async () => {
      const fromRevision = (await kv.revision()) + 1;
      return kv.watch({
        prefix: tombstonesPrefix,
        fromRevision,
        onBatch: (batch) => {
          // Marking a tombstone `swept` is a put too: only a fresh one calls for a sweep.
          if (batch.events.some((event) => event.type === 'put' && !sweptAlready(event.kv.value))) this.#run();
        },
        onError: (error) => {
          this.#watch = undefined;
          onError(error);
        },
      });
    })().catch((error: unknown) => {
      this.#watch = undefined;
      onError(error);
      return undefined;
    });
    this.#watch = opening;
    return opening;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const watch = await this.#watch;
    await watch?.close();
    await this.#running;
  }
}

/** Whether a tombstone's value says its sweep is done; one that cannot be read is swept (the sweep then reports it). */
function sweptAlready(value: string): boolean {
  try {
    return parseTombstone(value).swept;
  } catch {
    return false;
  }
}
