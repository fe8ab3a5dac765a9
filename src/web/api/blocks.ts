import type { FastifyPluginAsync } from 'fastify';
import { invalid } from '../../domain/errors.js';
import type { ScopeNeed } from '../../domain/oauth.js';
import type { Actor } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { requireScope } from '../oauth/routes.js';
import { relationshipOf } from './accounts.js';
import { ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX, opaqueCursor, opaquePage, parseListLimit } from './paging.js';
import { renderAccounts } from './render.js';
import { existingUsername } from './requests.js';
import { railsBoolean } from './statuses.js';
import { publicOrigin } from './urls.js';

/**
 * Blocks and mutes (docs.joinmastodon.org/methods/accounts, methods/blocks,
 * methods/mutes): block, unblock, mute, unmute an account, each idempotent
 * and answering the Relationship as it now stands; the accounts one
 * blocks or mutes, in username order, paged by the Link header. Blocking
 * yourself or muting yourself is 422, an unknown account 404.
 */

type Action = (actor: Actor, target: string) => Promise<void>;

/**
 * A Chorus mute hides the account's notifications too and lasts until
 * undone, so Mastodon's `notifications=false` and a `duration` are
 * refused rather than ignored: the person would get another mute than the
 * one asked for.
 */
function readMuteBody(input: unknown): void {
  const body = (input ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('The body must be an object of parameters.');
  if (body.notifications !== undefined && !railsBoolean(body.notifications, 'notifications')) {
    throw invalid('Chorus mutes always hide notifications too: notifications must be true.', 'notifications');
  }
  const duration = body.duration;
  if (duration !== undefined && duration !== '' && duration !== 0 && duration !== '0') {
    throw invalid('Chorus mutes last until undone: duration must be 0.', 'duration');
  }
}

const actions: ReadonlyArray<readonly [path: string, scope: ScopeNeed, act: Action]> = [
  ['block', 'write:blocks', (a, t) => a.block(t)],
  ['unblock', 'write:blocks', (a, t) => a.unblock(t)],
  ['mute', 'write:mutes', (a, t) => a.mute(t)],
  ['unmute', 'write:mutes', (a, t) => a.unmute(t)],
];

export const blockRoutes: FastifyPluginAsync<RouteContext> = async (app, { auth, social }) => {
  for (const [path, scope, act] of actions) {
    app.post(`/api/v1/accounts/:id/${path}`, async (request) => {
      const { token } = await requireScope(request, auth, scope);
      if (path === 'mute') readMuteBody(request.body);
      const target = await existingUsername(social, (request.params as { id: string }).id);
      const actor = social.as(token);
      await act(actor, target);
      return relationshipOf(actor, target);
    });
  }

  for (const [path, scope, list] of [
    ['blocks', 'read:blocks', (actor: Actor, limit: number, cursor?: string) => actor.listBlocks(limit, cursor)],
    ['mutes', 'read:mutes', (actor: Actor, limit: number, cursor?: string) => actor.listMutes(limit, cursor)],
  ] as const) {
    app.get(`/api/v1/${path}`, async (request, reply) => {
      const { token } = await requireScope(request, auth, scope);
      const query = request.query as Record<string, unknown>;
      const limit = parseListLimit(query.limit, ACCOUNT_LIST_DEFAULT, ACCOUNT_LIST_MAX);
      const page = await list(social.as(token), limit, opaqueCursor(query));
      opaquePage(request, reply, page);
      return renderAccounts(social, publicOrigin(request).origin, page.items);
    });
  }
};
