/**
 * What `chorus backup` and `chorus restore` do with a deployment's data
 * directory: find which store it runs on, back it up, or restore a backup
 * into an empty directory that `chorus all` or `chorus cluster` then serves.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePorts } from '../supervisor/ports.js';
import { BackupFileError, type Manifest, readManifest } from './backup-file.js';
import { backupEtcd, type EtcdAccess, restoreEtcd } from './etcd-backup.js';
import { backupEmbeddedDataDir, type OpenEmbedded, restoreSqlite } from './sqlite-backup.js';

export interface BackupSource {
  dataDir: string;
  /** An etcd cluster given explicitly (endpoints and a root identity); else the data directory says which store. */
  etcd?: EtcdAccess;
  /** Opens the embedded store's file when no running process answers for it. */
  openEmbedded: OpenEmbedded;
}

/** The etcd cluster `chorus cluster` runs from `dataDir`, with its root identity; undefined when it holds none. */
export function localClusterAccess(dataDir: string): (EtcdAccess & { members: number }) | undefined {
  const layoutFile = path.join(dataDir, 'etcd', 'cluster.json');
  if (!existsSync(layoutFile)) return undefined;
  const layout = JSON.parse(readFileSync(layoutFile, 'utf8')) as { members: number; clientPorts: number[] };
  const tls = path.join(dataDir, 'etcd', 'tls');
  return {
    endpoints: layout.clientPorts.map((port) => `https://127.0.0.1:${port}`),
    tls: { ca: path.join(tls, 'ca.pem'), cert: path.join(tls, 'root.pem'), key: path.join(tls, 'root-key.pem') },
    members: layout.members,
  };
}

export async function backupDeployment(source: BackupSource, target: string): Promise<Manifest> {
  if (source.etcd) return backupEtcd(source.etcd, target);
  const cluster = localClusterAccess(source.dataDir);
  if (cluster) return backupEtcd(cluster, target, cluster.members);
  return backupEmbeddedDataDir(source.dataDir, target, source.openEmbedded);
}

export interface RestoreTarget {
  dataDir: string;
  /** For an etcd backup: the ports `chorus cluster` will give its members (0 = free ones, recorded for later starts). */
  etcdClientPorts: number[];
  etcdPeerPorts: number[];
}

/**
 * Restores `file` into `dataDir`, which must be absent or empty: restoring
 * over live data would mix two histories. Throws BackupFileError for a
 * file that is not a complete, undamaged backup, before writing anything.
 */
export async function restoreDeployment(file: string, target: RestoreTarget): Promise<Manifest> {
  if (existsSync(target.dataDir) && readdirSync(target.dataDir).length > 0) {
    throw new BackupFileError(`${target.dataDir} is not empty: restore into a new, empty data directory`);
  }
  const { manifest } = readManifest(file);
  mkdirSync(target.dataDir, { recursive: true });
  if (manifest.format === 'sqlite') return restoreSqlite(file, target.dataDir);
  const count = manifest.members ?? 3;
  if (count !== target.etcdPeerPorts.length) {
    throw new BackupFileError(`the backup comes from a ${count}-member cluster; this deployment starts ${target.etcdPeerPorts.length}`);
  }
  const free = async (ports: number[]) => (ports.every((p) => p === 0) ? findFreePorts(ports.length, '127.0.0.1') : ports);
  return restoreEtcd(file, {
    etcdDir: path.join(target.dataDir, 'etcd'),
    host: '127.0.0.1',
    clientPorts: await free(target.etcdClientPorts),
    peerPorts: await free(target.etcdPeerPorts),
  });
}

/** The manifest as a few lines for the operator. */
export function describeManifest(file: string, manifest: Manifest, ms: number): string {
  return [
    `${file}`,
    `  format    ${manifest.format}${manifest.members ? ` (${manifest.members} members)` : ''}`,
    `  revision  ${manifest.revision}`,
    `  keys      ${manifest.keys}`,
    `  size      ${manifest.bytes} bytes`,
    `  sha256    ${manifest.sha256}`,
    `  taken     ${manifest.createdAt}`,
    `  in        ${(ms / 1000).toFixed(2)} s`,
  ].join('\n');
}
