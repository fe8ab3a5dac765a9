import type { ProcessReport, StoreStatus, WebInstanceReport } from '../domain/status.js';
import { StatusServiceClient, type StoreStatus as WireStoreStatus } from '../gen/chorus/status/v1/status.js';
import { clientCredentials, type RpcIdentity } from '../rpc/tls.js';
import { callUnary } from '../rpc/unary.js';

/**
 * Asks one service process (one address, not a balanced channel: the
 * status page lists every instance) for its report. Throws DomainError
 * `unavailable` when it does not answer within the deadline.
 */
export class StatusClient {
  readonly #client: InstanceType<typeof StatusServiceClient>;

  constructor(
    readonly address: string,
    /** `serverName`: the certificate name the process must prove over TLS (serviceNames.auth or .social). */
    private readonly options: { deadlineMs: number; serverName: string; identity?: RpcIdentity | undefined },
  ) {
    this.#client = new StatusServiceClient(address, clientCredentials(options.identity), {
      'grpc.ssl_target_name_override': options.serverName,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
    });
  }

  async report(): Promise<ProcessReport> {
    const r = await callUnary(this.#client, this.#client.status, {}, this.options.deadlineMs);
    return {
      version: r.version,
      uptimeSeconds: r.uptimeSeconds,
      ready: r.ready,
      store: domainStore(r.store),
      readModelLag: r.readModelLag < 0 ? undefined : r.readModelLag,
      webInstances: r.webInstances,
    };
  }

  /** Records this web instance for `ttlSeconds`, or with `gone` removes it. */
  async reportInstance(instance: WebInstanceReport, ttlSeconds: number, gone = false): Promise<void> {
    const wire = { ...instance, secondsSinceReport: 0, ttlSeconds: 0 };
    await callUnary(this.#client, this.#client.reportInstance, { instance: wire, ttlSeconds, gone }, this.options.deadlineMs);
  }

  close(): void {
    this.#client.close();
  }
}

function domainStore(store: WireStoreStatus | undefined): StoreStatus {
  if (store?.engine === 'embedded') {
    return { engine: 'embedded', file: store.file, fileBytes: store.fileBytes, walBytes: store.walBytes, revision: store.revision };
  }
  return {
    engine: 'etcd',
    members: (store?.members ?? []).map((m) => ({ ...m, quotaBytes: m.quotaBytes || undefined, error: m.error || undefined })),
    revision: store?.revision || undefined,
  };
}
