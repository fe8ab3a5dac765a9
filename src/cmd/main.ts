#!/usr/bin/env node
import { AuthClient } from '../clients/auth-client.js';
import { InstanceReporter } from '../clients/instance-reporter.js';
import { SocialClient } from '../clients/social-client.js';
import { type Config, ConfigError, loadConfig, usage } from '../config.js';
import { EmbeddedKV } from '../kv/embedded-kv.js';
import { createLogger, type Logger } from '../log.js';
import { readRpcIdentity } from '../rpc/tls.js';
import { statusGrpcService } from '../services/status/grpc.js';
import { StoreStatusSource } from '../services/status/status-source.js';
import { WebInstances } from '../services/status/web-instances.js';
import { RequestStats } from '../web/admin/request-stats.js';
import { backupUsage, runBackupCommand, serveEmbeddedBackups } from './backup.js';
import { runCluster } from './cluster.js';
import { Lifecycle, shutdownSignal } from './lifecycle.js';
import { etcdTargets, scrapeAddress, serveMetrics, writePrometheusTargets } from './metrics.js';
import { recoverUsage, runRecoverPosts } from './recover.js';
import { authGrpcService, createAuth, createSocial, serveGrpc, socialGrpcService } from './services.js';
import { inProcessInstances, processReport, RemoteStatusSource, webInstanceReport } from './status.js';
import { keys, openStore } from './store.js';
import { serveWeb } from './web.js';

/**
 * `chorus <role>`: wiring only. SIGINT or SIGTERM aborts one signal; each
 * role's start-up stops from it and its parts close in reverse order.
 */
async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${usage()}\n\n${backupUsage}\n\n${recoverUsage}`);
    return;
  }
  if (argv[0] === 'backup' || argv[0] === 'restore') return runBackupCommand(argv[0], argv.slice(1));
  if (argv[0] === 'recover-posts') return runRecoverPosts(argv.slice(1));
  let config: Config;
  try {
    config = loadConfig(argv);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`chorus: ${(error as Error).message}\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (config.role === 'cluster') return runCluster(config);

  const log = createLogger(config, `chorus-${config.role}`);
  const signal = shutdownSignal(log);
  const lifecycle = new Lifecycle(log, signal);
  try {
    await startRole(config, lifecycle, log, signal);
  } catch (error) {
    if (signal.aborted) {
      log.info({ reason: (error as Error).message }, 'stopped during start-up');
    } else {
      log.fatal({ err: error }, 'start-up failed');
      process.exitCode = 1;
    }
    await lifecycle.close();
  }
}

async function startRole(config: Config, lifecycle: Lifecycle, log: Logger, signal: AbortSignal): Promise<void> {
  switch (config.role) {
    case 'auth':
    case 'social': {
      const kv = lifecycle.add('store', await openStore(config, log, signal), (kv) => kv.close());
      let port: number;
      const webInstances = new WebInstances(kv, keys);
      if (config.role === 'auth') {
        const report = processReport(new StoreStatusSource(kv, undefined, async () => []), webInstances);
        port = await serveGrpc(config, lifecycle, log, config.authPort, [
          (e) => authGrpcService(createAuth(config, kv), e),
          (e) => statusGrpcService(report, webInstances, e),
        ]);
      } else {
        const { social, readModel } = await createSocial(config, lifecycle, log, kv, signal);
        const report = processReport(new StoreStatusSource(kv, readModel, async () => []), webInstances);
        port = await serveGrpc(config, lifecycle, log, config.socialPort, [
          (e) => socialGrpcService(social, e),
          (e) => statusGrpcService(report, webInstances, e),
        ]);
      }
      const adminPort = await serveMetrics(config, lifecycle);
      log.info(
        { host: config.rpcHost, port, adminPort, store: config.store, tls: config.rpcTls !== undefined },
        `${config.role} service listening`,
      );
      return;
    }
    case 'web': {
      const identity = config.rpcTls && readRpcIdentity(config.rpcTls);
      const auth = lifecycle.add(
        'auth client',
        new AuthClient({ addresses: config.authAddresses, deadlineMs: config.grpcDeadlineMs, identity }),
        (c) => c.close(),
      );
      const social = lifecycle.add(
        'social client',
        new SocialClient({ addresses: config.socialAddresses, deadlineMs: config.grpcDeadlineMs, identity }),
        (c) => c.close(),
      );
      let url = '';
      const requestStats = new RequestStats();
      const describe = webInstanceReport(() => url, requestStats);
      const status = lifecycle.add('status clients', new RemoteStatusSource(config, identity, describe), (c) => c.close());
      url = await serveWeb(config, lifecycle, log, { auth, social, status, requestStats });
      // Closed before the web server drains, so the instance leaves /admin as it stops.
      lifecycle.add(
        'status reports',
        new InstanceReporter({ clients: status.clients, everyMs: config.statusReportEveryMs, describe, log }),
        (r) => r.close(),
      );
      const adminPort = await serveMetrics(config, lifecycle);
      log.info(
        { url, adminPort, auth: config.authAddresses, social: config.socialAddresses, tls: identity !== undefined },
        'web listening',
      );
      return;
    }
    case 'all': {
      // One process: the web tier calls the services in process, and the
      // same services are also served over gRPC for other web instances and grpcurl.
      const kv = lifecycle.add('store', await openStore(config, log, signal), (kv) => kv.close());
      if (kv instanceof EmbeddedKV) await serveEmbeddedBackups(config, lifecycle, log, kv);
      const auth = createAuth(config, kv);
      const { social, readModel } = await createSocial(config, lifecycle, log, kv, signal);
      const authPort = await serveGrpc(config, lifecycle, log, config.authPort, [(e) => authGrpcService(auth, e)]);
      const socialPort = await serveGrpc(config, lifecycle, log, config.socialPort, [(e) => socialGrpcService(social, e)]);
      const status = new StoreStatusSource(kv, readModel, async () => inProcessInstances(config, { authPort, socialPort }));
      const url = await serveWeb(config, lifecycle, log, { auth, social, status });
      const adminPort = await serveMetrics(config, lifecycle);
      writePrometheusTargets(config.dataDir, [
        { component: 'all', name: 'chorus', address: scrapeAddress(config.adminHost, adminPort) },
        ...(config.store === 'etcd' ? etcdTargets(config.etcdEndpoints) : []),
      ]);
      log.info({ url, authPort, socialPort, adminPort, store: config.store, dataDir: config.dataDir }, 'chorus is running');
      console.log(`Chorus is running at ${url.replace('127.0.0.1', 'localhost')}  (data in ${config.dataDir}; Ctrl-C to stop)`);
      return;
    }
  }
}

await main(process.argv.slice(2));
