import type { FastifyPluginAsync } from 'fastify';
import { parseUsernamePrefix } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import type { RouteContext } from '../context.js';
import { httpStatusOf } from '../errors.js';
import { peoplePage } from '../views/people.js';
import { pageFrame, sendPage } from './page-helpers.js';

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
      return sendPage(reply, peoplePage(await pageFrame(request, reply), typed, [], error.message), httpStatusOf[error.code]);
    }
    const [accounts, frame] = await Promise.all([social.searchAccounts(prefix, DIRECTORY_PAGE), pageFrame(request, reply)]);
    return sendPage(reply, peoplePage(frame, typed, accounts));
  });
};
