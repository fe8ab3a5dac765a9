import type { Logger } from 'pino';
import type { WebInstanceReport } from '../domain/status.js';
import type { StatusClient } from './status-client.js';

/**
 * A web instance's reports of itself to the status services, so every
 * instance's /admin lists the others (the web tier holds no store
 * credentials). Every `everyMs` it tells the first service that answers;
 * its record lives three intervals, so one lost report does not make it
 * vanish, and one that stops reporting is gone within three. On close it
 * asks for its record to be removed at once.
 */
export class InstanceReporter {
  readonly #timer: NodeJS.Timeout;
  readonly #ttlSeconds: number;
  #sending: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(
    private readonly options: {
      clients: readonly StatusClient[];
      everyMs: number;
      describe: () => WebInstanceReport;
      log: Logger;
    },
  ) {
    this.#ttlSeconds = ttlFor(options.everyMs);
    this.#timer = setInterval(() => this.#send(), options.everyMs);
    // Reporting alone must not keep the process alive.
    this.#timer.unref();
    this.#send();
  }

  #send(): void {
    // One report at a time: a slow service delays the next rather than piling them up.
    this.#sending = this.#sending.then(async () => {
      try {
        await this.#toFirstThatAnswers((client) => client.reportInstance(this.options.describe(), this.#ttlSeconds));
        if (this.#failing) this.options.log.info('web instance reports reach the status service again');
        this.#failing = false;
      } catch (error) {
        // Logged once per outage: the status page is what shows the rest.
        if (!this.#failing) this.options.log.warn({ err: error }, 'web instance report failed; retrying at the next interval');
        this.#failing = true;
      }
    });
  }

  async #toFirstThatAnswers(call: (client: StatusClient) => Promise<void>): Promise<void> {
    let last: unknown = new Error('no status service is configured');
    for (const client of this.options.clients) {
      try {
        return await call(client);
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  /** Stops reporting and removes this instance's record; a service that cannot be reached leaves it to its lease. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sending;
    try {
      await this.#toFirstThatAnswers((client) => client.reportInstance(this.options.describe(), this.#ttlSeconds, true));
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not remove this web instance from the status page; it expires by itself');
    }
  }
}

/** Three intervals, in whole seconds, and at least the services' minimum of 2. */
export function ttlFor(everyMs: number): number {
  return Math.max(2, Math.ceil((3 * everyMs) / 1000));
}
