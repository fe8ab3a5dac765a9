import { StatusClient } from '../clients/status-client.js';
import type { Config } from '../config.js';
import type { DeploymentStatus, InstanceStatus, ProcessReport, StatusSource } from '../domain/status.js';
import { type RpcIdentity, serviceNames } from '../rpc/tls.js';
import { VERSION } from '../version.js';

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

/** What a service process reports about itself, for its status RPC. */
export function processReport(status: StatusSource): () => Promise<ProcessReport> {
  return async () => {
    const { store, readModelLag } = await status.status();
    return { version: VERSION, uptimeSeconds: process.uptime(), ready: true, store, readModelLag };
  };
}

/**
 * The `web` role's view of a deployment: this web process, and every auth
 * and social address it was given, each asked over its own connection.
 * The store's figures come from the first social instance that answers
 * (every service sees the same store), else from an auth instance.
 */
export class RemoteStatusSource implements StatusSource {
  readonly #clients: { name: string; client: StatusClient }[];

  constructor(config: Config, identity: RpcIdentity | undefined, webAddress: () => string) {
    const make = (name: 'auth' | 'social', address: string) => ({
      name,
      client: new StatusClient(address, { deadlineMs: Math.min(config.grpcDeadlineMs, 2000), serverName: serviceNames[name], identity }),
    });
    this.#clients = [...config.socialAddresses.map((a) => make('social', a)), ...config.authAddresses.map((a) => make('auth', a))];
    this.webAddress = webAddress;
  }

  private readonly webAddress: () => string;

  async status(): Promise<DeploymentStatus> {
    const reports = await Promise.all(
      this.#clients.map(({ client }) =>
        client.report().then(
          (report) => ({ report }),
          (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
        ),
      ),
    );
    const self: InstanceStatus = {
      name: 'web (this one)',
      address: this.webAddress(),
      ready: true,
      version: VERSION,
      uptimeSeconds: process.uptime(),
    };
    const instances = this.#clients.map(({ name, client }, i): InstanceStatus => {
      const answer = reports[i]!;
      if ('error' in answer) return { name, address: client.address, ready: false, version: '', uptimeSeconds: 0, error: answer.error };
      const { version, uptimeSeconds, ready } = answer.report;
      return { name, address: client.address, ready, version, uptimeSeconds };
    });
    const answered = reports.flatMap((r) => ('report' in r ? [r.report] : []));
    const source = answered.find((r) => r.readModelLag !== undefined) ?? answered[0];
    if (!source) throw new Error('no service answered');
    return { store: source.store, instances: [self, ...instances], readModelLag: source.readModelLag };
  }

  close(): void {
    for (const { client } of this.#clients) client.close();
  }
}
