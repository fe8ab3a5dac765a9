import type { FastifyPluginAsync } from 'fastify';
import { parsePassword } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { formField } from '../input.js';
import { clearSessionCookie } from '../session.js';
import type { FormErrors } from '../views/components.js';
import { settingsPage } from '../views/settings.js';
import { frameOf, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

const doneMessages: Partial<Record<string, string>> = {
  password: 'Password changed. Your other devices have been logged out.',
  revoked: 'That session has ended.',
  // Said when the id is not one of the viewer's live sessions: someone else's, made up, or already ended.
  'not-yours': 'None of your sessions has that id, so nothing was ended.',
};

/** Changing the password, and seeing and ending sessions. */
export const pageSettingsRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, cookies }) => {
  app.get('/settings', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const done = (request.query as Record<string, unknown>).done;
    const message = typeof done === 'string' && Object.hasOwn(doneMessages, done) ? doneMessages[done] : undefined;
    const sessions = await auth.listSessions(viewer.token);
    return sendPage(reply, settingsPage(frameOf(request, reply), sessions, {}, message));
  });

  app.post<{ Params: { id: string } }>('/settings/sessions/:id/revoke', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    try {
      await auth.revokeSession(viewer.token, request.params.id);
    } catch (error) {
      // No error page for an id that names none of the viewer's sessions, but no claim that one ended either.
      if (!isDomainError(error) || error.code !== 'not_found') throw error;
      return seeOther(reply, '/settings?done=not-yours');
    }
    return seeOther(reply, '/settings?done=revoked');
  });

  app.post('/settings/password', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const currentPassword = formField(request.body, 'currentPassword');
    const newPassword = formField(request.body, 'newPassword');
    const errors: FormErrors = {};
    if (currentPassword === '') errors.currentPassword = 'Enter your current password.';
    try {
      parsePassword(newPassword, 'newPassword');
    } catch (error) {
      if (!isDomainError(error)) throw error;
      errors.newPassword = error.message;
    }
    let status: number = httpStatusOf.invalid;
    if (!errors.currentPassword && !errors.newPassword) {
      try {
        await auth.changePassword(viewer.token, currentPassword, newPassword);
        return seeOther(reply, '/settings?done=password');
      } catch (error) {
        if (!isDomainError(error) || (error.code !== 'invalid' && error.code !== 'unauthenticated')) throw error;
        // The session was checked a moment ago, so a refusal here is the current password.
        if (error.code === 'unauthenticated') errors.currentPassword = 'That is not your current password.';
        else errors[error.field === 'currentPassword' ? 'currentPassword' : 'newPassword'] = error.message;
        status = httpStatusOf[error.code];
      }
    }
    const sessions = await auth.listSessions(viewer.token);
    return sendPage(reply, settingsPage(frameOf(request, reply), sessions, errors), status);
  });

  app.post('/settings/logout-everywhere', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    await auth.logOutEverywhere(viewer.token);
    clearSessionCookie(reply, cookies);
    return seeOther(reply, '/');
  });
};
