/**
 * What the administrators' status page shows about the deployment. Plain
 * data: the store reports its own part (kv/), the services theirs, and the
 * web tier renders it. A part that could not be asked carries `error`
 * instead of failing the whole page.
 */

/** One etcd member, as its own Maintenance.Status and the cluster's alarm list say. */
export interface EtcdMemberStatus {
  endpoint: string;
  /** The member id in hex, as etcdctl prints it; empty when the member did not answer. */
  id: string;
  leader: boolean;
  raftTerm: number;
  raftIndex: number;
  /** Backend database size on disk, in bytes. */
  dbSizeBytes: number;
  /** The configured backend quota, when this process knows it. */
  quotaBytes?: number | undefined;
  /** Alarms raised on this member (NOSPACE, CORRUPT). */
  alarms: string[];
  version: string;
  error?: string | undefined;
}

export type StoreStatus =
  | { engine: 'embedded'; file: string; fileBytes: number; walBytes: number; revision: number }
  | { engine: 'etcd'; members: EtcdMemberStatus[]; revision?: number | undefined };

/** A service or web process: whether it takes traffic, its build, and how long it has been up. */
export interface InstanceStatus {
  name: string;
  /** Where it is reached, or "in process". */
  address: string;
  ready: boolean;
  version: string;
  uptimeSeconds: number;
  error?: string | undefined;
  /** A web instance's requests in its last whole minute, and the 5xx among them; absent for the services. */
  requestsPerMinute?: number | undefined;
  errorsPerMinute?: number | undefined;
  /** For another web instance: seconds since its last report reached the store, and whether it is overdue. */
  secondsSinceReport?: number | undefined;
  late?: boolean | undefined;
}

/** One web instance as it reports itself to the status service, every few seconds. */
export interface WebInstanceReport {
  /** Random lowercase hex, new at each start of the process. */
  id: string;
  address: string;
  host: string;
  version: string;
  uptimeSeconds: number;
  ready: boolean;
  requestsLastMinute: number;
  errorsLastMinute: number;
}

/** A web instance as the store holds it: its report, and how old that report is by the service's clock. */
export interface RecordedWebInstance extends WebInstanceReport {
  secondsSinceReport: number;
  /** The lease the instance asked for: its record is gone this long after its last report. */
  ttlSeconds: number;
}

/** Where the web instances' reports are kept, on leases (services/status/web-instances.ts); refuses a bad report as `invalid`. */
export interface WebInstanceRegistry {
  report(instance: WebInstanceReport, ttlSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  list(): Promise<RecordedWebInstance[]>;
}

export interface DeploymentStatus {
  store: StoreStatus;
  instances: InstanceStatus[];
  /** Store revisions the social service's read model is behind; absent when unknown. */
  readModelLag?: number | undefined;
}

/** Where the status page gets the deployment's state. Never throws: unreachable parts carry errors. */
export interface StatusSource {
  status(): Promise<DeploymentStatus>;
}

/** What one service process says about itself and the store it holds. */
export interface ProcessReport {
  version: string;
  uptimeSeconds: number;
  ready: boolean;
  store: StoreStatus;
  readModelLag?: number | undefined;
  /** The web instances whose reports have not expired. */
  webInstances: RecordedWebInstance[];
}
