import type { FastifyRequest } from 'fastify';

/**
 * Query parameters whose values are secrets: a bearer token in
 * `access_token` (the streaming API takes one), an OAuth `code` and its
 * `code_verifier`, a `client_secret`, a CSRF token. Matched as Rails'
 * filter_parameters matches: by a fragment of the name, so `_csrf`,
 * `refresh_token` and `current_password` are all caught.
 */
const SECRET_NAME_PARTS = ['token', 'secret', 'passw', 'csrf', 'verifier', '_key'];
const SECRET_NAMES = new Set(['code', 'state']);
export const REDACTED = '[REDACTED]';

function isSecretName(rawName: string): boolean {
  let name: string;
  try {
    name = decodeURIComponent(rawName.replaceAll('+', ' '));
  } catch {
    name = rawName;
  }
  // Rails-style `access_token[]` and `a[code]` name the same secret.
  const parts = name.toLowerCase().split(/[\s[\]]+/);
  return parts.some((part) => SECRET_NAMES.has(part) || SECRET_NAME_PARTS.some((fragment) => part.includes(fragment)));
}

/** The URL with the value of every secret query parameter replaced; the rest as it came. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return eq !== -1 && isSecretName(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

/**
 * Fastify's own request serializer (the `req` of "incoming request"), with
 * the URL redacted: request logs go to files and collectors that many
 * people read, and a token in them is as good as a password.
 */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
