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
}
