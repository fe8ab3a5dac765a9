/**
 * The numbers of a run, from its history and the nemesis's log: how many
 * requests of each kind succeeded, failed or ended unknown, and what each
 * fault cost. Pure, like the checker.
 */
import type { Op, OpKind, Outcome } from './history.js';

/** One injected fault: from the moment it began until the deployment was whole again. */
export interface FaultEvent {
  name: string;
  /** Which process or member. */
  target: string;
  start: number;
  /** When every affected process was running (and serving) again. */
  healed: number;
}

export interface FaultFigures extends FaultEvent {
  /** Requests that did not succeed and overlapped the fault (probes of revoked tokens excluded). */
  failedRequests: number;
  /** Longest stretch without a successful write that overlaps [start, healed]. */
  longestWriteGapMs: number;
  /** From the start of the fault to the end of the first write that began after it and succeeded. */
  firstWriteMs: number | undefined;
}

export type KindFigures = Record<OpKind, Record<Outcome, number>>;

const WRITES = new Set<OpKind>(['post', 'follow', 'unfollow', 'favourite', 'unfavourite', 'reblog', 'unreblog', 'block', 'unblock']);

export function countByKind(ops: Op[]): Partial<KindFigures> {
  const counts: Partial<KindFigures> = {};
  for (const op of ops) {
    counts[op.kind] ??= { ok: 0, failed: 0, unknown: 0 };
    counts[op.kind]![op.outcome]++;
  }
  return counts;
}

/**
 * A refusal that is the right answer, not a failure: a follow, favourite
 * or reblog across a block (403), or a status the reader may not see
 * across one (403 or 404).
 */
export function refusedAcrossBlock(op: Op): boolean {
  if (op.outcome !== 'failed') return false;
  if (op.kind === 'status') return op.status === 403 || op.status === 404;
  return op.status === 403 && (op.kind === 'follow' || op.kind === 'favourite' || op.kind === 'reblog');
}

/** Requests a user would count as failed: everything not ok, except the deliberate probes of revoked tokens and refusals across blocks. */
export function failedRequests(ops: Op[]): Op[] {
  return ops.filter((op) => op.kind !== 'revoked' && op.outcome !== 'ok' && !refusedAcrossBlock(op));
}

export function faultFigures(ops: Op[], faults: FaultEvent[]): FaultFigures[] {
  const failed = failedRequests(ops);
  const writeEnds = ops
    .filter((o) => WRITES.has(o.kind) && o.outcome === 'ok')
    .map((o) => o.end)
    .sort((a, b) => a - b);
  return faults.map((fault) => {
    const overlapping = failed.filter((o) => o.start <= fault.healed && o.end >= fault.start).length;
    // Gaps between consecutive successful writes, counting those that touch the fault.
    let longest = 0;
    for (let i = 1; i < writeEnds.length; i++) {
      const [a, b] = [writeEnds[i - 1]!, writeEnds[i]!];
      if (b >= fault.start && a <= fault.healed) longest = Math.max(longest, b - Math.max(a, fault.start));
    }
    const first = ops
      .filter((o) => WRITES.has(o.kind) && o.outcome === 'ok' && o.start >= fault.start)
      .reduce((min, o) => Math.min(min, o.end), Infinity);
    return {
      ...fault,
      failedRequests: overlapping,
      longestWriteGapMs: Math.round(longest),
      firstWriteMs: first === Infinity ? undefined : Math.round(first - fault.start),
    };
  });
}
