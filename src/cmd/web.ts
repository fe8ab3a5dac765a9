import type { Config } from '../config.js';
import type { Auth } from '../domain/auth.js';
import type { Social } from '../domain/social.js';
import { buildApp } from '../web/app.js';
import type { Lifecycle } from './lifecycle.js';

/**
 * Builds the web app over the given Auth and Social (gRPC clients, or the
 * services themselves in `all`) and listens. On shutdown /readyz turns 503
 * first, then the server stops accepting and finishes in-flight requests.
 */
export async function serveWeb(
  config: Config,
  lifecycle: Lifecycle,
  deps: { auth: Auth; social: Social },
  port = config.port,
): Promise<string> {
  let draining = false;
  const app = await buildApp({
    ...deps,
    logger: { level: config.logLevel, name: 'chorus-web' },
    draining: () => draining,
    secureCookies: config.secureCookies,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies.join(',') : false,
  });
  lifecycle.add('web server', app, async (a) => {
    draining = true;
    const timer = setTimeout(() => a.server.closeAllConnections(), config.shutdownGraceMs);
    await a.close();
    clearTimeout(timer);
  });
  const address = await app.listen({ host: config.host, port });
  return address;
}
