import { setTimeout as sleep } from 'node:timers/promises';
import { type Account, lookupUsername, type Profile, type ProfileChanges } from '../domain/account.js';
import { DomainError } from '../domain/errors.js';
import { isNotificationType, type Notification, type NotificationQuery } from '../domain/notification.js';
import type { Page } from '../domain/page.js';
import type { Post, PostOptions, PostView } from '../domain/post.js';
import type {
  ActedStatus,
  Actor,
  DescribeOptions,
  NotificationMarker,
  PostDescriptions,
  PostEvent,
  Reader,
  Social,
  Thread,
  ThreadContext,
} from '../domain/social.js';
import {
  type GetProfileResponse,
  type PostAsSessionRequest,
  type PostAsSessionResult,
  type SessionFeedRequest,
  type SessionFeedResult,
  SocialServiceClient,
  type StatusActionRequest,
  StatusActionRequest_Action,
  type StatusActionResult,
  WatchPostsResponse_Kind,
  type Account as WireAccount,
  type ActedStatus as WireActedStatus,
  type Notification as WireNotification,
  type Post as WirePost,
  type PostOptions as WirePostOptions,
  type PostView as WirePostView,
} from '../gen/chorus/social/v1/social.js';
import { fromItemError } from '../rpc/status.js';
import { callServerStream } from '../rpc/stream.js';
import { clientCredentials, type RpcIdentity } from '../rpc/tls.js';
import { callUnary } from '../rpc/unary.js';
import { Batcher } from './batcher.js';
import { channelOptions, channelTarget } from './channel.js';

// Wire → domain: proto3 sends an absent field as its zero value, so an empty string or list is "absent".

// A domain value has absent fields, not undefined ones; built field by field (a page decodes hundreds of these).

const given = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

const account = (a: WireAccount | undefined): Account => {
  const out: Account = { username: a?.username ?? '', createdAtMs: a?.createdAtMs ?? 0 };
  if (a?.displayName) out.displayName = a.displayName;
  if (a?.bio) out.bio = a.bio;
  return out;
};
const post = (p: WirePost | undefined): Post => {
  const out: Post = { id: p?.id ?? '', author: p?.author ?? '', text: p?.text ?? '', createdAtMs: p?.createdAtMs ?? 0 };
  if (!p) return out;
  if (p.inReplyToId) out.inReplyToId = p.inReplyToId;
  if (p.inReplyToAuthor) out.inReplyToAuthor = p.inReplyToAuthor;
  if (p.reblogOf) out.reblogOf = p.reblogOf;
  if (p.mentions.length > 0) out.mentions = p.mentions;
  if (p.tags.length > 0) out.tags = p.tags;
  return out;
};
const postView = (v: WirePostView): PostView => ({
  post: post(v.post),
  replies: v.replies,
  reblogs: v.reblogs,
  favourites: v.favourites,
  favourited: v.favourited,
  reblogged: v.reblogged,
});
const profile = (r: GetProfileResponse): Profile => ({
  account: account(r.account),
  followers: r.followers,
  following: r.following,
  posts: r.posts,
});
/** A missing message is a service that broke its contract: no answer to make up. */
const present = <T>(message: T | undefined): T => {
  if (message === undefined) throw new DomainError('internal', 'Something went wrong on our side.');
  return message;
};
const acted = (a: WireActedStatus | undefined): ActedStatus => {
  const { viewer, post: p, views, profiles } = present(a);
  return {
    viewer,
    post: p && post(p),
    described: { posts: views.map(postView), profiles: profiles.map(profile) },
  };
};
/** The notification, or nothing for a type this client does not know (a newer service's). */
const knownNotification = (n: WireNotification | undefined): Notification[] => {
  if (n === undefined || !isNotificationType(n.type)) return [];
  const out: Notification = { id: n.id, recipient: n.recipient, type: n.type, actor: n.actor, createdAtMs: n.createdAtMs };
  if (n.postId) out.postId = n.postId;
  return [out];
};
const marker = (m: { lastReadId: string; unread: number }): NotificationMarker => ({ lastReadId: m.lastReadId, unread: m.unread });
const page = <W, T>(items: W[], next: string, convert: (w: W) => T): Page<T> => ({
  items: items.map(convert),
  next: next === '' ? null : next,
});
const wireOptions = (options: PostOptions | undefined): WirePostOptions | undefined =>
  options?.inReplyToId === undefined ? undefined : { inReplyToId: options.inReplyToId };

/** GetProfiles' own limit. */
const MAX_PROFILES = 100;

/** The social service over gRPC; behaves as the Social interface says, plus `unavailable` when no instance answers. */
export class SocialClient implements Social {
  readonly #client: SocialServiceClient;
  readonly #deadlineMs: number;
  readonly #feeds: Batcher<SessionFeedRequest, SessionFeedResult>;
  readonly #posts: Batcher<PostAsSessionRequest, PostAsSessionResult>;
  readonly #actions: Batcher<StatusActionRequest, StatusActionResult>;
  readonly #profiles: Batcher<string, Profile | undefined>;

  /** `identity`: the certificate presented to services that demand one (mutual TLS); plaintext without. */
  constructor(options: { addresses: string[]; deadlineMs: number; identity?: RpcIdentity }) {
    this.#client = new SocialServiceClient(
      channelTarget(options.addresses),
      clientCredentials(options.identity),
      // Reads, and follows whose repetition leaves the same edge. Posts are
      // retried only with an idempotency key, by an Actor's post below.
      channelOptions('chorus.social.v1.SocialService', [
        'GetProfile',
        'GetProfiles',
        'SearchAccounts',
        'ListFollowers',
        'ListFollowing',
        'Follow',
        'Unfollow',
        'IsFollowing',
        'GetPost',
        'ListPosts',
        'PublicTimeline',
        'SessionFeeds',
        // Issue 11: reads, and writes whose repetition leaves the same rows
        // (each is idempotent per actor and target; a repeated reblog
        // answers the first one).
        'DescribePosts',
        'GetThread',
        'GetThreadContext',
        'TagTimeline',
        'FavouritedBy',
        'RebloggedBy',
        'ListFavourites',
        'ListNotifications',
        'GetNotification',
        'NotificationMarker',
        'ListBlocks',
        'ListMutes',
        'Relationships',
        'UpdateProfile',
        'StatusActions',
        'DismissNotification',
        'ClearNotifications',
        'MarkNotificationsRead',
        'Block',
        'Unblock',
        'Mute',
        'Unmute',
      ]),
    );
    this.#deadlineMs = options.deadlineMs;
    this.#feeds = new Batcher(async (requests) => (await this.#call(this.#client.sessionFeeds, { requests })).results);
    this.#posts = new Batcher(async (requests) => (await this.#call(this.#client.postsAsSession, { requests })).results);
    this.#actions = new Batcher(async (requests) => (await this.#call(this.#client.statusActions, { requests })).results);
    this.#profiles = new Batcher(async (names) => {
      const found = await this.getProfiles([...new Set(names)]);
      const byName = new Map(found.map((p) => [p.account.username, p]));
      return names.map((name) => byName.get(name));
    }, MAX_PROFILES);
  }

  #call<Req, Res>(method: Parameters<typeof callUnary<Req, Res>>[1], request: Req): Promise<Res> {
    return callUnary(this.#client, method, request, this.#deadlineMs);
  }

  /**
   * Batched: the profile reads of one event-loop turn travel in one
   * GetProfiles call (one consistent read, started after each of them
   * was asked for), as the home timelines travel in SessionFeeds.
   */
  async getProfile(username: string): Promise<Profile> {
    const name = lookupUsername(username);
    const found = await this.#profiles.call(name);
    if (!found) throw new DomainError('not_found', 'No such user.');
    return found;
  }

  async getProfiles(usernames: readonly string[]): Promise<Profile[]> {
    return (await this.#call(this.#client.getProfiles, { usernames: [...usernames] })).profiles.map(profile);
  }

  async searchAccounts(prefix: string, limit = 0): Promise<Account[]> {
    const r = await this.#call(this.#client.searchAccounts, { prefix, limit });
    return r.accounts.map(account);
  }

  async listFollowers(username: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.listFollowers, { username, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async listFollowing(username: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.listFollowing, { username, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async isFollowing(follower: string, followee: string): Promise<boolean> {
    return (await this.#call(this.#client.isFollowing, { follower, followee })).following;
  }

  async getPost(id: string): Promise<Post> {
    return post((await this.#call(this.#client.getPost, { id })).post);
  }

  listPosts(author: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.#reader('').listPosts(author, limit, cursor);
  }

  publicTimeline(limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.#reader('').publicTimeline(limit, cursor);
  }

  tagTimeline(tag: string, limit?: number, cursor?: string): Promise<Page<Post>> {
    return this.#reader('').tagTimeline(tag, limit, cursor);
  }

  getThread(postId: string): Promise<Thread> {
    return this.#reader('').getThread(postId);
  }

  threadContext(postId: string): Promise<ThreadContext> {
    return this.#reader('').threadContext(postId);
  }

  describePosts(postIds: readonly string[], options?: DescribeOptions): Promise<PostDescriptions> {
    return this.#reader('').describePosts(postIds, options);
  }

  async favouritedBy(postId: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.favouritedBy, { postId, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async rebloggedBy(postId: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.rebloggedBy, { postId, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  /**
   * One WatchPosts stream to one instance. It ends (`unavailable`) when
   * that instance restarts or drains; the caller subscribes again, and the
   * channel then picks a live instance. Events of unknown kinds are skipped.
   */
  async *watchPosts(signal: AbortSignal): AsyncGenerator<PostEvent> {
    for await (const event of callServerStream(this.#client, this.#client.watchPosts, {}, signal)) {
      if (event.kind === WatchPostsResponse_Kind.KIND_UPDATE && event.post) yield { kind: 'update', post: post(event.post) };
      else if (event.kind === WatchPostsResponse_Kind.KIND_DELETE) yield { kind: 'delete', id: event.postId };
      else if (event.kind === WatchPostsResponse_Kind.KIND_NOTIFICATION) {
        for (const notification of knownNotification(event.notification)) yield { kind: 'notification', notification };
      }
    }
  }

  close(): void {
    this.#client.close();
  }

  /** The Reader calls with `token` (empty: for nobody). */
  #reader(token: string): Reader {
    return {
      listPosts: async (author, limit = 0, cursor = '') => {
        const r = await this.#call(this.#client.listPosts, { author, limit, cursor, token });
        return page(r.posts, r.next, post);
      },
      publicTimeline: async (limit = 0, cursor = '') => {
        const r = await this.#call(this.#client.publicTimeline, { limit, cursor, token });
        return page(r.posts, r.next, post);
      },
      tagTimeline: async (tag, limit = 0, cursor = '') => {
        const r = await this.#call(this.#client.tagTimeline, { tag, limit, cursor, token });
        return page(r.posts, r.next, post);
      },
      getThread: async (postId) => {
        const r = await this.#call(this.#client.getThread, { postId, token });
        return { ancestors: r.ancestors.map(post), descendants: r.descendants.map(post) };
      },
      threadContext: async (postId) => {
        const r = await this.#call(this.#client.getThreadContext, { postId, token });
        const views = r.views.map(postView);
        const byId = new Map<string, Post>(views.map((view) => [view.post.id, view.post]));
        // Each post is sent once, in `views`; one the read did not describe (deleted meanwhile) is left out.
        const posts = (ids: readonly string[]) => ids.flatMap((id) => byId.get(id) ?? []);
        return {
          ancestors: posts(r.ancestorIds),
          descendants: posts(r.descendantIds),
          described: { posts: views, profiles: r.profiles.map(profile) },
          viewer: given(r.viewer),
        };
      },
      describePosts: async (postIds, options) => {
        const r = await this.#call(this.#client.describePosts, {
          postIds: [...postIds],
          token,
          linearizable: options?.linearizable ?? false,
        });
        return { posts: r.posts.map(postView), profiles: r.profiles.map(profile) };
      },
    };
  }

  /** Every call carries the token; the service acts as its owner (Social.as). */
  as(token: string): Actor {
    const call = <Req, Res>(method: Parameters<typeof callUnary<Req & { token: string }, Res>>[1], request: Req) =>
      this.#call(method, { ...request, token });
    const c = this.#client;
    /** Batched like posts: the actions of one event-loop turn travel in one StatusActions call. */
    const act = async (action: StatusActionRequest_Action, postId: string) => {
      const result = await this.#actions.call({ token, action, postId });
      if (result.error) throw fromItemError(result.error);
      return acted(result.status);
    };
    const actor: Actor = {
      ...this.#reader(token),

      /** Batched: the feed requests of one event-loop turn travel in one SessionFeeds call. */
      homeFeed: async (limit = 0, cursor = '') => {
        const result = await this.#feeds.call({ token, limit, cursor });
        if (result.error) throw fromItemError(result.error);
        if (!result.feed) throw new DomainError('internal', 'Something went wrong on our side.');
        const { feed } = result;
        return {
          account: account(feed.account),
          page: page(feed.posts, feed.next, post),
          described: { posts: feed.views.map(postView), profiles: feed.profiles.map(profile) },
        };
      },
      /** Batched like homeFeed: the posts of one event-loop turn travel in one PostsAsSession call. */
      postStatus: (text, idempotencyKey = '', options) => {
        const send = async () => {
          const result = await this.#posts.call({ token, text, idempotencyKey, options: wireOptions(options) });
          if (result.error) throw fromItemError(result.error);
          return acted(result.status);
        };
        return retryWithKey(idempotencyKey, send);
      },
      /** postStatus without the description, which the service sends anyway (one call per kind of request). */
      post: async (text, idempotencyKey, options) => present((await actor.postStatus(text, idempotencyKey, options)).post),
      deletePost: async (id) => {
        await call(c.deletePost, { id });
      },
      follow: async (followee) => {
        await call(c.follow, { followee });
      },
      unfollow: async (followee) => {
        await call(c.unfollow, { followee });
      },
      updateProfile: async (changes: ProfileChanges) => account((await call(c.updateProfile, { ...changes })).account),

      favourite: (postId) => act(StatusActionRequest_Action.ACTION_FAVOURITE, postId),
      unfavourite: (postId) => act(StatusActionRequest_Action.ACTION_UNFAVOURITE, postId),
      reblog: (postId) => act(StatusActionRequest_Action.ACTION_REBLOG, postId),
      unreblog: (postId) => act(StatusActionRequest_Action.ACTION_UNREBLOG, postId),
      listFavourites: async (limit = 0, cursor = '') => {
        const r = await call(c.listFavourites, { limit, cursor });
        return page(r.posts, r.next, post);
      },

      listNotifications: async (query: NotificationQuery = {}) => {
        const r = await call(c.listNotifications, {
          limit: query.limit ?? 0,
          cursor: query.cursor ?? '',
          types: query.types === undefined ? undefined : { types: [...query.types] },
        });
        return { items: r.notifications.flatMap(knownNotification), next: r.next === '' ? null : r.next };
      },
      getNotification: async (id) => {
        const [found] = knownNotification((await call(c.getNotification, { id })).notification);
        if (!found) throw new DomainError('not_found', 'No such notification.');
        return found;
      },
      dismissNotification: async (id) => {
        await call(c.dismissNotification, { id });
      },
      clearNotifications: async () => {
        await call(c.clearNotifications, {});
      },
      notificationMarker: async () => marker(await call(c.notificationMarker, {})),
      markNotificationsRead: async (lastReadId = '') => marker(await call(c.markNotificationsRead, { lastReadId })),

      block: async (target) => {
        await call(c.block, { target });
      },
      unblock: async (target) => {
        await call(c.unblock, { target });
      },
      mute: async (target) => {
        await call(c.mute, { target });
      },
      unmute: async (target) => {
        await call(c.unmute, { target });
      },
      listBlocks: async (limit = 0, cursor = '') => {
        const r = await call(c.listBlocks, { limit, cursor });
        return page(r.accounts, r.next, account);
      },
      listMutes: async (limit = 0, cursor = '') => {
        const r = await call(c.listMutes, { limit, cursor });
        return page(r.accounts, r.next, account);
      },
      relationships: async (targets) => {
        const r = await call(c.relationships, { targets: [...targets] });
        return r.relationships.map((w) => ({
          target: w.target,
          following: w.following,
          followedBy: w.followedBy,
          blocking: w.blocking,
          blockedBy: w.blockedBy,
          muting: w.muting,
        }));
      },
    };
    return actor;
  }
}

/** With an idempotency key the service stores a post once, so an unknown outcome can be asked again. */
async function retryWithKey<T>(idempotencyKey: string, send: () => Promise<T>): Promise<T> {
  const attempts = idempotencyKey === '' ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const retry = attempt < attempts && (error as { code?: string }).code === 'unavailable';
      if (!retry) throw error;
      await sleep(100 * attempt);
    }
  }
}
