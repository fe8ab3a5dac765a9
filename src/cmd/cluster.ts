import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupEtcd } from '../backup/etcd-backup.js';
import { type BackupSchedule, scheduleBackups } from '../backup/schedule.js';
import type { Config } from '../config.js';
import { ensureCertificates } from '../local-etcd/certificates.js';
import { type DefragSchedule, scheduleDefragment } from '../local-etcd/defrag-schedule.js';
import { restrictToPrefix } from '../local-etcd/etcd-access.js';
import { type EtcdCluster, startEtcdCluster } from '../local-etcd/etcd-cluster.js';
import type { CertificateFiles } from '../local-tls/authority.js';
import { makeRpcCertificates } from '../local-tls/rpc-certificates.js';
import { createLogger } from '../log.js';
import { findFreePort } from '../supervisor/ports.js';
import { httpReady, type SupervisedProcess, spawnSupervised, tcpReady } from '../supervisor/supervised-process.js';
import { etcdTargets, scrapeAddress, writePrometheusTargets } from './metrics.js';
import { keys } from './store.js';

/**
 * `chorus cluster`: the replicated deployment on one machine. Three etcd
 * members, one auth and one social service, and N web instances, each its
 * own process, wired through flags and environment exactly as they would be
 * on separate machines: etcd and the services speak mutual TLS, each with
 * a CA of its own made here. Children run in their own process groups so that
 * Ctrl-C reaches only this supervisor, which then stops them in order: web
 * first (no new requests), then the services, then etcd. Each child gets
 * its own drain time plus a margin before SIGKILL.
 */
export async function runCluster(config: Config): Promise<void> {
  const log = createLogger(config, 'chorus-cluster');
  const pick = async (port: number) => (port === 0 ? findFreePort(config.host) : port);
  // Port 0: the ports an earlier start (or a restore) recorded in the data directory, else free ones.
  const fixed = (ports: number[]) => (ports.every((p) => p === 0) ? undefined : Promise.all(ports.map(pick)));
  const etcdClientPorts = await fixed(config.etcdClientPorts);
  const etcdPeerPorts = await fixed(config.etcdPeerPorts);
  const authPort = await pick(config.authPort);
  const socialPort = await pick(config.socialPort);
  const webPorts: number[] = [];
  for (let i = 0; i < config.webInstances; i++) webPorts.push(config.port === 0 ? await findFreePort(config.host) : config.port + i);
  // Admin listeners (/metrics): each process its own, on the admin host.
  const adminPick = async (port: number) => (config.port === 0 || config.adminPort === 0 ? findFreePort(config.adminHost) : port);
  const authAdminPort = await adminPick(config.port + 40);
  const socialAdminPort = await adminPick(config.port + 41);
  const webAdminPorts: number[] = [];
  for (let i = 0; i < config.webInstances; i++) webAdminPorts.push(await adminPick(config.adminPort + i));

  const children: SupervisedProcess[] = [];
  const stopGraceMs = config.shutdownGraceMs + 5_000;
  let etcd: EtcdCluster | undefined;
  let defrag: DefragSchedule | undefined;
  let backups: BackupSchedule | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping the cluster');
    await backups?.close();
    for (const group of [['web'], ['auth', 'social']]) {
      await Promise.all(children.filter((c) => group.some((g) => c.name.startsWith(g))).map((c) => c.stop({ graceMs: stopGraceMs })));
    }
    defrag?.stop();
    await etcd?.stop();
    log.info('cluster stopped');
  };
  const onSignal = () =>
    void stop().then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    mkdirSync(config.dataDir, { recursive: true });
    const tls = await ensureCertificates(path.join(config.dataDir, 'etcd', 'tls'));
    etcd = await startEtcdCluster({
      dataDir: path.join(config.dataDir, 'etcd'),
      host: '127.0.0.1',
      clientPorts: etcdClientPorts,
      peerPorts: etcdPeerPorts,
      // The same number the services show on /admin beside each member's size (they inherit CHORUS_ETCD_QUOTA_BYTES).
      quotaBackendBytes: config.etcdQuotaBytes,
      log: (line) => log.info({ etcd: line }),
      tls,
    });
    await restrictToPrefix(etcd.endpoints, tls, keys.root);
    // etcd compacts itself (--auto-compaction-*); giving the freed pages back to the disk is the supervisor's job.
    if (config.defragEveryMs !== undefined) {
      const root = { ca: readFileSync(tls.ca), cert: readFileSync(tls.root.cert), key: readFileSync(tls.root.key) };
      defrag = scheduleDefragment({ endpoints: etcd.endpoints, tls: root, everyMs: config.defragEveryMs, log });
    }
    if (config.backups) {
      const access = { endpoints: etcd.endpoints, tls: { ca: tls.ca, cert: tls.root.cert, key: tls.root.key } };
      backups = scheduleBackups({
        ...config.backups,
        dir: path.join(config.dataDir, 'backups'),
        backup: (target) => backupEtcd(access, target, access.endpoints.length),
        log,
      });
    }
    const rpc = await makeRpcCertificates(path.join(config.dataDir, 'rpc-tls'), [config.rpcHost]);
    const base = {
      CHORUS_AUTH_PORT: String(authPort),
      CHORUS_SOCIAL_PORT: String(socialPort),
      HOST: config.host,
      CHORUS_RPC_HOST: config.rpcHost,
      CHORUS_RPC_CA: rpc.ca,
      DATA_DIR: config.dataDir,
    };
    // Only the services hold etcd credentials; each process presents its own gRPC certificate.
    const store = {
      CHORUS_STORE: 'etcd',
      CHORUS_ETCD_ENDPOINTS: etcd.endpoints.join(','),
      CHORUS_ETCD_CA: tls.ca,
      CHORUS_ETCD_CERT: tls.chorus.cert,
      CHORUS_ETCD_KEY: tls.chorus.key,
      // Both services must wait and read alike (config.ts readIndexAgeMs), whether given as a flag or in the environment.
      CHORUS_READ_INDEX_AGE_MS: String(config.readIndexAgeMs),
    };
    const identity = (files: CertificateFiles) => ({ CHORUS_RPC_CERT: files.cert, CHORUS_RPC_KEY: files.key });
    const admin = (port: number) => ({ CHORUS_ADMIN_HOST: config.adminHost, CHORUS_ADMIN_PORT: String(port) });
    const auth = startChild('auth', { ...base, ...store, ...identity(rpc.auth), ...admin(authAdminPort) });
    const social = startChild('social', { ...base, ...store, ...identity(rpc.social), ...admin(socialAdminPort) });
    // The social service opens its port once its read model has listed the store: minutes for a large
    // restored store on busy cores. A crash still fails the start at once (waitReady watches the exit).
    const serviceStartMs = 600_000;
    await Promise.all([
      auth.waitReady(tcpReady(authPort, config.rpcHost), { what: `port ${authPort}`, timeoutMs: serviceStartMs }),
      social.waitReady(tcpReady(socialPort, config.rpcHost), { what: `port ${socialPort}`, timeoutMs: serviceStartMs }),
    ]);
    const webs = webPorts.map((port, i) =>
      startChild('web', { ...base, ...identity(rpc.web), ...admin(webAdminPorts[i]!), PORT: String(port) }, `web${i + 1}`),
    );
    await Promise.all(webs.map((web, i) => web.waitReady(httpReady(`http://${config.host}:${webPorts[i]}/readyz`), { what: '/readyz' })));
    if (stopping) return;
    const targetsFile = writePrometheusTargets(config.dataDir, [
      ...webAdminPorts.map((port, i) => ({
        component: 'web' as const,
        name: `web${i + 1}`,
        address: scrapeAddress(config.adminHost, port),
      })),
      { component: 'auth', name: 'auth', address: scrapeAddress(config.adminHost, authAdminPort) },
      { component: 'social', name: 'social', address: scrapeAddress(config.adminHost, socialAdminPort) },
      ...etcdTargets(etcd.endpoints),
    ]);
    const urls = webPorts.map((port) => `http://${config.host === '127.0.0.1' ? 'localhost' : config.host}:${port}`);
    console.log(
      [
        'Chorus cluster is running:',
        ...urls.map((url, i) => `  web${i + 1}    ${url}`),
        `  auth    gRPC ${config.rpcHost}:${authPort}  (mutual TLS: certificates in ${path.dirname(rpc.ca)})`,
        `  social  gRPC ${config.rpcHost}:${socialPort}`,
        `  etcd    ${etcd.endpoints.join(' ')}`,
        `  data    ${config.dataDir}`,
        `  metrics ${targetsFile} (Prometheus file_sd; see docs/operations/prometheus.yml)`,
        'Ctrl-C stops everything.',
      ].join('\n'),
    );
  } catch (error) {
    log.fatal({ err: error }, 'cluster start-up failed');
    console.error(`chorus cluster: ${(error as Error).message}`);
    process.exitCode = 1;
    await stop();
  }

  function startChild(role: string, env: Record<string, string>, name = role): SupervisedProcess {
    const child = spawnSupervised({
      name,
      command: process.execPath,
      args: [fileURLToPath(new URL('./main.js', import.meta.url)), role],
      env: { ...process.env, ...env },
      log: (line) => console.log(line),
      detached: true,
      onExit: (exit) => {
        if (!stopping && !exit.requested)
          log.error({ child: name, code: exit.code, signal: exit.signal, output: child.tail() }, 'a cluster process exited unexpectedly');
      },
    });
    children.push(child);
    return child;
  }
}
