import type { FastifyRequest } from 'fastify';
import { isDomainError, notFound } from '../../domain/errors.js';
import { postIdOf, usernameOf } from '../../domain/mastodon-ids.js';
import type { Reader, Social } from '../../domain/social.js';
import type { RouteContext } from '../context.js';
import { requireToken } from '../oauth/routes.js';
import { bearerToken } from '../session.js';
import { type Audience, audienceOf, nobody } from './render.js';

/**
 * What a Mastodon request names, read once for every resource module: the
 * status or notification of a `:id` segment, the account of an account id,
 * the optional reader of a public read. Whatever names nothing, or names a
 * record that does not exist, is Mastodon's 404 `{"error": "Record not
 * found"}`, malformed ids included, as Rails answers a failed find.
 */

/** Mastodon's 404 body for every missing record. */
export const recordNotFound = () => notFound('Record not found');

/** The record `read` finds, with the service's `not_found` told as Mastodon tells it. */
export async function orRecordNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') throw recordNotFound();
    throw error;
  }
}

/**
 * The post (or notification: the ids share one format) a `:id` path
 * segment names; `not_found` for anything that is not exactly a status id.
 */
export function postIdParam(request: FastifyRequest): string {
  const postId = postIdOf((request.params as { id?: unknown }).id);
  if (postId === undefined) throw recordNotFound();
  return postId;
}

/** The username an account id names, if the account exists; `not_found` otherwise. */
export async function existingUsername(social: Social, id: unknown): Promise<string> {
  const username = usernameOf(id);
  if (username === undefined) throw recordNotFound();
  await orRecordNotFound(social.getProfile(username));
  return username;
}

/**
 * `read` as the bearer token's owner, or for nobody without a token, in
 * the one call `read` makes: the service checks the token itself (as the
 * home timeline's call does), so no auth call comes first. An app token
 * acts for no one and is refused there as no session's; the auth service
 * then tells a valid one (read for nobody, as optionalAudience reads) from
 * a bad one (its refusal is the answer, as optionalAudience's would be).
 */
export async function readAsTokenOwner<T>(
  request: FastifyRequest,
  { auth, social }: RouteContext,
  read: (reader: Reader) => Promise<T>,
): Promise<T> {
  if (request.headers.authorization === undefined) return read(social);
  let refused: unknown;
  try {
    return await read(social.as(bearerToken(request)));
  } catch (error) {
    if (!isDomainError(error) || error.code !== 'unauthenticated') throw error;
    refused = error;
  }
  const grant = await requireToken(request, auth);
  // A session the auth service still accepts was refused a moment before: it just ended.
  if (grant.account) throw refused;
  return read(social);
}

/**
 * Whom a public read is for: the token's account when a token is sent (it
 * must then be valid), reading as them; else (or for an app token, which
 * acts for no one) nobody.
 */
export async function optionalAudience(request: FastifyRequest, { auth, social }: RouteContext): Promise<Audience> {
  if (request.headers.authorization === undefined) return nobody(social);
  const grant = await requireToken(request, auth);
  return grant.account ? audienceOf(social, { token: grant.token, account: grant.account }) : nobody(social);
}
