/**
 * Replacing a member whose data directory is gone, through etcd's cluster
 * API (its JSON gateway, as the root identity): the surviving majority
 * removes the lost member and admits an empty one on the same peer URL,
 * which then starts with `--initial-cluster-state existing` and receives
 * the data from the leader. A member that merely crashed keeps its data
 * and rejoins from its WAL; this is only for a lost disk.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import type { ClientTls } from './request-json.js';

export interface ReplacementTarget {
  name: string;
  peerUrl: string;
}

/**
 * Removes whatever member holds `target`'s name or peer URL (the lost one,
 * or an added member that never started, after a replacement cut short)
 * and adds `target`'s peer URL as a new member. `endpoints` are client URLs
 * of healthy members. Through gRPC, not the JSON gateway: the gateway
 * ignores the client certificate, and with authentication on only `root`
 * may change the membership.
 */
export async function readmitMember(endpoints: readonly string[], tls: ClientTls | undefined, target: ReplacementTarget): Promise<void> {
  const cluster = (change: (client: Etcd3) => Promise<unknown>) =>
    whileUnhealthy(async () => {
      // A client per attempt: the etcd3 client's circuit breaker would refuse every call after a few refusals.
      const client = new Etcd3({
        hosts: [...endpoints],
        ...(tls ? { credentials: { rootCertificate: tls.ca, certChain: tls.cert, privateKey: tls.key } } : {}),
      });
      try {
        return await change(client);
      } finally {
        client.close();
      }
    });
  let ids: string[] = [];
  await cluster(async (client) => {
    const { members } = await client.cluster.memberList({});
    ids = members.filter((m) => m.name === target.name || m.peerURLs.includes(target.peerUrl)).map((m) => m.ID);
  });
  for (const id of ids) await cluster((client) => client.cluster.memberRemove({ ID: id }));
  await cluster((client) => client.cluster.memberAdd({ peerURLs: [target.peerUrl] }));
}

/**
 * etcd refuses a membership change ("unhealthy cluster") until the leader
 * has been connected to a quorum for five seconds, which a cluster that has
 * just started has not: retried for up to a minute.
 */
async function whileUnhealthy<T>(change: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await change();
    } catch (error) {
      if (!/unhealthy cluster/.test((error as Error).message) || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}
