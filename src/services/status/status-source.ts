import type { DeploymentStatus, InstanceStatus, StatusSource } from '../../domain/status.js';
import type { KV } from '../../kv/kv.js';

/** The read model's one figure the status page needs. */
export interface AppliedRevision {
  readonly applied: number;
}

/**
 * The deployment's state as a process that holds the store sees it: the
 * store's own report, how far the read model trails it, and the instances
 * `instances` lists (probed by the caller, which knows where they run).
 */
export class StoreStatusSource implements StatusSource {
  constructor(
    private readonly kv: KV,
    private readonly readModel: AppliedRevision | undefined,
    private readonly instances: () => Promise<InstanceStatus[]>,
  ) {}

  async status(): Promise<DeploymentStatus> {
    const [store, instances] = await Promise.all([this.kv.status(), this.instances()]);
    const revision = store.revision;
    // The revision is read before `applied`, so a model that is current shows 0, never a negative lag.
    const readModelLag = this.readModel && revision !== undefined ? Math.max(0, revision - this.readModel.applied) : undefined;
    return { store, instances, readModelLag };
  }
}
