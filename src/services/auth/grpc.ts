import type { Account } from '../../domain/account.js';
import type { Auth } from '../../domain/auth.js';
import { type AuthServiceServer, AuthServiceService } from '../../gen/chorus/auth/v1/auth.js';
import type { GrpcService } from '../../rpc/server.js';
import { unary } from '../../rpc/unary.js';

/** The gRPC adapter of the auth service: wire types in, domain calls, wire types out. Nothing else. */
export function authGrpcService(auth: Auth, onInternalError: (error: unknown) => void): GrpcService {
  const account = (a: Account) => ({ username: a.username, createdAtMs: a.createdAtMs });
  const implementation: AuthServiceServer = {
    signUp: unary(async (r) => {
      const session = await auth.signUp(r.username, r.password, r.clientIp || undefined, r.userAgent || undefined);
      return { account: account(session.account), token: session.token };
    }, onInternalError),
    logIn: unary(async (r) => {
      const session = await auth.logIn(r.username, r.password, r.clientIp || undefined, r.userAgent || undefined);
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
    authenticate: unary(async (r) => ({ account: account(await auth.authenticate(r.token)) }), onInternalError),
    listSessions: unary(async (r) => ({ sessions: await auth.listSessions(r.token) }), onInternalError),
    revokeSession: unary(async (r) => {
      await auth.revokeSession(r.token, r.sessionId);
      return {};
    }, onInternalError),
  };
  return {
    name: 'chorus.auth.v1.AuthService',
    definition: AuthServiceService,
    implementation,
    protoFile: 'chorus/auth/v1/auth.proto',
  };
}
