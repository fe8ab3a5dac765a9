/**
 * The ceilings every result is divided by, measured in the same run on the
 * same machine at the same concurrency: a bare node:http server through the
 * same load generator, and etcd through the same client the services use
 * (EtcdKV): one-put transactions and linearizable reads.
 */
import { fileURLToPath } from 'node:url';
import type { KV } from '../src/kv/kv.js';
import { findFreePort } from '../src/supervisor/ports.js';
import { tcpReady } from '../src/supervisor/supervised-process.js';
import type { LoadGenerator } from './load-generator.js';
import type { LoadResult } from './load-spec.js';
import { rssMiB, spawnLogged } from './processes.js';

const helloScript = fileURLToPath(new URL('./hello-server.js', import.meta.url));

export async function measureHello(
  generator: LoadGenerator,
  options: { connections: number; durationS: number; logDir: string },
): Promise<{ result: LoadResult; rssMiB: number | undefined }> {
  const port = await findFreePort();
  const child = spawnLogged('hello-server', process.execPath, [helloScript, String(port)], { logDir: options.logDir });
  try {
    await child.waitReady(tcpReady(port), { timeoutMs: 10_000, what: `port ${port}` });
    const result = await generator.measure({
      workload: 'hello',
      ports: [port],
      connections: options.connections,
      durationS: options.durationS,
    });
    return { result, rssMiB: rssMiB(child.pid) };
  } finally {
    await child.stop();
  }
}

export interface OpsResult {
  ops: number;
  durationS: number;
  opsPerS: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  errors: number;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** `inFlight` loops, each issuing `op` back to back until `durationS` has passed. */
export async function closedLoop(
  op: (worker: number, n: number) => Promise<unknown>,
  inFlight: number,
  durationS: number,
): Promise<OpsResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + durationS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      for (let n = 0; performance.now() < end; n++) {
        const t = performance.now();
        try {
          await op(worker, n);
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    ops: latencies.length,
    durationS: elapsedS,
    opsPerS: latencies.length / elapsedS,
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      p999: round(percentile(sorted, 99.9)),
      max: round(sorted[sorted.length - 1] ?? 0),
    },
    errors,
  };
}

/** A key outside /chorus/v1/, so the social service's view never sees these writes. */
const CEILING_PREFIX = '/chorus-bench/ceiling/';
const VALUE = 'x'.repeat(200);

export async function etcdPutCeiling(kv: KV, inFlight: number, durationS: number, warmupS: number): Promise<OpsResult> {
  const put = (worker: number) => kv.txn({ compare: [], success: [{ type: 'put', key: `${CEILING_PREFIX}${worker}`, value: VALUE }] });
  if (warmupS > 0) await closedLoop(put, inFlight, warmupS);
  const result = await closedLoop(put, inFlight, durationS);
  await kv.deletePrefix(CEILING_PREFIX);
  return result;
}

export async function etcdGetCeiling(kv: KV, inFlight: number, durationS: number, warmupS: number): Promise<OpsResult> {
  await kv.put(`${CEILING_PREFIX}read`, VALUE);
  const get = () => kv.get(`${CEILING_PREFIX}read`);
  if (warmupS > 0) await closedLoop(get, inFlight, warmupS);
  const result = await closedLoop(get, inFlight, durationS);
  await kv.deletePrefix(CEILING_PREFIX);
  return result;
}
