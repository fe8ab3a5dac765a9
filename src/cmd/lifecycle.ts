import type { Logger } from 'pino';

type Close = () => Promise<void> | void;

/**
 * Owns what a process started and closes it in reverse order, so listeners
 * stop before the clients and stores they use. The process then ends
 * because nothing holds the event loop, not through process.exit().
 */
export class Lifecycle {
  readonly #resources: { name: string; close: Close }[] = [];
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers something to close at shutdown; returns it for chaining. */
  add<T>(name: string, resource: T, close: (resource: T) => Promise<void> | void): T {
    this.#resources.push({ name, close: () => close(resource) });
    return resource;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const { name, close } of this.#resources.reverse()) {
        try {
          await close();
          this.#log.debug({ resource: name }, 'closed');
        } catch (error) {
          this.#log.error({ err: error, resource: name }, 'close failed');
        }
      }
    })();
    return this.#closing;
  }

  /**
   * Closes everything on the first SIGINT or SIGTERM. A second signal means
   * the operator is done waiting for a drain, so it exits at once.
   */
  closeOnSignals(onSignal?: (signal: string) => void): void {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        this.#log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      received = true;
      this.#log.info({ signal }, 'shutting down');
      onSignal?.(signal);
      void this.close().then(() => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      });
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  }
}
