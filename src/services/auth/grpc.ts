import { isIP } from 'node:net';
import type { Account } from '../../domain/account.js';
import type { App, Auth, AuthorizationRequest, OAuthToken } from '../../domain/auth.js';
import { DomainError } from '../../domain/errors.js';
import { type AuthServiceServer, AuthServiceService } from '../../gen/chorus/auth/v1/auth.js';
import type { GrpcService } from '../../rpc/server.js';
import { unary } from '../../rpc/unary.js';

/**
 * The per-address attempt limits count the end user's address, which only
 * the web tier knows and must pass on; a call without one would skip them,
 * so it is refused rather than waved through.
 */
function clientIp(address: string): string {
  if (isIP(address) === 0) {
    const problem = address === '' ? 'is missing' : 'is not an IP address';
    throw new DomainError('invalid', `client_ip ${problem}: the caller must pass the end user's address, which attempt limits count.`, {
      field: 'client_ip',
    });
  }
  return address;
}

/** The gRPC adapter of the auth service: wire types in, domain calls, wire types out; and the client address no call may lack. */
export function authGrpcService(auth: Auth, onInternalError: (error: unknown) => void): GrpcService {
  const account = (a: Account) => ({ username: a.username, createdAtMs: a.createdAtMs });
  const app = (a: App) => ({ ...a });
  const token = (t: OAuthToken) => ({ token: t.token, scopes: t.scopes, createdAtMs: t.createdAtMs });
  const client = (c: { clientId: string; clientSecret: string } | undefined) => ({
    clientId: c?.clientId ?? '',
    clientSecret: c?.clientSecret ?? '',
  });
  const request = (r: AuthorizationRequest | undefined): AuthorizationRequest => ({
    clientId: r?.clientId ?? '',
    redirectUri: r?.redirectUri ?? '',
    scope: r?.scope ?? '',
    codeChallenge: r?.codeChallenge ?? '',
    codeChallengeMethod: r?.codeChallengeMethod ?? '',
  });
  const implementation: AuthServiceServer = {
    signUp: unary(async (r) => {
      const session = await auth.signUp(r.username, r.password, clientIp(r.clientIp), r.userAgent || undefined);
      return { account: account(session.account), token: session.token };
    }, onInternalError),
    logIn: unary(async (r) => {
      const session = await auth.logIn(r.username, r.password, clientIp(r.clientIp), r.userAgent || undefined);
      return { account: account(session.account), token: session.token };
    }, onInternalError),
    logOut: unary(async (r) => {
      await auth.logOut(r.token);
      return {};
    }, onInternalError),
    logOutEverywhere: unary(async (r) => {
      await auth.logOutEverywhere(r.token);
      return {};
    }, onInternalError),
    changePassword: unary(async (r) => {
      await auth.changePassword(r.token, r.currentPassword, r.newPassword);
      return {};
    }, onInternalError),
    deleteAccount: unary(async (r) => {
      await auth.deleteAccount(r.token, r.password);
      return {};
    }, onInternalError),
    authenticate: unary(async (r) => ({ account: account(await auth.authenticate(r.token)) }), onInternalError),
    listSessions: unary(async (r) => ({ sessions: await auth.listSessions(r.token) }), onInternalError),
    revokeSession: unary(async (r) => {
      await auth.revokeSession(r.token, r.sessionId);
      return {};
    }, onInternalError),
    registerApp: unary(async (r) => {
      const { clientSecret, ...registered } = await auth.registerApp({
        name: r.name,
        redirectUris: r.redirectUris,
        scopes: r.scopes,
        website: r.website,
      });
      return { app: app(registered), clientSecret };
    }, onInternalError),
    checkAuthorization: unary(async (r) => {
      const checked = await auth.checkAuthorization(request(r.request));
      return { app: app(checked.app), scopes: checked.scopes };
    }, onInternalError),
    authorize: unary(async (r) => auth.authorize(r.sessionToken, request(r.request)), onInternalError),
    exchangeCode: unary(
      async (r) => ({
        token: token(await auth.exchangeCode(client(r.client), r.code, r.redirectUri, r.codeVerifier, r.userAgent || undefined)),
      }),
      onInternalError,
    ),
    passwordGrant: unary(
      async (r) => ({
        token: token(
          await auth.passwordGrant(client(r.client), r.username, r.password, r.scope, clientIp(r.clientIp), r.userAgent || undefined),
        ),
      }),
      onInternalError,
    ),
    clientCredentialsGrant: unary(
      async (r) => ({ token: token(await auth.clientCredentialsGrant(client(r.client), r.scope)) }),
      onInternalError,
    ),
    revokeToken: unary(async (r) => {
      await auth.revokeToken(client(r.client), r.token);
      return {};
    }, onInternalError),
    appSignUp: unary(
      async (r) => ({
        token: token(await auth.appSignUp(r.appToken, r.username, r.password, clientIp(r.clientIp), r.userAgent || undefined)),
      }),
      onInternalError,
    ),
    inspectToken: unary(async (r) => {
      const grant = await auth.inspectToken(r.token);
      return {
        account: grant.account ? account(grant.account) : undefined,
        app: grant.app ? app(grant.app) : undefined,
        scopes: grant.scopes,
      };
    }, onInternalError),
  };
  return {
    name: 'chorus.auth.v1.AuthService',
    definition: AuthServiceService,
    implementation,
    protoFile: 'chorus/auth/v1/auth.proto',
  };
}
