import { credentials } from '@grpc/grpc-js';
import type { Account } from '../domain/account.js';
import type { Auth, Session, SessionInfo } from '../domain/auth.js';
import { AuthServiceClient, type Account as WireAccount } from '../gen/chorus/auth/v1/auth.js';
import { callUnary } from '../rpc/unary.js';
import { channelOptions, channelTarget } from './channel.js';

const account = (a: WireAccount | undefined): Account => ({ username: a?.username ?? '', createdAtMs: a?.createdAtMs ?? 0 });

/** The auth service over gRPC; behaves as the Auth interface says, plus `unavailable` when no instance answers. */
export class AuthClient implements Auth {
  readonly #client: AuthServiceClient;
  readonly #deadlineMs: number;

  constructor(options: { addresses: string[]; deadlineMs: number }) {
    this.#client = new AuthServiceClient(
      channelTarget(options.addresses),
      credentials.createInsecure(),
      // Repeating these changes nothing: a second logout or lookup has the same effect as the first.
      channelOptions('chorus.auth.v1.AuthService', ['Authenticate', 'LogOut', 'LogOutEverywhere', 'ListSessions']),
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
    }));
  }

  async revokeSession(token: string, sessionId: string): Promise<void> {
    await callUnary(this.#client, this.#client.revokeSession, { token, sessionId }, this.#deadlineMs);
  }

  close(): void {
    this.#client.close();
  }
}
