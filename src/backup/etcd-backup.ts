/**
 * Backups of the etcd cluster: a snapshot through the Maintenance API,
 * taken from one member while the cluster serves, checked with
 * `etcdctl snapshot status`; and its restore into a new cluster's data
 * directories with `etcdctl snapshot restore`, one per member, as
 * etcd-cluster.ts will start them. The snapshot holds etcd's auth store,
 * so the `root` and `chorus` users and the role come back with the data;
 * certificates are not in it: a restored cluster makes new ones.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { BackupFileError, extractPayload, type Manifest, writeBackupFile } from './backup-file.js';

const run = promisify(execFile);

export interface EtcdAccess {
  endpoints: string[];
  /** A client identity allowed to take snapshots: the cluster's `root` user. */
  tls?: { ca: string; cert: string; key: string };
}

/** Takes a snapshot of the cluster into `target` and checks it; returns what the file holds. */
export async function backupEtcd(access: EtcdAccess, target: string, members = access.endpoints.length): Promise<Manifest> {
  const work = mkdtempSync(path.join(path.dirname(path.resolve(target)), '.chorus-backup-'));
  const client = new Etcd3({
    hosts: access.endpoints,
    credentials: access.tls && {
      rootCertificate: readFileSync(access.tls.ca),
      certChain: readFileSync(access.tls.cert),
      privateKey: readFileSync(access.tls.key),
    },
  });
  try {
    const snapshot = path.join(work, 'snapshot.db');
    await saveSnapshot(client, snapshot);
    const status = await snapshotStatus(snapshot);
    return await writeBackupFile(target, snapshot, {
      format: 'etcd-snapshot',
      revision: status.revision,
      keys: status.totalKey,
      members,
      createdAt: new Date().toISOString(),
    });
  } finally {
    client.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function saveSnapshot(client: Etcd3, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file, { mode: 0o600 });
    out.on('error', reject);
    client.maintenance.snapshot().then((stream) => {
      stream.on('data', (chunk) => out.write(chunk.blob));
      stream.on('error', (error) => {
        out.destroy();
        reject(error);
      });
      stream.on('end', () => out.end(resolve));
    }, reject);
  });
}

/** `etcdctl snapshot status`: reads the whole snapshot and checks its hash. */
export async function snapshotStatus(file: string): Promise<{ hash: number; revision: number; totalKey: number; totalSize: number }> {
  try {
    const { stdout } = await run('etcdctl', ['snapshot', 'status', file, '-w', 'json'], { env: { ...process.env, ETCDCTL_API: '3' } });
    return JSON.parse(stdout);
  } catch (error) {
    throw new BackupFileError(
      `etcdctl cannot read the snapshot: ${((error as { stderr?: string }).stderr || (error as Error).message).trim()}`,
    );
  }
}

export interface RestoreLayout {
  /** Where the cluster keeps its members' data: `<DATA_DIR>/etcd`. */
  etcdDir: string;
  host: string;
  clientPorts: number[];
  peerPorts: number[];
}

/**
 * Restores the snapshot into one data directory per member and records
 * the ports and token the members were restored with (cluster.json), so
 * etcd-cluster.ts starts them as the cluster they now are.
 */
export async function restoreEtcd(file: string, layout: RestoreLayout): Promise<Manifest> {
  mkdirSync(layout.etcdDir, { recursive: true });
  const snapshot = path.join(layout.etcdDir, '.restore-snapshot.db');
  try {
    const manifest = await extractPayload(file, snapshot);
    await snapshotStatus(snapshot);
    const count = layout.peerPorts.length;
    const token = `chorus-${randomUUID()}`;
    // Members are always started with TLS (see cmd/cluster.ts), so their peer URLs are https.
    const names = layout.peerPorts.map((_, i) => `etcd-${i + 1}`);
    const peerUrls = layout.peerPorts.map((port) => `https://${layout.host}:${port}`);
    const initialCluster = names.map((name, i) => `${name}=${peerUrls[i]}`).join(',');
    for (let i = 0; i < count; i++) {
      await run(
        'etcdctl',
        [
          ...['snapshot', 'restore', snapshot, '--name', names[i]!, '--data-dir', path.join(layout.etcdDir, names[i]!)],
          ...['--initial-cluster', initialCluster, '--initial-cluster-token', token, '--initial-advertise-peer-urls', peerUrls[i]!],
        ],
        { env: { ...process.env, ETCDCTL_API: '3' } },
      );
    }
    const record = { members: count, clientPorts: layout.clientPorts, peerPorts: layout.peerPorts, token };
    writeFileSync(path.join(layout.etcdDir, 'cluster.json'), `${JSON.stringify(record, null, 2)}\n`);
    return manifest;
  } finally {
    rmSync(snapshot, { force: true });
  }
}
