import type { FastifyReply } from 'fastify';
import type { Account, Profile } from '../../domain/account.js';
import type { Notification } from '../../domain/notification.js';
import type { Post, PostView } from '../../domain/post.js';
import type { ActedStatus, PostDescriptions, Reader, Social } from '../../domain/social.js';
import { type MastodonAccount, mastodonAccount, profileAccount } from '../entities/account.js';
import { type MastodonNotification, mastodonNotification } from '../entities/notification.js';
import { type MastodonStatus, mastodonStatus } from '../entities/status.js';
import { type RenderedStatus, StatusJsonRenderer } from '../entities/status-json.js';

/**
 * From posts and notifications to their Mastodon entities: one
 * describePosts call gives every count, viewer flag, reblogged original
 * and author profile a page needs (one consistent read, not a read per
 * author), and the pure functions below render from it, so the REST
 * routes and the streaming server render alike.
 */

/**
 * Whom statuses are rendered for: reads as that person (their Actor, or
 * Social itself for nobody), and their username for the flags Mastodon
 * sends only to a signed-in viewer.
 */
export interface Audience {
  reader: Reader;
  viewer: string | undefined;
}

/** Reading for nobody in particular. */
export const nobody = (social: Social): Audience => ({ reader: social, viewer: undefined });

/** Reading as the account a checked token belongs to (oauth/routes.ts requireScope). */
export function audienceOf(social: Social, grant: { token: string; account: { username: string } }): Audience & { viewer: string } {
  return { reader: social.as(grant.token), viewer: grant.account.username };
}

/** The most ids one describePosts or getProfiles call takes. */
const DESCRIBE_MAX = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += DESCRIBE_MAX) out.push(items.slice(i, i + DESCRIBE_MAX));
  return out;
}

const unique = (values: readonly string[]) => [...new Set(values)];

/** describePosts for any number of ids: one call per hundred, in parallel (a thread can have 141 posts). */
export async function describeAll(reader: Reader, postIds: readonly string[]): Promise<PostDescriptions> {
  const ids = unique(postIds);
  if (ids.length === 0) return { posts: [], profiles: [] };
  const parts = await Promise.all(chunks(ids).map((part) => reader.describePosts(part)));
  return { posts: parts.flatMap((part) => part.posts), profiles: parts.flatMap((part) => part.profiles) };
}

/** The Account of `username` from the profiles read, or a bare one (no counts) if it was not among them. */
function accountOf(origin: string, profiles: ReadonlyMap<string, Profile>, username: string): MastodonAccount {
  const profile = profiles.get(username);
  return profile ? profileAccount(origin, profile) : mastodonAccount(origin, { username, createdAtMs: 0 });
}

/**
 * Status entities of `posts`, in their order, from their descriptions. A
 * post that is not described (deleted meanwhile) is left out, and so is a
 * reblog whose original is gone, as every read leaves those out.
 */
export function statusesFrom(
  origin: string,
  posts: readonly Post[],
  described: PostDescriptions,
  viewer: string | undefined,
): MastodonStatus[] {
  const { views, profiles } = indexed(described);
  const render = (view: PostView, reblog?: MastodonStatus) =>
    mastodonStatus(origin, view.post, accountOf(origin, profiles, view.post.author), viewer, view, reblog);
  return inPageOrder(posts, views, (view, original) => render(view, original && render(original)));
}

function indexed(described: PostDescriptions) {
  return {
    views: new Map<string, PostView>(described.posts.map((view) => [view.post.id, view])),
    profiles: new Map<string, Profile>(described.profiles.map((profile) => [profile.account.username, profile])),
  };
}

/** Each post rendered, in the page's order, leaving out what is not described and reblogs whose original is gone. */
function inPageOrder<T>(
  posts: readonly Post[],
  views: ReadonlyMap<string, PostView>,
  render: (view: PostView, original?: PostView) => T,
): T[] {
  const rendered: T[] = [];
  for (const post of posts) {
    const view = views.get(post.id);
    if (!view) continue;
    if (view.post.reblogOf === undefined) {
      rendered.push(render(view));
      continue;
    }
    const original = views.get(view.post.reblogOf);
    if (original) rendered.push(render(view, original));
  }
  return rendered;
}

/** One renderer for every route, so a status rendered for one reader is text already for the next. */
const renderer = new StatusJsonRenderer();

/**
 * statusesFrom as JSON text, one string per status (the reply
 * serialiser's wellFormedJson of statusesFrom's entities, byte for byte):
 * the hot reads send these without building the entities or handing them
 * to Fastify's serialiser.
 */
export function statusesJsonFrom(
  origin: string,
  posts: readonly Post[],
  described: PostDescriptions,
  viewer: string | undefined,
): string[] {
  const { views, profiles } = indexed(described);
  const accounts = new Map<string, string>();
  const accountJson = (username: string) => {
    let json = accounts.get(username);
    if (json === undefined) {
      json = renderer.account(origin, profiles.get(username) ?? { username, createdAtMs: 0 });
      accounts.set(username, json);
    }
    return json;
  };
  const render = (view: PostView, original?: RenderedStatus) =>
    renderer.status(origin, view, accountJson(view.post.author), viewer, original);
  return inPageOrder(posts, views, (view, original) =>
    render(view, original && { json: render(original), favourited: original.favourited, reblogged: original.reblogged }),
  );
}

/** The status an action answers with (ActedStatus), as JSON text; undefined when there is none to show (gone). */
export function actedStatusJson(origin: string, acted: ActedStatus): string | undefined {
  return acted.post && statusesJsonFrom(origin, [acted.post], acted.described, acted.viewer)[0];
}

/** A JSON array of JSON texts. */
export const jsonArray = (items: readonly string[]) => `[${items.join(',')}]`;

/** Sends JSON text as Fastify sends a serialised object (same content type), without serialising it again. */
export function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

/** renderStatuses as JSON text (statusesJsonFrom), one string per status. */
export async function renderStatusesJson(audience: Audience, origin: string, posts: readonly Post[]): Promise<string[]> {
  const described = await describeAll(
    audience.reader,
    posts.map((post) => post.id),
  );
  return statusesJsonFrom(origin, posts, described, audience.viewer);
}

/** Status entities for posts, in their order, for the audience: one describePosts call per hundred posts. */
export async function renderStatuses(audience: Audience, origin: string, posts: readonly Post[]): Promise<MastodonStatus[]> {
  const described = await describeAll(
    audience.reader,
    posts.map((post) => post.id),
  );
  return statusesFrom(origin, posts, described, audience.viewer);
}

/**
 * Notification entities, in their order, for their recipient (`recipient`
 * reads as them): the posts concerned described in one call and the
 * actors' profiles in another.
 * A notification whose post is gone (a favourite of a since deleted
 * status: those rows outlive the post) is left out, as clients expect a
 * status on every favourite, reblog and mention.
 */
export async function renderNotifications(
  social: Social,
  recipient: Audience & { viewer: string },
  origin: string,
  notifications: readonly Notification[],
): Promise<MastodonNotification[]> {
  const postIds = notifications.flatMap((n) => (n.postId === undefined ? [] : [n.postId]));
  const actors = unique(notifications.map((n) => n.actor));
  const viewer = recipient.viewer;
  const [described, actorProfiles] = await Promise.all([
    describeAll(recipient.reader, postIds),
    Promise.all(chunks(actors).map((part) => social.getProfiles(part))).then((parts) => parts.flat()),
  ]);
  return notificationsFrom(origin, notifications, described, actorProfiles, viewer);
}

/** The pure half of renderNotifications, for the streaming server too. */
export function notificationsFrom(
  origin: string,
  notifications: readonly Notification[],
  described: PostDescriptions,
  actorProfiles: readonly Profile[],
  viewer: string,
): MastodonNotification[] {
  const actors = new Map<string, Profile>(actorProfiles.map((profile) => [profile.account.username, profile]));
  const posts = new Map<string, Post>(described.posts.map((view) => [view.post.id, view.post]));
  const entities: MastodonNotification[] = [];
  for (const notification of notifications) {
    const account = accountOf(origin, actors, notification.actor);
    if (notification.postId === undefined) {
      entities.push(mastodonNotification(notification, account));
      continue;
    }
    const post = posts.get(notification.postId);
    const [status] = post ? statusesFrom(origin, [post], described, viewer) : [];
    if (status) entities.push(mastodonNotification(notification, account, status));
  }
  return entities;
}

/** Account entities with their counts, from one getProfiles read per hundred; an account gone meanwhile renders without counts. */
export async function renderAccounts(social: Social, origin: string, accounts: readonly Account[]): Promise<MastodonAccount[]> {
  const names = unique(accounts.map((account) => account.username));
  const profiles = (await Promise.all(chunks(names).map((part) => social.getProfiles(part)))).flat();
  const byName = new Map<string, Profile>(profiles.map((profile) => [profile.account.username, profile]));
  return accounts.map((account) => {
    const profile = byName.get(account.username);
    return profile ? profileAccount(origin, profile) : mastodonAccount(origin, account);
  });
}
