import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseBio, parseDisplayName, parsePassword } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import { accountExport, exportFileName } from '../account-export.js';
import type { RouteContext } from '../context.js';
import { HttpStatus, httpStatusOf } from '../errors.js';
import { formField } from '../input.js';
import { clearSessionCookie, type Viewer } from '../session.js';
import type { FormErrors } from '../views/components.js';
import { settingsPage } from '../views/settings.js';
import type { ProfileForm } from '../views/settings-profile.js';
import { check, countUnread, pageFrame, seeOther, sendPage, viewerOrLogin } from './page-helpers.js';

const doneMessages: Partial<Record<string, string>> = {
  password: 'Password changed. Your other devices have been logged out.',
  revoked: 'That session has ended.',
  profile: 'Profile saved.',
  // Said when the id is not one of the viewer's live sessions: someone else's, made up, or already ended.
  'not-yours': 'None of your sessions has that id, so nothing was ended.',
};

/** Editing the profile, changing the password, and seeing and ending sessions. */
export const pageSettingsRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social, cookies }) => {
  /**
   * The settings page. A refused form is shown as typed with its messages;
   * the other form shows what is stored.
   */
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    viewer: Viewer,
    refused: { profile?: ProfileForm; password?: FormErrors; deletion?: FormErrors; message?: string | undefined } = {},
    status: number = HttpStatus.ok,
  ) {
    countUnread(request, social);
    const [sessions, stored, frame] = await Promise.all([
      auth.listSessions(viewer.token),
      refused.profile ? undefined : social.getProfile(viewer.account.username),
      pageFrame(request, reply),
    ]);
    const profile = refused.profile ?? {
      displayName: stored?.account.displayName ?? '',
      bio: stored?.account.bio ?? '',
      errors: {},
    };
    return sendPage(
      reply,
      settingsPage(frame, {
        sessions,
        profile,
        errors: refused.password ?? {},
        deletionErrors: refused.deletion ?? {},
        message: refused.message,
      }),
      status,
    );
  }

  app.get('/settings', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const done = (request.query as Record<string, unknown>).done;
    const message = typeof done === 'string' && Object.hasOwn(doneMessages, done) ? doneMessages[done] : undefined;
    return render(request, reply, viewer, { message });
  });

  app.post('/settings/profile', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const typed = { displayName: formField(request.body, 'displayName'), bio: formField(request.body, 'bio') };
    const errors: FormErrors = {};
    // Both fields are checked before anything is written: one bad field changes nothing.
    const displayName = check(errors, 'displayName', () => parseDisplayName(typed.displayName));
    const bio = check(errors, 'bio', () => parseBio(typed.bio));
    if (displayName !== undefined && bio !== undefined) {
      try {
        await social.as(viewer.token).updateProfile({ displayName, bio });
        return seeOther(reply, '/settings?done=profile');
      } catch (error) {
        if (!isDomainError(error) || error.code !== 'invalid') throw error;
        errors[error.field === 'displayName' || error.field === 'bio' ? error.field : 'form'] = error.message;
      }
    }
    return render(request, reply, viewer, { profile: { ...typed, errors } }, httpStatusOf.invalid);
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
    return render(request, reply, viewer, { password: errors }, status);
  });

  app.post('/settings/logout-everywhere', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    await auth.logOutEverywhere(viewer.token);
    clearSessionCookie(reply, cookies);
    return seeOther(reply, '/');
  });

  app.get('/settings/export', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const { username } = viewer.account;
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${exportFileName(username)}"`)
      .send(accountExport(social, viewer.token, username));
  });

  app.post('/settings/delete-account', async (request, reply) => {
    const viewer = viewerOrLogin(request, reply);
    if (!viewer) return reply;
    const password = formField(request.body, 'password');
    const errors: FormErrors = {};
    if (password === '') errors.password = 'Enter your password to delete your account.';
    else {
      try {
        await auth.deleteAccount(viewer.token, password);
        clearSessionCookie(reply, cookies);
        return seeOther(reply, '/');
      } catch (error) {
        // The session was checked a moment ago, so a refusal here is the password.
        if (!isDomainError(error) || error.field !== 'password') throw error;
        errors.password = 'That is not your password. Nothing was deleted.';
      }
    }
    return render(request, reply, viewer, { deletion: errors }, httpStatusOf.invalid);
  });
};
