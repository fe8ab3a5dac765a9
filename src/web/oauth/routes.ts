import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { App, Auth, AuthorizationRequest, ClientCredentials, OAuthToken, TokenGrant } from '../../domain/auth.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import { OOB_REDIRECT_URI, type ScopeNeed, SUPPORTED_SCOPES, scopeAllows } from '../../domain/oauth.js';
import { publicOrigin } from '../api/urls.js';
import type { RouteContext } from '../context.js';
import { HttpStatus, logHttpError, sendMastodonError, setRateLimitHeaders, toHttpError } from '../errors.js';
import { formField } from '../input.js';
import { frameOf, sendPage } from '../routes/page-helpers.js';
import { allowFormAction, requireSameOrigin } from '../security.js';
import { bearerToken, pageViewer, setSessionCookie } from '../session.js';
import type { FormErrors } from '../views/components.js';
import { authorizePage, oauthLoginPage, oobCodePage } from './views.js';

/**
 * OAuth 2 as Mastodon serves it: app registration, the authorize page,
 * the token and revoke endpoints and the discovery document. The JSON
 * endpoints live in the Mastodon API's scope (api/mastodon.ts), which reads
 * JSON, form and multipart bodies (masto.js sends multipart).
 */

/** A body or query field as a string; arrays and objects read as absent. */
function text(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** The OAuth error name for a DomainError, from the parameter at fault. */
function oauthErrorName(error: DomainError): string {
  if (error.code === 'rate_limited') return 'rate_limited';
  if (error.field === 'client_id' || error.field === 'client_secret') return 'invalid_client';
  if (error.field === 'scope') return 'invalid_scope';
  if (error.field === 'grant_type') return 'unsupported_grant_type';
  if (error.code === 'unauthenticated' || ['code', 'code_verifier', 'redirect_uri', 'username'].includes(error.field ?? ''))
    return 'invalid_grant';
  if (error.code === 'invalid') return 'invalid_request';
  return error.code === 'unavailable' ? 'temporarily_unavailable' : 'server_error';
}

function oauthStatus(error: DomainError): number {
  if (error.field === 'client_id' || error.field === 'client_secret') return HttpStatus.unauthorized;
  if (error.code === 'unauthenticated') return HttpStatus.badRequest;
  if (error.code === 'not_found') return HttpStatus.badRequest;
  return toHttpError(error).status;
}

/** The Application entity (methods/apps), with the secret only when registering. */
export function applicationEntity(app: App, secret?: string) {
  return {
    id: app.id,
    name: app.name,
    website: app.website === '' ? null : app.website,
    scopes: app.scopes,
    redirect_uri: app.redirectUris.join('\n'),
    redirect_uris: app.redirectUris,
    client_id: app.clientId,
    ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
    vapid_key: '',
  };
}

export function tokenEntity(token: OAuthToken) {
  return {
    access_token: token.token,
    token_type: 'Bearer',
    scope: token.scopes.join(' '),
    created_at: Math.floor(token.createdAtMs / 1000),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The bearer token's grant, once requireToken has asked for it. */
    tokenGrant?: TokenGrant;
  }
}

/** What the request's bearer token may do (asked of Auth once per request); `unauthenticated` otherwise. */
export async function requireToken(request: FastifyRequest, auth: Auth): Promise<TokenGrant & { token: string }> {
  const token = bearerToken(request);
  request.tokenGrant ??= await auth.inspectToken(token);
  return { ...request.tokenGrant, token };
}

/**
 * The account behind the bearer token, if the token was granted `need`:
 * `unauthenticated` for an app token or a bad token, `forbidden` (Mastodon
 * answers 403) when the scope is missing. API routes call this first.
 */
export async function requireScope(
  request: FastifyRequest,
  auth: Auth,
  need: ScopeNeed,
): Promise<TokenGrant & { token: string; account: NonNullable<TokenGrant['account']> }> {
  const grant = await requireToken(request, auth);
  if (!grant.account) throw new DomainError('unauthenticated', 'This method requires an authenticated user.');
  if (!scopeAllows(grant.scopes, need)) throw new DomainError('forbidden', `This action is outside the authorized scopes (needs ${need}).`);
  return grant as TokenGrant & { token: string; account: NonNullable<TokenGrant['account']> };
}

/**
 * What `parse` reads from the request; when it refuses the input, its
 * error once the bearer token is known to allow `need`. For a route whose
 * one service call checks the token itself (Social.as) but whose input
 * is read before that call: a bad token or a missing scope is still
 * answered before bad input, as when requireScope came first, and a good
 * request asks nothing of Auth.
 */
export async function parsedAfterToken<T>(request: FastifyRequest, auth: Auth, need: ScopeNeed, parse: () => T): Promise<T> {
  try {
    return parse();
  } catch (error) {
    await requireScope(request, auth, need);
    throw error;
  }
}

/** App registration, in the Mastodon API's scope (its bodies, its error shape). */
export const oauthAppRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  app.post('/api/v1/apps', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const raw = body?.redirect_uris ?? body?.['redirect_uris[]'];
    const redirectUris = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/\r?\n/) : [];
    const registered = await auth.registerApp({
      name: text(body, 'client_name'),
      redirectUris: redirectUris as string[],
      scopes: text(body, 'scopes'),
      website: text(body, 'website'),
    });
    const { clientSecret, ...rest } = registered;
    return reply.status(HttpStatus.ok).send(applicationEntity(rest, clientSecret));
  });

  app.get('/api/v1/apps/verify_credentials', async (request) => {
    const grant = await requireToken(request, auth);
    if (!grant.app) throw new DomainError('unauthenticated', 'This token was not issued to an app.');
    return applicationEntity(grant.app);
  });
};

/**
 * The token endpoints and the server's metadata, in the Mastodon API's
 * scope for bodies, but answering errors in OAuth's shape
 * ({"error": "invalid_grant", "error_description": "…"}).
 */
export const oauthTokenRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  app.setErrorHandler(async (thrown, request, reply) => {
    const httpError = toHttpError(thrown);
    logHttpError(request, thrown, httpError);
    setRateLimitHeaders(reply, thrown);
    const domain = isDomainError(thrown) ? thrown : new DomainError(httpError.status >= 500 ? 'internal' : 'invalid', httpError.message);
    const status = isDomainError(thrown) ? oauthStatus(domain) : httpError.status;
    return sendMastodonError(reply, { ...httpError, status }, oauthErrorName(domain), status >= 500 ? request.id : undefined);
  });

  app.post('/oauth/token', async (request) => {
    const body = request.body;
    const client = clientCredentials(request);
    const scope = text(body, 'scope') || text(body, 'scopes');
    const grantType = text(body, 'grant_type');
    let token: OAuthToken;
    if (grantType === 'authorization_code') {
      token = await auth.exchangeCode(
        client,
        text(body, 'code'),
        text(body, 'redirect_uri'),
        text(body, 'code_verifier'),
        request.headers['user-agent'],
      );
    } else if (grantType === 'password') {
      token = await auth.passwordGrant(
        client,
        text(body, 'username'),
        text(body, 'password'),
        scope,
        request.ip,
        request.headers['user-agent'],
      );
    } else if (grantType === 'client_credentials') {
      token = await auth.clientCredentialsGrant(client, scope);
    } else {
      throw new DomainError('invalid', 'grant_type must be authorization_code, password or client_credentials.', { field: 'grant_type' });
    }
    return tokenEntity(token);
  });

  app.post('/oauth/revoke', async (request) => {
    const body = request.body;
    await auth.revokeToken(clientCredentials(request), text(body, 'token'));
    return {};
  });

  app.get('/.well-known/oauth-authorization-server', async (request) => {
    const base = publicOrigin(request).origin;
    return {
      issuer: `${base}/`,
      service_documentation: 'https://docs.joinmastodon.org/',
      authorization_endpoint: `${base}/oauth/authorize`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      app_registration_endpoint: `${base}/api/v1/apps`,
      scopes_supported: SUPPORTED_SCOPES,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'password', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
  });
};

/**
 * The client's id and secret from the body (client_secret_post) or, when
 * the body has none, from HTTP Basic authentication (client_secret_basic,
 * form-encoded as RFC 6749 section 2.3.1 says).
 */
function clientCredentials(request: FastifyRequest): ClientCredentials {
  const body = request.body;
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(request.headers.authorization ?? '');
  if (text(body, 'client_id') !== '' || !basic) return { clientId: text(body, 'client_id'), clientSecret: text(body, 'client_secret') };
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const part = (raw: string) => {
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      return '';
    }
  };
  return colon < 0
    ? { clientId: '', clientSecret: '' }
    : { clientId: part(decoded.slice(0, colon)), clientSecret: part(decoded.slice(colon + 1)) };
}

function authorizationRequest(query: unknown): AuthorizationRequest {
  return {
    clientId: text(query, 'client_id'),
    redirectUri: text(query, 'redirect_uri'),
    scope: text(query, 'scope'),
    codeChallenge: text(query, 'code_challenge'),
    codeChallengeMethod: text(query, 'code_challenge_method'),
  };
}

/** redirect_uri with the given parameters added to its query. */
function redirectTo(uri: string, params: Record<string, string>): string {
  const extra = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  return `${uri}${uri.includes('?') ? '&' : '?'}${extra}`;
}

/** The authorize page: cookie-authenticated, CSRF-protected like every page form. */
export const oauthPageRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, cookies }) => {
  await app.register(fastifyFormbody);
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST') return done();
    requireSameOrigin(request, cookies.secure);
    app.csrfProtection(request, reply, done);
  });
  app.addHook('preHandler', async (request, reply) => {
    request.viewer = await pageViewer(request, reply, auth, cookies);
  });

  const check = async (request: FastifyRequest) => {
    if (text(request.query, 'response_type') !== 'code') {
      throw new DomainError('invalid', 'response_type must be "code".', { field: 'response_type' });
    }
    const asked = authorizationRequest(request.query);
    const checked = await auth.checkAuthorization(asked);
    if (asked.redirectUri !== OOB_REDIRECT_URI) allowFormAction(request, asked.redirectUri);
    return { asked, ...checked };
  };

  const loginStep = (request: FastifyRequest) =>
    !request.viewer ||
    (text(request.query, 'force_login') === 'true' && formField(request.body, 'step') !== 'login' && request.method === 'GET');

  app.get('/oauth/authorize', async (request, reply) => {
    const { app: client, scopes } = await check(request);
    const frame = frameOf(request, reply);
    if (loginStep(request)) return sendPage(reply, oauthLoginPage(frame, request.url, client.name, '', {}));
    return sendPage(reply, authorizePage(frame, request.url, client, scopes));
  });

  app.post('/oauth/authorize', async (request, reply: FastifyReply) => {
    const { asked, app: client, scopes } = await check(request);
    if (formField(request.body, 'step') === 'login') {
      const username = formField(request.body, 'username').trim();
      const errors: FormErrors = {};
      try {
        const session = await auth.logIn(username, formField(request.body, 'password'), request.ip, request.headers['user-agent']);
        setSessionCookie(reply, session.token, cookies);
        request.viewer = { account: session.account, token: session.token };
        return sendPage(reply, authorizePage(frameOf(request, reply), request.url, client, scopes));
      } catch (error) {
        if (!isDomainError(error) || (error.code !== 'invalid' && error.code !== 'unauthenticated')) throw error;
        errors.form = error.message;
        return sendPage(
          reply,
          oauthLoginPage(frameOf(request, reply), request.url, client.name, username, errors),
          toHttpError(error).status,
        );
      }
    }
    const viewer = request.viewer;
    if (!viewer) return sendPage(reply, oauthLoginPage(frameOf(request, reply), request.url, client.name, '', {}), HttpStatus.unauthorized);
    const state = text(request.query, 'state');
    const oob = asked.redirectUri === OOB_REDIRECT_URI;
    if (formField(request.body, 'decision') !== 'authorize') {
      if (oob) return sendPage(reply, oobCodePage(frameOf(request, reply), client, ''));
      return reply.redirect(
        redirectTo(asked.redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state }),
        302,
      );
    }
    const { code } = await auth.authorize(viewer.token, asked);
    if (oob) return sendPage(reply, oobCodePage(frameOf(request, reply), client, code));
    return reply.redirect(redirectTo(asked.redirectUri, { code, state }), 302);
  });
};
