import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { collectProcessMetrics } from '../metrics/metrics.js';
import { startMetricsServer } from '../metrics/server.js';
import type { Lifecycle } from './lifecycle.js';

/** Starts this process's admin listener (`/metrics`) with the default process metrics; returns its port. */
export async function serveMetrics(config: Config, lifecycle: Lifecycle, port = config.adminPort): Promise<number> {
  collectProcessMetrics();
  const server = lifecycle.add('metrics listener', await startMetricsServer(config.adminHost, port), (s) => s.close());
  return server.port;
}

/** One process (or etcd member) to scrape. */
export interface ScrapeTarget {
  component: 'web' | 'auth' | 'social' | 'all' | 'etcd';
  /** host:port */
  address: string;
  /** Instance name as the operator knows it (web1, etcd-0...). */
  name: string;
  /** etcd members in the cluster speak https and want a client certificate (see docs/operations/prometheus.yml). */
  https?: boolean;
}

export const TARGETS_FILE = 'prometheus-targets.json';

/**
 * Prometheus's file_sd format: one group per target, labelled with its
 * component so the shipped prometheus.yml can scrape chorus processes over
 * http and etcd members over https with the deployment's certificates.
 */
export function prometheusTargets(targets: ScrapeTarget[]): object[] {
  return targets.map((target) => ({
    targets: [target.address],
    labels: {
      component: target.component,
      chorus_instance: target.name,
      __metrics_path__: '/metrics',
      ...(target.https ? { __scheme__: 'https' } : {}),
    },
  }));
}

/** Writes DATA_DIR/prometheus-targets.json atomically enough for file_sd (which re-reads on change). */
export function writePrometheusTargets(dataDir: string, targets: ScrapeTarget[]): string {
  const file = path.join(dataDir, TARGETS_FILE);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(prometheusTargets(targets), null, 2)}\n`);
  // rename is atomic: Prometheus never reads half a file.
  renameSync(temporary, file);
  return file;
}

/** The address a scraper on this machine uses for a listener bound to `host`. */
export function scrapeAddress(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/** etcd members serve /metrics on their client URLs. */
export function etcdTargets(endpoints: string[]): ScrapeTarget[] {
  return endpoints.map((endpoint, i) => {
    const url = new URL(endpoint);
    return { component: 'etcd', name: `etcd-${i}`, address: url.host, https: url.protocol === 'https:' };
  });
}
