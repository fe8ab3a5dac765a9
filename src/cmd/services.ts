import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import type { KV } from '../kv/kv.js';
import { type GrpcService, startGrpcServer } from '../rpc/server.js';
import { readRpcIdentity } from '../rpc/tls.js';
import { AuthService } from '../services/auth/auth-service.js';
import { authGrpcService } from '../services/auth/grpc.js';
import { DeletionSweeper } from '../services/social/deletion-sweeper.js';
import { socialGrpcService } from '../services/social/grpc.js';
import { ReadModel } from '../services/social/read-model.js';
import { SocialService } from '../services/social/social-service.js';
import { ViewSnapshots } from '../services/social/view-snapshot.js';
import type { Lifecycle } from './lifecycle.js';
import { keys } from './store.js';

export function createAuth(config: Config, kv: KV): Auth {
  return new AuthService({
    kv,
    keys,
    sessionTtlSeconds: config.sessionTtlSeconds,
    sessionIdleSeconds: config.sessionIdleSeconds,
    limits: config.rateLimits,
    passwordHashingLimits: config.passwordHashing,
  });
}

/**
 * The social service over its watch-fed read model; resolves once the
 * model has loaded (from its snapshot on disk, or by listing the store) and
 * caught up, so the service starts serving (and reports SERVING) only with
 * a warm view. A shutdown signal ends a start still retrying.
 */
export async function createSocial(
  config: Config,
  lifecycle: Lifecycle,
  log: Logger,
  kv: KV,
  signal: AbortSignal,
): Promise<{ social: Social; readModel: ReadModel }> {
  const readModel = await ReadModel.start({
    kv,
    keys,
    signal,
    log: (message, fields) => log.info(fields ?? {}, message),
    snapshots: config.viewSnapshots && new ViewSnapshots(config.viewSnapshots.dir),
    snapshotEveryMs: config.viewSnapshots?.everyMs,
  });
  lifecycle.add('read model', readModel, (model) => model.close());
  const social = new SocialService({ kv, keys, readModel, readIndexAgeMs: config.readIndexAgeMs });
  const sweeper = new DeletionSweeper({
    sweep: () => social.sweepDeletedAccounts(),
    onError: (error) => log.error({ err: error }, 'sweeping deleted accounts failed'),
    kv,
    tombstonesPrefix: keys.deletedAccountsPrefix(),
  });
  sweeper.start();
  lifecycle.add('deletion sweeper', sweeper, (s) => s.close());
  return { social, readModel };
}

/** Serves gRPC services on a port and registers the server for draining. */
export async function serveGrpc(
  config: Config,
  lifecycle: Lifecycle,
  log: Logger,
  port: number,
  services: ((onInternalError: (error: unknown) => void) => GrpcService)[],
): Promise<number> {
  const onInternalError = (error: unknown) => log.error({ err: error }, 'internal error');
  const identity = config.rpcTls && readRpcIdentity(config.rpcTls);
  const server = await startGrpcServer(
    config.rpcHost,
    port,
    services.map((make) => make(onInternalError)),
    identity,
  );
  lifecycle.add('grpc server', server, (s) => s.close(config.shutdownGraceMs));
  return server.port;
}

export { authGrpcService, socialGrpcService };
