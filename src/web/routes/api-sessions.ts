import type { FastifyPluginAsync } from 'fastify';
import { parsePassword } from '../../domain/account.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { readJsonObject, requireString } from '../input.js';
import { sessionJson } from '../json.js';
import { requireApiViewer } from '../session.js';

/** Log in, list and end sessions (this one, one by id, or all), change password. */
export const apiSessionRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  app.post('/api/v1/sessions', async (request, reply) => {
    const body = readJsonObject(request.body, ['username', 'password']);
    const username = requireString(body.username, 'username', 'Username');
    const password = requireString(body.password, 'password', 'Password');
    const session = await auth.logIn(username, password, request.ip, request.headers['user-agent']);
    reply.status(HttpStatus.created);
    return sessionJson(session);
  });

  app.delete('/api/v1/sessions/current', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await auth.logOut(viewer.token);
    return reply.status(HttpStatus.noContent).send();
  });

  app.get('/api/v1/sessions', async (request) => {
    const viewer = await requireApiViewer(request, auth);
    const sessions = await auth.listSessions(viewer.token);
    return {
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: new Date(s.createdAtMs).toISOString(),
        lastSeenAt: new Date(s.lastSeenMs).toISOString(),
        userAgent: s.userAgent,
        current: s.current,
      })),
    };
  });

  // Static routes win over parameters in Fastify, so /current above is never taken for an id.
  app.delete<{ Params: { id: string } }>('/api/v1/sessions/:id', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await auth.revokeSession(viewer.token, request.params.id);
    return reply.status(HttpStatus.noContent).send();
  });

  app.delete('/api/v1/sessions', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    await auth.logOutEverywhere(viewer.token);
    return reply.status(HttpStatus.noContent).send();
  });

  app.put('/api/v1/account/password', async (request, reply) => {
    const viewer = await requireApiViewer(request, auth);
    const body = readJsonObject(request.body, ['currentPassword', 'newPassword']);
    const currentPassword = requireString(body.currentPassword, 'currentPassword', 'Current password');
    const newPassword = parsePassword(body.newPassword, 'newPassword');
    await auth.changePassword(viewer.token, currentPassword, newPassword);
    return reply.status(HttpStatus.noContent).send();
  });
};
