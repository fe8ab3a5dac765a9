import type { FastifyPluginAsync } from 'fastify';
import { lookupUsername, parsePassword, parseUsername, parseUsernamePrefix } from '../../domain/account.js';
import { parseLimit } from '../../domain/page.js';
import type { RouteContext } from '../context.js';
import { HttpStatus } from '../errors.js';
import { queryParam, readJsonObject } from '../input.js';
import { accountJson, accountPageJson, profileJson, sessionJson } from '../json.js';

interface UsernameParams {
  username: string;
}

/** Sign-up, profiles, search and follower lists: all public but sign-up. */
export const apiAccountRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  app.post('/api/v1/accounts', async (request, reply) => {
    const body = readJsonObject(request.body, ['username', 'password']);
    const username = parseUsername(body.username);
    const password = parsePassword(body.password);
    const session = await auth.signUp(username, password, request.ip, request.headers['user-agent']);
    reply.status(HttpStatus.created).header('location', `/api/v1/accounts/${session.account.username}`);
    return sessionJson(session);
  });

  app.get('/api/v1/accounts', async (request) => {
    const prefix = parseUsernamePrefix(queryParam(request.query, 'prefix'));
    const limit = parseLimit(queryParam(request.query, 'limit'));
    const accounts = await social.searchAccounts(prefix, limit);
    return { accounts: accounts.map(accountJson) };
  });

  app.get<{ Params: UsernameParams }>('/api/v1/accounts/:username', async (request) => {
    return profileJson(await social.getProfile(lookupUsername(request.params.username)));
  });

  app.get<{ Params: UsernameParams }>('/api/v1/accounts/:username/followers', async (request) => {
    const username = lookupUsername(request.params.username);
    const limit = parseLimit(queryParam(request.query, 'limit'));
    return accountPageJson(await social.listFollowers(username, limit, queryParam(request.query, 'cursor')));
  });

  app.get<{ Params: UsernameParams }>('/api/v1/accounts/:username/following', async (request) => {
    const username = lookupUsername(request.params.username);
    const limit = parseLimit(queryParam(request.query, 'limit'));
    return accountPageJson(await social.listFollowing(username, limit, queryParam(request.query, 'cursor')));
  });
};
