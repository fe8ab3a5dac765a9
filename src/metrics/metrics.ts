import client from 'prom-client';

/**
 * Every metric Chorus exports, in one registry per process (in `all` the
 * web tier, the services and the store share it). Names follow Prometheus
 * conventions: base units (seconds), `_total` for counters. Metrics are
 * created here at import, so a role that never touches one still lists it
 * with zero samples, and dashboards see the same names on every process.
 */
export const registry = new client.Registry();

let processMetrics = false;
/** Starts the default process metrics (CPU, memory, event-loop lag, GC); once per process, by the roles, not by tests. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  client.collectDefaultMetrics({ register: registry });
}

/** Latency buckets from 1 ms to 10 s: a timeline read is a few ms, a slow etcd failover seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequestDuration = new client.Histogram({
  name: 'chorus_http_request_duration_seconds',
  help: 'Web requests by method, route pattern (never the raw URL) and status class, from arrival to the answer sent.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const httpRequestsInFlight = new client.Gauge({
  name: 'chorus_http_requests_in_flight',
  help: 'Web requests received and not yet answered.',
  registers: [registry],
});

/** The live stream hubs of this process; the gauge adds their listeners at scrape time, so a socket costs nothing extra. */
const streamHubs = new Set<{ readonly size: number }>();
export function trackStreamHub(hub: { readonly size: number }): () => void {
  streamHubs.add(hub);
  return () => streamHubs.delete(hub);
}
new client.Gauge({
  name: 'chorus_stream_connections',
  help: 'Open streaming connections (WebSocket and server-sent events) of the web tier.',
  registers: [registry],
  collect() {
    let open = 0;
    for (const hub of streamHubs) open += hub.size;
    this.set(open);
  },
});

export const rpcServerDuration = new client.Histogram({
  name: 'chorus_rpc_server_duration_seconds',
  help: 'gRPC calls served, by method (/package.Service/Method) and outcome (the gRPC status name).',
  labelNames: ['method', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const etcdCallDuration = new client.Histogram({
  name: 'chorus_etcd_call_duration_seconds',
  help: 'etcd calls by kind (read or write) and outcome (ok, refused: a final answer such as a failed compare, unavailable), retries included.',
  labelNames: ['kind', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const etcdRetries = new client.Counter({
  name: 'chorus_etcd_retries_total',
  help: 'etcd attempts repeated after a transient failure, by kind.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const etcdFailovers = new client.Counter({
  name: 'chorus_etcd_failovers_total',
  help: 'Times the client moved from one etcd member to the next.',
  registers: [registry],
});

/** What the read-model gauges read at scrape time. */
export interface ReadModelProbe {
  applied(): number;
  /** The store's current revision (one cheap etcd read), or undefined when it cannot be read now. */
  storeRevision(): Promise<number | undefined>;
  viewSize(): Record<string, number>;
}

/** Open read models, oldest first; the gauges report the newest (a process has one; tests open several). */
const readModels = new Set<ReadModelProbe>();
const current = (): ReadModelProbe | undefined => [...readModels].at(-1);
/** Points the read-model gauges at this model until the returned removal is called. */
export function trackReadModel(probe: ReadModelProbe): () => void {
  readModels.add(probe);
  return () => readModels.delete(probe);
}

new client.Gauge({
  name: 'chorus_read_model_applied_revision',
  help: 'The store revision the social read model has applied.',
  registers: [registry],
  collect() {
    const model = current();
    if (model) this.set(model.applied());
  },
});

new client.Gauge({
  name: 'chorus_read_model_lag_revisions',
  help: "Revisions the store is ahead of the social read model's view, read at scrape time.",
  registers: [registry],
  async collect() {
    const model = current();
    if (!model) return;
    const store = await model.storeRevision();
    if (store !== undefined) this.set(Math.max(0, store - model.applied()));
  },
});

new client.Gauge({
  name: 'chorus_read_model_view_size',
  help: "Entries in the social read model's view, by family.",
  labelNames: ['family'] as const,
  registers: [registry],
  collect() {
    const model = current();
    if (!model) return;
    for (const [family, size] of Object.entries(model.viewSize())) this.set({ family }, size);
  },
});

export const readModelListing = new client.Histogram({
  name: 'chorus_read_model_listing_seconds',
  help: 'How long the read model took to list the store into a fresh view (at start and after a lost watch).',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
  registers: [registry],
});

/** 2xx, 3xx, 4xx, 5xx: a label with five values instead of sixty. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * This process's web requests so far, for the admin status page: totals
 * and cumulative latency buckets (the page diffs two readings for a rate
 * or a percentile over an interval).
 */
export async function webRequestTotals(): Promise<{ count: number; errors: number; buckets: { le: number; count: number }[] }> {
  const { values } = await httpRequestDuration.get();
  let count = 0;
  let errors = 0;
  const buckets = new Map<number, number>();
  for (const value of values) {
    if (value.metricName === 'chorus_http_request_duration_seconds_count') {
      count += value.value;
      if (value.labels.status_class === '5xx') errors += value.value;
    } else if (value.metricName === 'chorus_http_request_duration_seconds_bucket') {
      const bound = (value.labels as { le?: string | number }).le;
      const le = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
      buckets.set(le, (buckets.get(le) ?? 0) + value.value);
    }
  }
  return { count, errors, buckets: [...buckets].map(([le, n]) => ({ le, count: n })).sort((a, b) => a.le - b.le) };
}
