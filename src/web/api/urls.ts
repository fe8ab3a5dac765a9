import { readFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { invalid } from '../../domain/errors.js';

/**
 * What every Mastodon answer that names this server needs: its public
 * origin, as the client reached it (through the proxies the app trusts),
 * and the version string clients parse.
 */

/** Chorus's own version, read once from package.json at start. */
export const CHORUS_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The Mastodon API level Chorus follows; version-parsing clients turn features on from it. */
export const MASTODON_COMPAT_VERSION = '4.2.0';

export const instanceVersion = `${MASTODON_COMPAT_VERSION} (compatible; Chorus ${CHORUS_VERSION})`;

/** A host name or address with an optional port: what a Host header may hold. */
const hostPattern = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}\.?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const HOST_MAX = 260;

export interface PublicOrigin {
  /** `https://chorus.example` (port included when not the default). */
  origin: string;
  /** `chorus.example[:port]`: Mastodon's `domain` and `uri`. */
  host: string;
  /** `wss://chorus.example`, where the streaming API listens. */
  streaming: string;
}

/** This server as the request's client sees it; `invalid` if the Host header is no host. */
export function publicOrigin(request: FastifyRequest): PublicOrigin {
  const host = request.host;
  if (host.length > HOST_MAX || !hostPattern.test(host)) throw invalid('The Host header is not a host name.');
  const https = request.protocol === 'https';
  return { origin: `${https ? 'https' : 'http'}://${host}`, host, streaming: `${https ? 'wss' : 'ws'}://${host}` };
}
