import type { FastifyPluginAsync } from 'fastify';
import { parsePassword } from '../../domain/account.js';
import type { SessionInfo } from '../../domain/auth.js';
import { DomainError, invalid, isDomainError } from '../../domain/errors.js';
import { scopeAllows } from '../../domain/oauth.js';
import { accountExport, exportFileName } from '../account-export.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { requireScope, requireToken } from '../oauth/routes.js';

/**
 * Chorus's extension of the Mastodon API (no Mastodon counterpart), under
 * /api/v1/chorus/: the account's sessions (list, end one, end this one,
 * end all), the password change, the export of the account's data and
 * the account's deletion. Bearer token as everywhere; errors in
 * Mastodon's shape.
 */

/** Everything an export reads: a token missing one would fail halfway through the download. */
const EXPORT_SCOPES = ['read:accounts', 'read:statuses', 'read:follows', 'read:favourites', 'read:blocks', 'read:mutes'] as const;

const isoTime = (ms: number) => new Date(ms).toISOString();

function sessionEntity(session: SessionInfo) {
  return {
    id: session.id,
    created_at: isoTime(session.createdAtMs),
    last_seen_at: isoTime(session.lastSeenMs),
    user_agent: session.userAgent,
    app_name: session.appName === '' ? null : session.appName,
    current: session.current,
  };
}

function text(body: unknown, name: string, label: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string' || value === '') throw invalid(`${label} is required.`, name);
  return value;
}

export const chorusRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.get('/api/v1/chorus/sessions', async (request) => {
    const { token } = await requireScope(request, auth, 'read:accounts');
    return (await auth.listSessions(token)).map(sessionEntity);
  });

  // Static routes win over parameters in Fastify, so /current is never taken for an id.
  app.delete('/api/v1/chorus/sessions/current', async (request, reply) => {
    // Any user token may end itself, whatever its scopes (as /oauth/revoke).
    const { token, account } = await requireToken(request, auth);
    if (!account) throw new DomainError('unauthenticated', 'This method requires an authenticated user.');
    await auth.logOut(token);
    return reply.status(HttpStatus.noContent).send();
  });

  app.delete<{ Params: { id: string } }>('/api/v1/chorus/sessions/:id', async (request, reply) => {
    const { token } = await requireScope(request, auth, 'write:accounts');
    await auth.revokeSession(token, request.params.id);
    return reply.status(HttpStatus.noContent).send();
  });

  app.delete('/api/v1/chorus/sessions', async (request, reply) => {
    const { token } = await requireScope(request, auth, 'write:accounts');
    await auth.logOutEverywhere(token);
    return reply.status(HttpStatus.noContent).send();
  });

  app.put('/api/v1/chorus/password', async (request, reply) => {
    const { token } = await requireScope(request, auth, 'write:accounts');
    const currentPassword = text(request.body, 'current_password', 'current_password');
    const newPassword = parsePassword((request.body as Record<string, unknown> | undefined)?.new_password, 'new_password');
    try {
      await auth.changePassword(token, currentPassword, newPassword);
    } catch (error) {
      // A wrong current password is a validation failure (422), not a bad token: the client must not sign out.
      if (isDomainError(error) && error.field === 'currentPassword') throw invalid('current_password is wrong.', 'current_password');
      throw error;
    }
    return reply.status(HttpStatus.noContent).send();
  });

  app.get('/api/v1/chorus/export', async (request, reply) => {
    const grant = await requireScope(request, auth, 'read:accounts');
    const missing = EXPORT_SCOPES.filter((need) => !scopeAllows(grant.scopes, need));
    if (missing.length > 0)
      throw new DomainError('forbidden', `This action is outside the authorized scopes (needs ${missing.join(' ')}).`);
    const username = grant.account.username;
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${exportFileName(username)}"`)
      .send(accountExport(social, grant.token, username));
  });

  // The account goes at once; its rows are swept within seconds (hence 202).
  app.post('/api/v1/chorus/delete_account', async (request, reply) => {
    const { token } = await requireScope(request, auth, 'write:accounts');
    const password = text(request.body, 'password', 'password');
    try {
      await auth.deleteAccount(token, password);
    } catch (error) {
      // As for the password change: a wrong password is a validation failure, not a bad token.
      if (isDomainError(error) && error.field === 'password') throw invalid('password is wrong.', 'password');
      throw error;
    }
    return reply.status(HttpStatus.accepted).send({});
  });
};
