/**
 * Runs the sweep of deleted accounts (account-deletion.ts) when the
 * service starts, which resumes a deletion a crash cut short, and then
 * every `intervalMs`, which finishes one the auth service has just begun.
 * Runs never overlap; a failed run is logged and the next one retries.
 */
export class DeletionSweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly sweep: () => Promise<number>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    this.#run();
  }

  #run(): void {
    if (this.#closed) return;
    this.#running = this.sweep()
      .then(
        () => {},
        (error) => this.onError(error),
      )
      .finally(() => {
        if (!this.#closed) this.#timer = setTimeout(() => this.#run(), this.intervalMs).unref();
      });
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
