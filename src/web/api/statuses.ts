import type { FastifyPluginAsync } from 'fastify';
import { invalid, isDomainError } from '../../domain/errors.js';
import { postIdOf } from '../../domain/mastodon-ids.js';
import { parseIdempotencyKey } from '../../domain/post.js';
import { ACTOR_SCOPES, type ActedStatus } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { parsedAfterToken, requireScope } from '../oauth/routes.js';
import { bearerToken } from '../session.js';
import { actedStatusJson, audienceOf, jsonArray, renderStatuses, sendJson, statusesJsonFrom } from './render.js';
import { optionalAudience, orRecordNotFound, postIdParam, readAsTokenOwner, recordNotFound } from './requests.js';
import { publicOrigin } from './urls.js';

/**
 * Statuses (docs.joinmastodon.org/methods/statuses): post (a reply with
 * in_reply_to_id), view, delete, and the thread around one (context);
 * favourites and reblogs are in reactions.ts. A status is a Chorus post;
 * its id is the post id mapped by domain/mastodon-ids.ts. Every action
 * goes to the social service as the bearer token's owner (Social.as: a web
 * session or an OAuth user token, both sessions in the store), so a post's
 * token is checked again inside its txn, and so are the parent's existence
 * and the blocks between the two authors; the Idempotency-Key header makes
 * a retry return the first status.
 */

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'];
const LANGUAGE_PATTERN = /^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
const SPOILER_MAX = 500;

/** A Rails-style boolean ("true", "1", true, ...); `invalid` for anything else. */
export function railsBoolean(value: unknown, name: string): boolean {
  if (value === undefined || value === '' || value === null) return false;
  if (value === true || value === 'true' || value === '1' || value === 1 || value === 'on') return true;
  if (value === false || value === 'false' || value === '0' || value === 0 || value === 'off') return false;
  throw invalid(`${name} must be true or false.`, name);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string.`, name);
  return value;
}

interface StatusBody {
  status: string;
  inReplyTo: string | undefined;
}

/**
 * POST /api/v1/statuses's parameters. Chorus stores plain public posts:
 * `visibility` is checked and then every status is stored PUBLIC (Chorus
 * has no audiences yet, so a client asking for another is told by the
 * Status it gets back, whose visibility is public); `sensitive`,
 * `spoiler_text` and `language` are checked and not stored (no content
 * warnings or languages yet). Media and polls are refused outright, since
 * dropping them would lose what the person meant to say.
 */
function readStatusBody(input: unknown): StatusBody {
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw invalid('The body must be an object of parameters.');
  }
  const body = (input ?? {}) as Record<string, unknown>;
  const media = body.media_ids ?? body['media_ids[]'];
  // An empty list, or a form's lone empty `media_ids[]=`, asks for no media.
  const noMedia = media === undefined || media === null || media === '' || (Array.isArray(media) && media.every((id) => id === ''));
  if (!noMedia) {
    throw invalid('Chorus does not store media: media_ids must be empty.', 'media_ids');
  }
  if (body.poll !== undefined && body.poll !== null && body.poll !== '') {
    throw invalid('Chorus has no polls.', 'poll');
  }
  const visibility = optionalString(body.visibility, 'visibility');
  if (visibility !== undefined && !VISIBILITIES.includes(visibility)) {
    throw invalid(`visibility must be one of ${VISIBILITIES.join(', ')}.`, 'visibility');
  }
  railsBoolean(body.sensitive, 'sensitive');
  const spoiler = optionalString(body.spoiler_text, 'spoiler_text');
  if (spoiler !== undefined && [...spoiler].length > SPOILER_MAX) {
    throw invalid(`spoiler_text is at most ${SPOILER_MAX} characters.`, 'spoiler_text');
  }
  const language = optionalString(body.language, 'language');
  if (language !== undefined && (language.length > 35 || !LANGUAGE_PATTERN.test(language))) {
    throw invalid('language must be an ISO 639 language code.', 'language');
  }
  const replyTo = optionalString(body.in_reply_to_id, 'in_reply_to_id');
  const inReplyTo = replyTo === undefined ? undefined : postIdOf(replyTo);
  if (replyTo !== undefined && inReplyTo === undefined) throw invalid('in_reply_to_id must be a status id.', 'in_reply_to_id');
  const status = body.status ?? '';
  if (typeof status !== 'string') throw invalid('status must be a string.', 'status');
  return { status, inReplyTo };
}

export const statusRoutes: FastifyPluginAsync<RouteContext> = async (app, ctx) => {
  const { auth, social } = ctx;
  /**
   * One postStatus call as the bearer token's owner, which checks the
   * token and write:statuses in the post's own txn and answers the post
   * described for its author; bad input is answered after a bad token,
   * as Mastodon does (parsedAfterToken).
   */
  app.post('/api/v1/statuses', async (request, reply) => {
    const { body, idempotencyKey } = await parsedAfterToken(request, auth, ACTOR_SCOPES.postStatus[0], () => ({
      body: readStatusBody(request.body),
      idempotencyKey: parseIdempotencyKey(request.headers['idempotency-key']),
    }));
    const options = body.inReplyTo === undefined ? undefined : { inReplyToId: body.inReplyTo };
    let acted: ActedStatus;
    try {
      acted = await social.as(bearerToken(request)).postStatus(body.status, idempotencyKey, options);
    } catch (error) {
      // Only the parent can be missing here (the session's account is checked as unauthenticated).
      if (options && isDomainError(error) && error.code === 'not_found') throw recordNotFound();
      throw error;
    }
    // Undefined only for a repeat whose first post has been deleted since.
    const status = actedStatusJson(publicOrigin(request).origin, acted);
    if (status === undefined) throw recordNotFound();
    return sendJson(reply, status);
  });

  /**
   * One linearizable read (Reader.describePosts): clients read a status's
   * counts and their own flags back after changing them, possibly through
   * another instance, and then expect no older answer than any before.
   */
  app.get('/api/v1/statuses/:id', async (request, reply) => {
    const postId = postIdParam(request);
    const { reader, viewer } = await optionalAudience(request, ctx);
    const described = await reader.describePosts([postId], { linearizable: true });
    const post = described.posts.find((view) => view.post.id === postId)?.post;
    // Unknown or deleted, or a reblog whose original is gone (statusesJsonFrom leaves it out).
    const [status] = post ? statusesJsonFrom(publicOrigin(request).origin, [post], described, viewer) : [];
    if (!status) throw recordNotFound();
    return sendJson(reply, status);
  });

  /** Answers the deleted status with its source `text`, as Mastodon does, so a client can offer "delete and redraft". */
  app.delete('/api/v1/statuses/:id', async (request) => {
    const grant = await requireScope(request, auth, 'write:statuses');
    const postId = postIdParam(request);
    const author = audienceOf(social, grant);
    const post = await orRecordNotFound(social.getPost(postId));
    const [status] = await renderStatuses(author, publicOrigin(request).origin, [post]);
    await orRecordNotFound(social.as(grant.token).deletePost(postId));
    if (!status) throw recordNotFound();
    return { ...status, text: post.text };
  });

  /**
   * The thread around a status: ancestors oldest first, descendants depth
   * first, as the viewer may see them (blocked and muted accounts left
   * out). Public, as on Mastodon; a token, if sent, must be valid.
   */
  app.get('/api/v1/statuses/:id/context', async (request, reply) => {
    const postId = postIdParam(request);
    // One call: the thread, its posts described and the token checked, from one consistent read.
    const context = await orRecordNotFound(readAsTokenOwner(request, ctx, (reader) => reader.threadContext(postId)));
    const { described, viewer } = context;
    const origin = publicOrigin(request).origin;
    const ancestors = jsonArray(statusesJsonFrom(origin, context.ancestors, described, viewer));
    const descendants = jsonArray(statusesJsonFrom(origin, context.descendants, described, viewer));
    return sendJson(reply, `{"ancestors":${ancestors},"descendants":${descendants}}`);
  });
};
