import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';

/**
 * The browser-facing defences that are not about who you are: the
 * Content-Security-Policy and its nonce, the other protective headers, and
 * the same-origin check on form posts.
 */

const nonces = new WeakMap<FastifyRequest, string>();
/** Where a page's forms may lead besides our own origin (see allowFormAction). */
const formTargets = new WeakMap<FastifyRequest, string[]>();

/**
 * This request's CSP nonce, made on first use: only pages pay for the
 * random bytes, and the policy carries a nonce only when a page used one.
 */
export function cspNonce(request: FastifyRequest): string {
  let nonce = nonces.get(request);
  if (nonce === undefined) {
    nonce = randomBytes(18).toString('base64');
    nonces.set(request, nonce);
  }
  return nonce;
}

/**
 * A strict policy in Google's sense: a script runs only if its tag carries
 * this response's nonce ('strict-dynamic' lets it load no others by
 * itself, and inline handlers never run), styles come only from our own
 * stylesheet (no style attributes), and nothing may frame the page, change
 * its base URL, embed plugins or post forms elsewhere.
 */
export function contentSecurityPolicy(nonce: string | undefined, formTargets: readonly string[] = []): string {
  const script = nonce === undefined ? "script-src 'none'" : `script-src 'nonce-${nonce}' 'strict-dynamic'`;
  return [
    "default-src 'none'",
    script,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    ["form-action 'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Lets this response's forms lead to `url` too. Browsers hold a form post's
 * redirects to form-action as well, so the OAuth authorize page, whose
 * form answers with a redirect to the app's redirect URI, must name that
 * URI's origin (or, for an app's own scheme such as com.example.app:/cb,
 * the scheme), as Mastodon's page does. Anything else is left out.
 */
export function allowFormAction(request: FastifyRequest, url: string): void {
  let source: string;
  try {
    const parsed = new URL(url);
    source = parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : parsed.protocol;
  } catch {
    return;
  }
  // A CSP source expression cannot hold these; a URI that needs them gets no exception.
  if (!/^[a-z][a-z0-9+.-]*:(\/\/[a-z0-9.:[\]-]+)?$/i.test(source)) return;
  formTargets.set(request, [...(formTargets.get(request) ?? []), source]);
}

export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('content-security-policy', contentSecurityPolicy(nonces.get(request), formTargets.get(request)));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

const crossSite = () =>
  new DomainError('forbidden', 'This form was sent from another site, so it was refused. Go back to Chorus and try again.');

/**
 * Refuses a state-changing form post that a browser says came from another
 * site, before the CSRF token is even looked at. Browsers send
 * Sec-Fetch-Site (and Origin) on every such post; a request with neither
 * is a non-browser client or an old browser, left to the CSRF token. The
 * Mastodon API never reaches this: it takes bearer tokens, which browsers do
 * not attach on their own. `https` says the site is served over HTTPS (by
 * a proxy that may talk plain HTTP to us), so the origin must say so too.
 */
export function requireSameOrigin(request: FastifyRequest, https: boolean): void {
  const site = request.headers['sec-fetch-site'];
  // 'none' is the user's own doing (a bookmark, the address bar); 'same-site' may be a sibling subdomain we do not control.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw crossSite();
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (origin !== `${https ? 'https' : request.protocol}://${request.host}`) throw crossSite();
}
