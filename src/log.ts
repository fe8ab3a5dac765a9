import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** One JSON logger per process; every line says which role wrote it. */
export function createLogger(config: Pick<Config, 'logLevel'>, name: string): Logger {
  return pino({ name, level: config.logLevel });
}
