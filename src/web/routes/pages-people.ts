import type { FastifyPluginAsync } from 'fastify';
import { parseUsernamePrefix } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { peoplePage } from '../views/people.js';
import { frameOf, sendPage } from './page-helpers.js';

const DIRECTORY_PAGE = 50;

/** The directory, searched by username prefix. */
export const pagePeopleRoutes: FastifyPluginAsync<RouteContext> = async (app, { social }) => {
  app.get('/people', async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).q;
    const typed = typeof raw === 'string' ? raw : '';
    let prefix: string;
    try {
      prefix = parseUsernamePrefix(raw);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return sendPage(reply, peoplePage(frameOf(request, reply), typed, [], error.message), httpStatusOf[error.code]);
    }
    const accounts = await social.searchAccounts(prefix, DIRECTORY_PAGE);
    return sendPage(reply, peoplePage(frameOf(request, reply), typed, accounts));
  });
};
