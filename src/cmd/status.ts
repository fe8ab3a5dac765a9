import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { StatusClient } from '../clients/status-client.js';
import type { Config } from '../config.js';
import type {
  DeploymentStatus,
  InstanceStatus,
  ProcessReport,
  RecordedWebInstance,
  StatusSource,
  WebInstanceRegistry,
  WebInstanceReport,
} from '../domain/status.js';
import { type RpcIdentity, serviceNames } from '../rpc/tls.js';
import { VERSION } from '../version.js';
import type { RequestStats } from '../web/admin/request-stats.js';

/** `all`: web, auth and social share this process, so they share its version and uptime, and answer while it does. */
export function inProcessInstances(config: Config, ports: { authPort: number; socialPort: number }): InstanceStatus[] {
  const up = process.uptime();
  const instance = (name: string, address: string): InstanceStatus => ({ name, address, ready: true, version: VERSION, uptimeSeconds: up });
  return [
    instance('web', `in process (${config.host}:${config.port})`),
    instance('auth', `in process, gRPC ${config.rpcHost}:${ports.authPort}`),
    instance('social', `in process, gRPC ${config.rpcHost}:${ports.socialPort}`),
  ];
}

/** This web process as it reports itself: a random id for this start, where it listens, and its last whole minute of requests. */
export function webInstanceReport(url: () => string, requests: RequestStats): () => WebInstanceReport {
  const id = randomBytes(8).toString('hex');
  const host = os.hostname();
  return () => {
    const lastMinute = requests.lastHour().at(-2);
    return {
      id,
      address: url() || 'starting',
      host,
      version: VERSION,
      uptimeSeconds: process.uptime(),
      ready: true,
      requestsLastMinute: lastMinute?.requests ?? 0,
      errorsLastMinute: lastMinute?.errors ?? 0,
    };
  };
}

/** What a service process reports about itself and the web instances the store lists, for its status RPC. */
export function processReport(status: StatusSource, webInstances: Pick<WebInstanceRegistry, 'list'>): () => Promise<ProcessReport> {
  return async () => {
    const [{ store, readModelLag }, instances] = await Promise.all([status.status(), webInstances.list()]);
    return { version: VERSION, uptimeSeconds: process.uptime(), ready: true, store, readModelLag, webInstances: instances };
  };
}

/**
 * The `web` role's view of a deployment: this web process, the other web
 * instances as the store lists their reports, and every auth and social
 * address it was given, each asked over its own connection. The store's
 * figures come from the first social instance that answers (every service
 * sees the same store), else from an auth instance.
 */
export class RemoteStatusSource implements StatusSource {
  readonly #clients: { name: string; client: StatusClient }[];

  constructor(
    config: Config,
    identity: RpcIdentity | undefined,
    /** This web instance as it reports itself (see clients/instance-reporter.ts). */
    private readonly self: () => WebInstanceReport,
  ) {
    const make = (name: 'auth' | 'social', address: string) => ({
      name,
      client: new StatusClient(address, { deadlineMs: Math.min(config.grpcDeadlineMs, 2000), serverName: serviceNames[name], identity }),
    });
    this.#clients = [...config.socialAddresses.map((a) => make('social', a)), ...config.authAddresses.map((a) => make('auth', a))];
  }

  /** The status services in the order to try them: social first, then auth. */
  get clients(): StatusClient[] {
    return this.#clients.map(({ client }) => client);
  }

  async status(): Promise<DeploymentStatus> {
    const reports = await Promise.all(
      this.#clients.map(({ client }) =>
        client.report().then(
          (report) => ({ report }),
          (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
        ),
      ),
    );
    const me = this.self();
    const self: InstanceStatus = {
      name: 'web (this one)',
      address: `${me.address} on ${me.host}`,
      ready: me.ready,
      version: me.version,
      uptimeSeconds: me.uptimeSeconds,
      requestsPerMinute: me.requestsLastMinute,
      errorsPerMinute: me.errorsLastMinute,
    };
    const services = this.#clients.map(({ name, client }, i): InstanceStatus => {
      const answer = reports[i]!;
      if ('error' in answer) return { name, address: client.address, ready: false, version: '', uptimeSeconds: 0, error: answer.error };
      const { version, uptimeSeconds, ready } = answer.report;
      return { name, address: client.address, ready, version, uptimeSeconds };
    });
    const answered = reports.flatMap((r) => ('report' in r ? [r.report] : []));
    const source = answered.find((r) => r.readModelLag !== undefined) ?? answered[0];
    if (!source) throw new Error('no service answered');
    const others = source.webInstances.filter((w) => w.id !== me.id).map(otherWebInstance);
    others.sort((a, b) => a.address.localeCompare(b.address));
    return { store: source.store, instances: [self, ...others, ...services], readModelLag: source.readModelLag };
  }

  close(): void {
    for (const { client } of this.#clients) client.close();
  }
}

/**
 * Another web instance from its last report. Reports come every ttl/3, so
 * one older than two intervals means at least one was missed: the
 * instance is shown as late until its lease runs out and it disappears.
 */
export function otherWebInstance(w: RecordedWebInstance): InstanceStatus {
  const late = w.secondsSinceReport > (2 * w.ttlSeconds) / 3;
  return {
    name: 'web',
    address: `${w.address} on ${w.host}`,
    ready: w.ready && !late,
    version: w.version,
    uptimeSeconds: w.uptimeSeconds + w.secondsSinceReport,
    requestsPerMinute: w.requestsLastMinute,
    errorsPerMinute: w.errorsLastMinute,
    secondsSinceReport: w.secondsSinceReport,
    late,
    error: late ? `no report for ${Math.round(w.secondsSinceReport)} s` : w.ready ? undefined : 'draining',
  };
}
