import { type Logger, pino } from 'pino';
import PinoPretty from 'pino-pretty';
import { currentRequestId, REQUEST_ID_LOG_KEY } from './clients/request-id.js';
import type { Config } from './config.js';

export type { Logger };

/** Where a process logs: its standard output, or any stream in tests. */
export type LogOutput = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * One logger per process; every line says which role wrote it. A person
 * at a terminal reads pretty lines; anything else (a file, a pipe, the
 * child processes that tests and `chorus cluster` start, a log collector)
 * gets one JSON object per line.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, name: string, output: LogOutput = process.stdout): Logger {
  const options = { name, level: config.logLevel, mixin: requestIdMixin };
  if (output.isTTY === true) return pino(options, PinoPretty({ destination: output }));
  return output === process.stdout ? pino(options) : pino(options, output);
}

/**
 * Every line written while serving a request carries its id, wherever in
 * the code it is logged from; Fastify's request loggers already bind it,
 * so they are not given it twice.
 */
function requestIdMixin(_object: object, _level: number, logger: Logger): object {
  const id = currentRequestId();
  if (id === undefined || REQUEST_ID_LOG_KEY in logger.bindings()) return {};
  return { [REQUEST_ID_LOG_KEY]: id };
}
