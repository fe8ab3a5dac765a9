import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import type { StatusSource } from '../domain/status.js';
import type { Logger } from '../log.js';
import type { RequestStats } from '../web/admin/request-stats.js';
import { buildApp } from '../web/app.js';
import { connectionCap, openFileLimit } from './file-limit.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * Load balancers poll /readyz; after it turns 503 the instance keeps
 * serving this long, so requests already routed here are answered instead
 * of refused, and a rolling restart fails none.
 */
const MAX_DRAIN_NOTICE_MS = 1000;

/**
 * Builds the web app over the given Auth and Social (gRPC clients, or the
 * services themselves in `all`) and listens. On shutdown /readyz turns 503
 * first and answers close their keep-alive connections; after the drain
 * notice the server stops accepting and finishes in-flight requests.
 */
export async function serveWeb(
  config: Config,
  lifecycle: Lifecycle,
  log: Logger,
  deps: { auth: Auth; social: Social; status?: StatusSource | undefined; requestStats?: RequestStats },
  port = config.port,
): Promise<string> {
  let draining = false;
  const files = openFileLimit();
  const cap = connectionCap(config.maxConnections, files);
  if (cap.clamped) {
    log.warn(
      { configured: config.maxConnections, openFileLimit: files?.soft, maxConnections: cap.total },
      'max connections lowered below the open-file limit',
    );
  }
  const app = await buildApp({
    auth: deps.auth,
    social: deps.social,
    admin: { admins: config.admins, status: deps.status },
    ...(deps.requestStats && { requestStats: deps.requestStats }),
    logger: log,
    draining: () => draining,
    secureCookies: config.secureCookies,
    metricsToken: config.metricsToken,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies.join(',') : false,
    limits: {
      requestTimeoutMs: config.requestTimeoutMs,
      connections: { total: cap.total, perAddress: config.maxConnectionsPerAddress, exempt: config.trustedProxies },
    },
  });
  // A keep-alive connection kept into the close could carry a request the
  // closing server never reads; closing each connection after its answer
  // sends the client's next request to an instance that stays.
  app.addHook('onRequest', (_request, reply, done) => {
    if (draining) reply.header('connection', 'close');
    done();
  });
  lifecycle.add('web server', app, async (a) => {
    draining = true;
    await sleep(Math.min(MAX_DRAIN_NOTICE_MS, config.shutdownGraceMs / 2));
    const timer = setTimeout(() => a.server.closeAllConnections(), config.shutdownGraceMs);
    await a.close();
    clearTimeout(timer);
  });
  const address = await app.listen({ host: config.host, port });
  log.info(
    {
      openFileLimit: files?.soft,
      maxConnections: cap.total,
      perAddress: config.maxConnectionsPerAddress,
      requestTimeoutMs: config.requestTimeoutMs,
    },
    'web connection limits',
  );
  return address;
}
