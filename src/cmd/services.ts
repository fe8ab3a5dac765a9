import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import { startGrpcServer, type GrpcService } from '../grpc/server.js';
import type { KV } from '../kv/kv.js';
import { AuthService } from '../services/auth/auth-service.js';
import { authGrpcService } from '../services/auth/grpc.js';
import { socialGrpcService } from '../services/social/grpc.js';
import { SocialService } from '../services/social/social-service.js';
import type { Lifecycle } from './lifecycle.js';

export function createAuth(config: Config, kv: KV): Auth {
  return new AuthService({ kv, sessionTtlSeconds: config.sessionTtlSeconds, limits: config.rateLimits });
}

export function createSocial(_config: Config, kv: KV): Social {
  return new SocialService({ kv });
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
  const server = await startGrpcServer(config.host, port, services.map((make) => make(onInternalError)));
  lifecycle.add('grpc server', server, (s) => s.close(config.shutdownGraceMs));
  return server.port;
}

export { authGrpcService, socialGrpcService };
