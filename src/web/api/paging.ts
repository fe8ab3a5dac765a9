import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../domain/errors.js';
import { type StatusPage, statusId, trimPage } from '../../domain/mastodon-ids.js';
import type { Page } from '../../domain/page.js';
import { linkHeader } from '../link-header.js';
import { publicOrigin } from './urls.js';

/**
 * Pages of Mastodon lists and their Link headers, for every list a
 * resource answers: lists ordered by ids that map to status ids (statuses,
 * notifications), and lists whose order is Chorus's own (who favourited,
 * blocks, favourites), which clients page by the Link header only.
 */

/** Account lists: 40 by default, at most 80 (larger values are lowered), as Mastodon. */
export const ACCOUNT_LIST_DEFAULT = 40;
export const ACCOUNT_LIST_MAX = 80;

/** A whole-number `limit` with Mastodon's default, larger values lowered to `max`. */
export function parseListLimit(input: unknown, fallback: number, max: number): number {
  if (input === undefined || input === '') return fallback;
  const limit = typeof input === 'string' && /^\d{1,6}$/.test(input) ? Number(input) : input;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw invalid('limit must be a whole number, 1 or more.', 'limit');
  return Math.min(limit, max);
}

export function requestUrl(request: FastifyRequest): string {
  return `${publicOrigin(request).origin}${request.url}`;
}

function setLink(reply: FastifyReply, header: string | undefined): void {
  if (header !== undefined) reply.header('link', header);
}

/**
 * Trims a newest-first page served for `page` at since_id/min_id and sets
 * its Link header: `next` only when the service has older items and the
 * page was not cut at since_id/min_id (older items are then all below that
 * bound); `prev` whenever there are items. Items' ids are post-format ids
 * (posts, notifications), shown as status ids.
 */
export function idPage<T extends { id: string }>(request: FastifyRequest, reply: FastifyReply, page: StatusPage, served: Page<T>): T[] {
  const { items } = trimPage(page, served.items, served.next !== null);
  const bound = page.newerThan;
  const cut = bound !== undefined && served.items.some((item) => item.id >= bound);
  const first = items[0];
  const last = items.at(-1);
  setLink(
    reply,
    linkHeader(requestUrl(request), {
      next: served.next !== null && !cut && last ? statusId(last.id) : undefined,
      prev: first ? statusId(first.id) : undefined,
    }),
  );
  return items;
}

/**
 * The service cursor of a list that clients page only by its Link header
 * (Mastodon's ids there are internal: favourite, block and mute ids): the
 * `max_id` a previous `next` link carried, the service's own opaque cursor.
 * since_id and min_id are ignored, so a refresh gets the first page.
 */
export function opaqueCursor(query: unknown): string | undefined {
  const maxId = (query as Record<string, unknown> | undefined)?.max_id;
  if (maxId === undefined || maxId === '') return undefined;
  if (typeof maxId !== 'string') throw invalid('max_id must be a single value.', 'max_id');
  return maxId;
}

/** Sets the Link header of such a list: `next` carries the service's cursor. */
export function opaquePage(request: FastifyRequest, reply: FastifyReply, served: Page<unknown>): void {
  setLink(reply, linkHeader(requestUrl(request), { next: served.next ?? undefined }));
}
