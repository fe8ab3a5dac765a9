import { setTimeout as sleep } from 'node:timers/promises';
import type { Account, Profile, ProfileChanges } from '../domain/account.js';
import { DomainError } from '../domain/errors.js';
import { isNotificationType, type Notification, type NotificationQuery } from '../domain/notification.js';
import type { ScopeNeed } from '../domain/oauth.js';
import type { Page } from '../domain/page.js';
import type { Post, PostOptions, PostView } from '../domain/post.js';
import type { NotificationMarker, PostDescriptions, PostEvent, Relationship, SessionFeed, Social, Thread } from '../domain/social.js';
import {
  type GetProfileResponse,
  type PostAsSessionRequest,
  type PostAsSessionResult,
  type SessionFeedRequest,
  type SessionFeedResult,
  SocialServiceClient,
  WatchPostsResponse_Kind,
  type Account as WireAccount,
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

const given = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
const list = (items: string[] | undefined) => (items === undefined || items.length === 0 ? undefined : items);

/** An object without the keys whose value is undefined, so a domain value has absent fields, not undefined ones. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const account = (a: WireAccount | undefined): Account =>
  defined({
    username: a?.username ?? '',
    createdAtMs: a?.createdAtMs ?? 0,
    displayName: given(a?.displayName),
    bio: given(a?.bio),
  });
const post = (p: WirePost | undefined): Post =>
  defined({
    id: p?.id ?? '',
    author: p?.author ?? '',
    text: p?.text ?? '',
    createdAtMs: p?.createdAtMs ?? 0,
    inReplyToId: given(p?.inReplyToId),
    inReplyToAuthor: given(p?.inReplyToAuthor),
    reblogOf: given(p?.reblogOf),
    mentions: list(p?.mentions),
    tags: list(p?.tags),
  });
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
/** The notification, or nothing for a type this client does not know (a newer service's). */
const knownNotification = (n: WireNotification | undefined): Notification[] =>
  n === undefined || !isNotificationType(n.type)
    ? []
    : [defined({ id: n.id, recipient: n.recipient, type: n.type, actor: n.actor, postId: given(n.postId), createdAtMs: n.createdAtMs })];
const marker = (m: { lastReadId: string; unread: number }): NotificationMarker => ({ lastReadId: m.lastReadId, unread: m.unread });
const page = <W, T>(items: W[], next: string, convert: (w: W) => T): Page<T> => ({
  items: items.map(convert),
  next: next === '' ? null : next,
});
const wireOptions = (options: PostOptions | undefined): WirePostOptions | undefined =>
  options?.inReplyToId === undefined ? undefined : { inReplyToId: options.inReplyToId };

/** The social service over gRPC; behaves as the Social interface says, plus `unavailable` when no instance answers. */
export class SocialClient implements Social {
  readonly #client: SocialServiceClient;
  readonly #deadlineMs: number;
  readonly #feeds: Batcher<SessionFeedRequest, SessionFeedResult>;
  readonly #posts: Batcher<PostAsSessionRequest, PostAsSessionResult>;

  /** `identity`: the certificate presented to services that demand one (mutual TLS); plaintext without. */
  constructor(options: { addresses: string[]; deadlineMs: number; identity?: RpcIdentity }) {
    this.#client = new SocialServiceClient(
      channelTarget(options.addresses),
      clientCredentials(options.identity),
      // Reads, and follows whose repetition leaves the same edge. Posts are
      // retried only with an idempotency key, by createPost below.
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
        'Favourite',
        'Unfavourite',
        'Reblog',
        'Unreblog',
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
  }

  #call<Req, Res>(method: Parameters<typeof callUnary<Req, Res>>[1], request: Req): Promise<Res> {
    return callUnary(this.#client, method, request, this.#deadlineMs);
  }

  async getProfile(username: string): Promise<Profile> {
    return profile(await this.#call(this.#client.getProfile, { username }));
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

  async follow(follower: string, followee: string): Promise<void> {
    await this.#call(this.#client.follow, { follower, followee });
  }

  async unfollow(follower: string, followee: string): Promise<void> {
    await this.#call(this.#client.unfollow, { follower, followee });
  }

  async isFollowing(follower: string, followee: string): Promise<boolean> {
    return (await this.#call(this.#client.isFollowing, { follower, followee })).following;
  }

  async createPost(author: string, text: string, idempotencyKey = '', options?: PostOptions): Promise<Post> {
    const send = () => this.#call(this.#client.createPost, { author, text, idempotencyKey, options: wireOptions(options) });
    return post((await retryWithKey(idempotencyKey, send)).post);
  }

  /** Batched like sessionFeed: the posts of one event-loop turn travel in one PostsAsSession call. */
  async postAsSession(token: string, text: string, idempotencyKey = '', options?: PostOptions): Promise<Post> {
    const send = async () => {
      const result = await this.#posts.call({ token, text, idempotencyKey, options: wireOptions(options) });
      if (result.error) throw fromItemError(result.error);
      return post(result.post);
    };
    return retryWithKey(idempotencyKey, send);
  }

  async getPost(id: string): Promise<Post> {
    return post((await this.#call(this.#client.getPost, { id })).post);
  }

  async deletePost(id: string, actor: string): Promise<void> {
    await this.#call(this.#client.deletePost, { id, actor });
  }

  async listPosts(author: string, limit = 0, cursor = '', viewer = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.listPosts, { author, limit, cursor, viewer });
    return page(r.posts, r.next, post);
  }

  /** Batched: the feed requests of one event-loop turn travel in one SessionFeeds call. */
  async sessionFeed(token: string, limit = 0, cursor = '', need?: ScopeNeed): Promise<SessionFeed> {
    const result = await this.#feeds.call({ token, limit, cursor, requiredScope: need ?? '' });
    if (result.error) throw fromItemError(result.error);
    if (!result.feed) throw new DomainError('internal', 'Something went wrong on our side.');
    return { account: account(result.feed.account), page: page(result.feed.posts, result.feed.next, post) };
  }

  async publicTimeline(limit = 0, cursor = '', viewer = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.publicTimeline, { limit, cursor, viewer });
    return page(r.posts, r.next, post);
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

  async updateProfile(username: string, changes: ProfileChanges): Promise<Account> {
    return account((await this.#call(this.#client.updateProfile, { username, ...changes })).account);
  }

  async describePosts(postIds: readonly string[], viewer = ''): Promise<PostDescriptions> {
    const r = await this.#call(this.#client.describePosts, { postIds: [...postIds], viewer });
    return { posts: r.posts.map(postView), profiles: r.profiles.map(profile) };
  }

  async getThread(postId: string, viewer = ''): Promise<Thread> {
    const r = await this.#call(this.#client.getThread, { postId, viewer });
    return { ancestors: r.ancestors.map(post), descendants: r.descendants.map(post) };
  }

  async tagTimeline(tag: string, limit = 0, cursor = '', viewer = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.tagTimeline, { tag, limit, cursor, viewer });
    return page(r.posts, r.next, post);
  }

  async favourite(actor: string, postId: string): Promise<void> {
    await this.#call(this.#client.favourite, { actor, postId });
  }

  async unfavourite(actor: string, postId: string): Promise<void> {
    await this.#call(this.#client.unfavourite, { actor, postId });
  }

  async reblog(actor: string, postId: string): Promise<Post> {
    return post((await this.#call(this.#client.reblog, { actor, postId })).post);
  }

  async unreblog(actor: string, postId: string): Promise<void> {
    await this.#call(this.#client.unreblog, { actor, postId });
  }

  async favouritedBy(postId: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.favouritedBy, { postId, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async rebloggedBy(postId: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.rebloggedBy, { postId, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async listFavourites(actor: string, limit = 0, cursor = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.listFavourites, { actor, limit, cursor });
    return page(r.posts, r.next, post);
  }

  async listNotifications(recipient: string, query: NotificationQuery = {}): Promise<Page<Notification>> {
    const r = await this.#call(this.#client.listNotifications, {
      recipient,
      limit: query.limit ?? 0,
      cursor: query.cursor ?? '',
      types: query.types === undefined ? undefined : { types: [...query.types] },
    });
    return { items: r.notifications.flatMap(knownNotification), next: r.next === '' ? null : r.next };
  }

  async getNotification(recipient: string, id: string): Promise<Notification> {
    const [found] = knownNotification((await this.#call(this.#client.getNotification, { recipient, id })).notification);
    if (!found) throw new DomainError('not_found', 'No such notification.');
    return found;
  }

  async dismissNotification(recipient: string, id: string): Promise<void> {
    await this.#call(this.#client.dismissNotification, { recipient, id });
  }

  async clearNotifications(recipient: string): Promise<void> {
    await this.#call(this.#client.clearNotifications, { recipient });
  }

  async notificationMarker(recipient: string): Promise<NotificationMarker> {
    return marker(await this.#call(this.#client.notificationMarker, { recipient }));
  }

  async markNotificationsRead(recipient: string, lastReadId = ''): Promise<NotificationMarker> {
    return marker(await this.#call(this.#client.markNotificationsRead, { recipient, lastReadId }));
  }

  async block(actor: string, target: string): Promise<void> {
    await this.#call(this.#client.block, { actor, target });
  }

  async unblock(actor: string, target: string): Promise<void> {
    await this.#call(this.#client.unblock, { actor, target });
  }

  async mute(actor: string, target: string): Promise<void> {
    await this.#call(this.#client.mute, { actor, target });
  }

  async unmute(actor: string, target: string): Promise<void> {
    await this.#call(this.#client.unmute, { actor, target });
  }

  async listBlocks(actor: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.listBlocks, { actor, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async listMutes(actor: string, limit = 0, cursor = ''): Promise<Page<Account>> {
    const r = await this.#call(this.#client.listMutes, { actor, limit, cursor });
    return page(r.accounts, r.next, account);
  }

  async relationships(actor: string, targets: readonly string[]): Promise<Relationship[]> {
    const r = await this.#call(this.#client.relationships, { actor, targets: [...targets] });
    return r.relationships.map((w) => ({
      target: w.target,
      following: w.following,
      followedBy: w.followedBy,
      blocking: w.blocking,
      blockedBy: w.blockedBy,
      muting: w.muting,
    }));
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
