import type { Account } from '../domain/account.js';
import type {
  App,
  Auth,
  AuthorizationRequest,
  ClientCredentials,
  NewApp,
  OAuthToken,
  RegisteredApp,
  Session,
  SessionInfo,
  TokenGrant,
} from '../domain/auth.js';
import {
  AuthServiceClient,
  type Account as WireAccount,
  type App as WireApp,
  type OAuthToken as WireToken,
} from '../gen/chorus/auth/v1/auth.js';
import { clientCredentials, type RpcIdentity } from '../rpc/tls.js';
import { callUnary } from '../rpc/unary.js';
import { channelOptions, channelTarget } from './channel.js';

const account = (a: WireAccount | undefined): Account => ({ username: a?.username ?? '', createdAtMs: a?.createdAtMs ?? 0 });

const app = (a: WireApp | undefined): App => ({
  id: a?.id ?? '',
  clientId: a?.clientId ?? '',
  name: a?.name ?? '',
  website: a?.website ?? '',
  redirectUris: a?.redirectUris ?? [],
  scopes: a?.scopes ?? [],
  createdAtMs: a?.createdAtMs ?? 0,
});
const oauthToken = (t: WireToken | undefined): OAuthToken => ({
  token: t?.token ?? '',
  scopes: t?.scopes ?? [],
  createdAtMs: t?.createdAtMs ?? 0,
});

/** The auth service over gRPC; behaves as the Auth interface says, plus `unavailable` when no instance answers. */
export class AuthClient implements Auth {
  readonly #client: AuthServiceClient;
  readonly #deadlineMs: number;

  /** `identity`: the certificate presented to services that demand one (mutual TLS); plaintext without. */
  constructor(options: { addresses: string[]; deadlineMs: number; identity?: RpcIdentity }) {
    this.#client = new AuthServiceClient(
      channelTarget(options.addresses),
      clientCredentials(options.identity),
      // Repeating these changes nothing: a second logout or lookup has the same effect as the first.
      channelOptions('chorus.auth.v1.AuthService', [
        'Authenticate',
        'LogOut',
        'LogOutEverywhere',
        'ListSessions',
        'CheckAuthorization',
        'InspectToken',
        'RevokeToken',
      ]),
    );
    this.#deadlineMs = options.deadlineMs;
  }

  async signUp(username: string, password: string, clientIp = '', userAgent = ''): Promise<Session> {
    const r = await callUnary(this.#client, this.#client.signUp, { username, password, clientIp, userAgent }, this.#deadlineMs);
    return { account: account(r.account), token: r.token };
  }

  async logIn(username: string, password: string, clientIp = '', userAgent = ''): Promise<Session> {
    const r = await callUnary(this.#client, this.#client.logIn, { username, password, clientIp, userAgent }, this.#deadlineMs);
    return { account: account(r.account), token: r.token };
  }

  async logOut(token: string): Promise<void> {
    await callUnary(this.#client, this.#client.logOut, { token }, this.#deadlineMs);
  }

  async logOutEverywhere(token: string): Promise<void> {
    await callUnary(this.#client, this.#client.logOutEverywhere, { token }, this.#deadlineMs);
  }

  async changePassword(token: string, currentPassword: string, newPassword: string): Promise<void> {
    await callUnary(this.#client, this.#client.changePassword, { token, currentPassword, newPassword }, this.#deadlineMs);
  }

  async deleteAccount(token: string, password: string): Promise<void> {
    await callUnary(this.#client, this.#client.deleteAccount, { token, password }, this.#deadlineMs);
  }

  async authenticate(token: string): Promise<Account> {
    const r = await callUnary(this.#client, this.#client.authenticate, { token }, this.#deadlineMs);
    return account(r.account);
  }

  async listSessions(token: string): Promise<SessionInfo[]> {
    const r = await callUnary(this.#client, this.#client.listSessions, { token }, this.#deadlineMs);
    return r.sessions.map((s) => ({
      id: s.id,
      createdAtMs: s.createdAtMs,
      lastSeenMs: s.lastSeenMs,
      userAgent: s.userAgent,
      current: s.current,
      appName: s.appName,
    }));
  }

  async revokeSession(token: string, sessionId: string): Promise<void> {
    await callUnary(this.#client, this.#client.revokeSession, { token, sessionId }, this.#deadlineMs);
  }

  async registerApp(input: NewApp): Promise<RegisteredApp> {
    const r = await callUnary(this.#client, this.#client.registerApp, input, this.#deadlineMs);
    return { ...app(r.app), clientSecret: r.clientSecret };
  }

  async checkAuthorization(request: AuthorizationRequest): Promise<{ app: App; scopes: string[] }> {
    const r = await callUnary(this.#client, this.#client.checkAuthorization, { request }, this.#deadlineMs);
    return { app: app(r.app), scopes: r.scopes };
  }

  async authorize(sessionToken: string, request: AuthorizationRequest): Promise<{ code: string }> {
    const r = await callUnary(this.#client, this.#client.authorize, { sessionToken, request }, this.#deadlineMs);
    return { code: r.code };
  }

  async exchangeCode(
    client: ClientCredentials,
    code: string,
    redirectUri: string,
    codeVerifier: string,
    userAgent = '',
  ): Promise<OAuthToken> {
    const r = await callUnary(
      this.#client,
      this.#client.exchangeCode,
      { client, code, redirectUri, codeVerifier, userAgent },
      this.#deadlineMs,
    );
    return oauthToken(r.token);
  }

  async passwordGrant(
    client: ClientCredentials,
    username: string,
    password: string,
    scope: string,
    clientIp = '',
    userAgent = '',
  ): Promise<OAuthToken> {
    const r = await callUnary(
      this.#client,
      this.#client.passwordGrant,
      { client, username, password, scope, clientIp, userAgent },
      this.#deadlineMs,
    );
    return oauthToken(r.token);
  }

  async clientCredentialsGrant(client: ClientCredentials, scope: string): Promise<OAuthToken> {
    const r = await callUnary(this.#client, this.#client.clientCredentialsGrant, { client, scope }, this.#deadlineMs);
    return oauthToken(r.token);
  }

  async revokeToken(client: ClientCredentials, token: string): Promise<void> {
    await callUnary(this.#client, this.#client.revokeToken, { client, token }, this.#deadlineMs);
  }

  async inspectToken(token: string): Promise<TokenGrant> {
    const r = await callUnary(this.#client, this.#client.inspectToken, { token }, this.#deadlineMs);
    return { account: r.account ? account(r.account) : null, app: r.app ? app(r.app) : null, scopes: r.scopes };
  }

  async appSignUp(appToken: string, username: string, password: string, clientIp = '', userAgent = ''): Promise<OAuthToken> {
    const r = await callUnary(
      this.#client,
      this.#client.appSignUp,
      { appToken, username, password, clientIp, userAgent },
      this.#deadlineMs,
    );
    return oauthToken(r.token);
  }

  close(): void {
    this.#client.close();
  }
}
