import type { FastifyPluginAsync } from 'fastify';
import { DomainError, invalid } from '../../domain/errors.js';
import { scopeAllows } from '../../domain/oauth.js';
import type { RouteContext } from '../context.js';
import { requireToken, tokenEntity } from '../oauth/routes.js';
import { queryFlag } from './accounts.js';

/**
 * Registration (docs.joinmastodon.org/methods/accounts/#create): an app
 * signs a person up with its app token (client_credentials) and gets back
 * the new account's user token, a session of that app with the app
 * token's scopes. The auth service claims the username and throttles
 * sign-ups per client address exactly as the site's own sign-up page.
 */

type Body = Record<string, unknown> | undefined;

function field(body: Body, name: string): unknown {
  return body?.[name];
}

export const registrationRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth }) => {
  app.post('/api/v1/accounts', async (request) => {
    const grant = await requireToken(request, auth);
    if (grant.account !== null || grant.app === null) {
      throw new DomainError('unauthenticated', 'Sign-up needs an app token (grant_type client_credentials), not a user token.');
    }
    if (!scopeAllows(grant.scopes, 'write:accounts')) {
      throw new DomainError('forbidden', 'This action is outside the authorized scopes (needs write:accounts).');
    }
    const body = request.body as Body;
    const username = field(body, 'username');
    const password = field(body, 'password');
    if (typeof username !== 'string' || username === '') throw invalid("Validation failed: Username can't be blank", 'username');
    if (typeof password !== 'string' || password === '') throw invalid("Validation failed: Password can't be blank", 'password');
    // email and locale are accepted and ignored: Chorus keeps neither.
    if (!queryFlag(field(body, 'agreement'))) throw invalid('Validation failed: Agreement must be accepted', 'agreement');
    const token = await auth.appSignUp(grant.token, username, password, request.ip, request.headers['user-agent']);
    return tokenEntity(token);
  });
};
