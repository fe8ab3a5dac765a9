import type { Logger } from 'pino';

type Close = () => Promise<void> | void;

/**
 * An AbortSignal that aborts on the first SIGINT or SIGTERM: everything a
 * role starts, including start-up steps still retrying, stops from it. A
 * second signal means the operator is done waiting for a drain, so it
 * exits at once.
 */
export function shutdownSignal(log: Logger): AbortSignal {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    log.info({ signal }, 'shutting down');
    controller.abort(new ShutdownError(signal));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}

/** The reason a shutdown signal aborts with; start-up steps it interrupts end with it. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';

  constructor(readonly signal: NodeJS.Signals) {
    super(`stopped by ${signal}`);
  }
}

/**
 * Owns what a process started and closes it in reverse order once the
 * signal aborts, so listeners stop before the clients and stores they use.
 * The process then ends because nothing holds the event loop, not through
 * process.exit().
 */
export class Lifecycle {
  readonly #resources: { name: string; close: Close }[] = [];
  readonly #log: Logger;
  readonly #signal: AbortSignal;
  #closing: Promise<void> | undefined;

  constructor(log: Logger, signal: AbortSignal) {
    this.#log = log;
    this.#signal = signal;
    signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  /**
   * Registers something to close at shutdown; returns it for chaining. A
   * resource whose start finished after shutdown began is closed at once,
   * and add throws the signal's reason, so start-up goes no further.
   */
  add<T>(name: string, resource: T, close: (resource: T) => Promise<void> | void): T {
    const entry = { name, close: () => close(resource) };
    if (this.#closing) {
      this.#closing = this.#closing.then(() => this.#closeOne(entry));
      throw this.#signal.reason ?? new Error('shutting down');
    }
    this.#resources.push(entry);
    return resource;
  }

  /** Closes everything registered, newest first; resolves when all are closed (failures are logged). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const entry of this.#resources.reverse()) await this.#closeOne(entry);
    })();
    return this.#closing;
  }

  async #closeOne({ name, close }: { name: string; close: Close }): Promise<void> {
    try {
      await close();
      this.#log.debug({ resource: name }, 'closed');
    } catch (error) {
      this.#log.error({ err: error, resource: name }, 'close failed');
    }
  }
}
