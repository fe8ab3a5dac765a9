/**
 * Looking after etcd's disk space: the alarms a member raises (NOSPACE
 * once the backend quota is reached) and defragmentation, which gives
 * back to the file system the pages that compaction freed. Compaction
 * itself is etcd's own (--auto-compaction-*, set in etcd-cluster.ts);
 * without defragmentation the file never shrinks, so it creeps towards
 * the quota. Every call is made as `root`, which etcd requires for
 * defragmentation and alarms once authentication is on.
 */
import { Etcd3 } from 'etcd3';
import type { ClientTls } from './request-json.js';

export interface EtcdAlarm {
  /** etcd's member id (decimal), as `etcdctl member list` prints it in hex. */
  memberId: string;
  /** 'NOSPACE' (the backend quota is reached) or 'CORRUPT'. */
  alarm: string;
}

export interface MemberSize {
  endpoint: string;
  /** Bytes of the backend file on disk. */
  dbSize: number;
  /** Bytes in use within it; the rest is free pages that defragmentation returns. */
  dbSizeInUse: number;
}

export interface DefragmentResult {
  endpoint: string;
  before: MemberSize;
  after: MemberSize;
  ms: number;
}

/** Defragmentation blocks the member's reads and writes while it copies the file; a large one takes a while. */
const DEFRAGMENT_TIMEOUT_MS = 5 * 60_000;
const CALL_TIMEOUT_MS = 5_000;

function clientFor(endpoints: string[], tls: ClientTls | undefined): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    ...(tls ? { credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } } : {}),
  });
}

async function withClient<T>(endpoints: string[], tls: ClientTls | undefined, run: (client: Etcd3) => Promise<T>): Promise<T> {
  const client = clientFor(endpoints, tls);
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** The alarms raised anywhere in the cluster (any member answers for all); empty when all is well. */
export async function listAlarms(endpoints: string[], tls?: ClientTls): Promise<EtcdAlarm[]> {
  return withClient(endpoints, tls, async (client) => {
    const response = await client.maintenance.alarm(
      { action: 'Get', alarm: 'None', memberID: 0 },
      { deadline: Date.now() + CALL_TIMEOUT_MS },
    );
    return response.alarms.map((a) => ({ memberId: String(a.memberID), alarm: String(a.alarm).toUpperCase() }));
  });
}

/** The size of one member's backend file, asked of that member alone (a client of one host cannot fail over to another). */
export async function memberSize(endpoint: string, tls?: ClientTls): Promise<MemberSize> {
  return withClient([endpoint], tls, async (client) => {
    const status = await client.maintenance.status({ deadline: Date.now() + CALL_TIMEOUT_MS });
    return { endpoint, dbSize: Number(status.dbSize), dbSizeInUse: Number(status.dbSizeInUse) };
  });
}

/** Defragments one member and reports its size before and after. */
export async function defragmentMember(endpoint: string, tls?: ClientTls): Promise<DefragmentResult> {
  const before = await memberSize(endpoint, tls);
  const started = Date.now();
  await withClient([endpoint], tls, (client) => client.maintenance.defragment({ deadline: Date.now() + DEFRAGMENT_TIMEOUT_MS }));
  const ms = Date.now() - started;
  return { endpoint, before, after: await memberSize(endpoint, tls), ms };
}

/**
 * Defragments every member, one after the other and never two at once: a
 * member stalls while it defragments, and the others keep the quorum and
 * serve meanwhile. A member that fails is reported and the rest still
 * done; the call resolves with one outcome per member, in order (fewer
 * once `signal` aborts: the member under way finishes, no other starts).
 */
export async function defragmentInTurn(
  endpoints: string[],
  tls: ClientTls | undefined,
  report: (outcome: DefragmentResult | { endpoint: string; error: unknown }) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (const endpoint of endpoints) {
    if (signal?.aborted) return;
    try {
      report(await defragmentMember(endpoint, tls));
    } catch (error) {
      report({ endpoint, error });
    }
  }
}

/**
 * Clears every alarm (`etcdctl alarm disarm`). Only worth it once space has
 * been freed (compaction, then defragmentation, or a larger quota): on a
 * member still over its quota etcd raises NOSPACE again at the next write.
 */
export async function disarmAlarms(endpoints: string[], tls?: ClientTls): Promise<void> {
  await withClient(endpoints, tls, async (client) => {
    for (const raised of await listAlarms(endpoints, tls)) {
      await client.maintenance.alarm(
        { action: 'Deactivate', alarm: raised.alarm === 'NOSPACE' ? 'Nospace' : 'Corrupt', memberID: raised.memberId },
        { deadline: Date.now() + CALL_TIMEOUT_MS },
      );
    }
  });
}
