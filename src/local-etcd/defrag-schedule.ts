/**
 * The cluster supervisor's defragmentation schedule: every `everyMs`, one
 * pass over the members in turn (maintenance.ts), each pass starting only
 * after the previous one ended, so two members are never defragmented at
 * once. Every member's sizes before and after go to the log.
 */
import type { Logger } from '../log.js';
import { type DefragmentResult, defragmentInTurn } from './maintenance.js';
import type { ClientTls } from './request-json.js';

export interface DefragSchedule {
  /** Stops scheduling; a pass under way finishes its current member (etcd cannot cancel one) and starts no other. */
  stop(): void;
}

export type DefragOutcome = DefragmentResult | { endpoint: string; error: unknown };

export function scheduleDefragment(options: {
  endpoints: string[];
  tls: ClientTls | undefined;
  everyMs: number;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Also told of every member's outcome (tests). */
  onOutcome?: (outcome: DefragOutcome) => void;
}): DefragSchedule {
  const { endpoints, tls, everyMs, log } = options;
  let timer: NodeJS.Timeout | undefined;
  const stopped = new AbortController();
  const report = (outcome: DefragOutcome) => {
    if ('error' in outcome) {
      log.warn({ err: outcome.error, member: outcome.endpoint }, 'etcd defragmentation failed; the next pass tries again');
    } else {
      const { endpoint, before, after, ms } = outcome;
      log.info(
        { member: endpoint, beforeBytes: before.dbSize, afterBytes: after.dbSize, inUseBytes: after.dbSizeInUse, ms },
        `etcd member defragmented: ${before.dbSize} → ${after.dbSize} bytes`,
      );
    }
    options.onOutcome?.(outcome);
  };
  const next = () => {
    if (stopped.signal.aborted) return;
    timer = setTimeout(() => void defragmentInTurn(endpoints, tls, report, stopped.signal).finally(next), everyMs);
    // The schedule alone must not keep the supervisor alive.
    timer.unref();
  };
  next();
  return {
    stop() {
      stopped.abort();
      clearTimeout(timer);
    },
  };
}
