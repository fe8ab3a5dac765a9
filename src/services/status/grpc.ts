import type { ProcessReport, StoreStatus, WebInstanceRegistry } from '../../domain/status.js';
import {
  type StatusServiceServer,
  StatusServiceService,
  type WebInstance,
  type StoreStatus as WireStoreStatus,
} from '../../gen/chorus/status/v1/status.js';
import type { GrpcService } from '../../rpc/server.js';
import { unary } from '../../rpc/unary.js';

/**
 * The status RPC's adapter; `report` says what this process knows and never
 * throws for an unhealthy store. `webInstances` records the web tier's reports.
 */
export function statusGrpcService(
  report: () => Promise<ProcessReport>,
  webInstances: WebInstanceRegistry,
  onInternalError: (error: unknown) => void,
): GrpcService {
  let draining = false;
  const implementation: StatusServiceServer = {
    status: unary(async () => {
      const r = await report();
      return {
        version: r.version,
        uptimeSeconds: r.uptimeSeconds,
        ready: r.ready && !draining,
        store: wireStore(r.store),
        readModelLag: r.readModelLag ?? -1,
        webInstances: r.webInstances,
      };
    }, onInternalError),
    reportInstance: unary(async (request) => {
      const instance = request.instance ?? emptyInstance;
      if (request.gone) await webInstances.remove(instance.id);
      else await webInstances.report(instance, request.ttlSeconds);
      return {};
    }, onInternalError),
  };
  return {
    name: 'chorus.status.v1.StatusService',
    definition: StatusServiceService,
    implementation,
    protoFile: 'chorus/status/v1/status.proto',
    drain: () => {
      draining = true;
    },
  };
}

const emptyInstance: WebInstance = {
  id: '',
  address: '',
  host: '',
  version: '',
  uptimeSeconds: 0,
  ready: false,
  requestsLastMinute: 0,
  errorsLastMinute: 0,
  secondsSinceReport: 0,
  ttlSeconds: 0,
};

function wireStore(store: StoreStatus): WireStoreStatus {
  if (store.engine === 'embedded') {
    const { file, fileBytes, walBytes, revision } = store;
    return { engine: 'embedded', members: [], file, fileBytes, walBytes, revision };
  }
  return {
    engine: 'etcd',
    members: store.members.map((m) => ({ ...m, quotaBytes: m.quotaBytes ?? 0, error: m.error ?? '' })),
    file: '',
    fileBytes: 0,
    walBytes: 0,
    revision: store.revision ?? 0,
  };
}
