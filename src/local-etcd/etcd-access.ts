/**
 * Least privilege in etcd: Chorus's services log in as the `chorus` user,
 * whose one role may read and write keys under Chorus's prefix and nothing
 * else (no other keys, no user or cluster administration). Run once per
 * cluster by the supervisor, as `root`; repeated runs change nothing.
 */
import { readFileSync } from 'node:fs';
import { Etcd3, Range } from 'etcd3';
import type { ClusterCertificates } from './certificates.js';

export const CHORUS_USER = 'chorus';
const CHORUS_ROLE = 'chorus';

/**
 * Creates the `root` and `chorus` users and the `chorus` role limited to
 * `prefix`, then turns authentication on. Users authenticate by the Common
 * Name of their client certificate, so the passwords etcd insists on are
 * random and thrown away.
 */
export async function restrictToPrefix(endpoints: string[], certificates: ClusterCertificates, prefix: string): Promise<void> {
  const client = new Etcd3({
    hosts: endpoints,
    credentials: {
      rootCertificate: readFileSync(certificates.ca),
      certChain: readFileSync(certificates.root.cert),
      privateKey: readFileSync(certificates.root.key),
    },
  });
  try {
    const users = new Set((await client.getUsers()).map((user) => user.name));
    const roles = new Set((await client.getRoles()).map((role) => role.name));
    if (!roles.has(CHORUS_ROLE)) {
      await client.role(CHORUS_ROLE).create();
      await client.role(CHORUS_ROLE).grant({ permission: 'Readwrite', range: Range.prefix(prefix) });
    }
    for (const [user, role] of [
      ['root', 'root'],
      [CHORUS_USER, CHORUS_ROLE],
    ] as const) {
      if (users.has(user)) continue;
      await client.user(user).create(randomPassword());
      await client.user(user).addRole(role);
    }
    // Enabling twice is harmless; etcd answers the second time as the first.
    await client.auth.authEnable();
  } finally {
    client.close();
  }
}

function randomPassword(): string {
  return crypto.getRandomValues(Buffer.alloc(32)).toString('base64url');
}
