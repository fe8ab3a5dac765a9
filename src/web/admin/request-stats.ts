/**
 * Request rate, errors and latency of this web process over the last
 * hour, per minute, for the status page. An in-process ring of 60 minute
 * slots: nothing is shared between web instances or kept across restarts
 * (Prometheus, where deployed, is the place for that). Latency goes into
 * a fixed log-scale histogram per minute, so recording is O(1) and the
 * memory bounded whatever the traffic; percentiles are read to within one
 * bucket (20 %).
 */

export const MINUTES = 60;
const MINUTE_MS = 60_000;
/** Bucket i holds latencies up to FIRST_MS * GROWTH^i; the last one everything longer. */
const FIRST_MS = 0.1;
const GROWTH = 1.2;
const BUCKETS = 80;

interface Slot {
  minute: number;
  requests: number;
  errors: number;
  latency: Uint32Array;
}

/** One minute as the charts draw it; latencies are absent for a minute without requests. */
export interface MinuteStats {
  /** The minute's start, in ms since the epoch. */
  start: number;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  p50Ms?: number | undefined;
  p99Ms?: number | undefined;
}

const upperBound = (bucket: number) => FIRST_MS * GROWTH ** bucket;

function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / Math.log(GROWTH)));
}

function percentile(latency: Uint32Array, count: number, q: number): number | undefined {
  if (count === 0) return undefined;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += latency[i]!;
    if (seen >= rank) return upperBound(i);
  }
  return upperBound(BUCKETS - 1);
}

export class RequestStats {
  private readonly slots: Slot[] = Array.from({ length: MINUTES }, () => ({
    minute: -1,
    requests: 0,
    errors: 0,
    latency: new Uint32Array(BUCKETS),
  }));

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one answered request. */
  record(status: number, durationMs: number): void {
    const minute = Math.floor(this.now() / MINUTE_MS);
    const slot = this.slots[minute % MINUTES]!;
    if (slot.minute !== minute) {
      slot.minute = minute;
      slot.requests = 0;
      slot.errors = 0;
      slot.latency.fill(0);
    }
    slot.requests++;
    if (status >= 500) slot.errors++;
    slot.latency[bucketOf(durationMs)]!++;
  }

  /** The last MINUTES minutes, oldest first, the current (partial) minute last. */
  lastHour(): MinuteStats[] {
    const current = Math.floor(this.now() / MINUTE_MS);
    const out: MinuteStats[] = [];
    for (let minute = current - MINUTES + 1; minute <= current; minute++) {
      const slot = this.slots[minute % MINUTES]!;
      const live = slot.minute === minute;
      const requests = live ? slot.requests : 0;
      out.push({
        start: minute * MINUTE_MS,
        requests,
        errors: live ? slot.errors : 0,
        p50Ms: live ? percentile(slot.latency, requests, 0.5) : undefined,
        p99Ms: live ? percentile(slot.latency, requests, 0.99) : undefined,
      });
    }
    return out;
  }
}
