import type { FastifyPluginAsync } from 'fastify';
import { parsePassword, parseUsername } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { formField } from '../input.js';
import { clearSessionCookie, setSessionCookie } from '../session.js';
import { loginPage, signupPage } from '../views/auth.js';
import type { FormErrors } from '../views/components.js';
import { check, frameOf, seeOther, sendPage } from './page-helpers.js';

/** Sign up, log in, log out. Each success sets or clears the session cookie and redirects. */
export const pageAuthRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, cookies }) => {
  app.get('/signup', async (request, reply) => {
    if (request.viewer) return seeOther(reply, '/');
    return sendPage(reply, signupPage(frameOf(request, reply), '', {}));
  });

  app.post('/signup', async (request, reply) => {
    const typed = formField(request.body, 'username');
    const errors: FormErrors = {};
    const username = check(errors, 'username', () => parseUsername(typed.trim()));
    const password = check(errors, 'password', () => parsePassword(formField(request.body, 'password')));
    let status: number = httpStatusOf.invalid;
    if (username !== undefined && password !== undefined) {
      try {
        const session = await auth.signUp(username, password, request.ip, request.headers['user-agent']);
        setSessionCookie(reply, session.token, cookies);
        return seeOther(reply, '/');
      } catch (error) {
        if (!isDomainError(error) || (error.code !== 'invalid' && error.code !== 'conflict')) throw error;
        errors[error.code === 'conflict' ? 'username' : (error.field ?? 'form')] = error.message;
        status = httpStatusOf[error.code];
      }
    }
    return sendPage(reply, signupPage(frameOf(request, reply), typed, errors), status);
  });

  app.get('/login', async (request, reply) => {
    if (request.viewer) return seeOther(reply, '/');
    return sendPage(reply, loginPage(frameOf(request, reply), '', {}));
  });

  app.post('/login', async (request, reply) => {
    const typed = formField(request.body, 'username');
    const password = formField(request.body, 'password');
    const errors: FormErrors = {};
    if (typed.trim() === '') errors.username = 'Enter your username.';
    if (password === '') errors.password = 'Enter your password.';
    let status: number = httpStatusOf.invalid;
    if (!errors.username && !errors.password) {
      try {
        const session = await auth.logIn(typed.trim(), password, request.ip, request.headers['user-agent']);
        setSessionCookie(reply, session.token, cookies);
        return seeOther(reply, '/');
      } catch (error) {
        if (!isDomainError(error) || (error.code !== 'invalid' && error.code !== 'unauthenticated')) throw error;
        errors.form = error.message;
        status = httpStatusOf[error.code];
      }
    }
    return sendPage(reply, loginPage(frameOf(request, reply), typed, errors), status);
  });

  app.post('/logout', async (request, reply) => {
    if (request.viewer) await auth.logOut(request.viewer.token);
    clearSessionCookie(reply, cookies);
    return seeOther(reply, '/');
  });
};
