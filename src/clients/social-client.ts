import { setTimeout as sleep } from 'node:timers/promises';
import type { Account, Profile } from '../domain/account.js';
import { DomainError } from '../domain/errors.js';
import type { ScopeNeed } from '../domain/oauth.js';
import type { Page } from '../domain/page.js';
import type { Post } from '../domain/post.js';
import type { PostEvent, SessionFeed, Social } from '../domain/social.js';
import {
  type GetProfileResponse,
  type PostAsSessionRequest,
  type PostAsSessionResult,
  type SessionFeedRequest,
  type SessionFeedResult,
  SocialServiceClient,
  WatchPostsResponse_Kind,
  type Account as WireAccount,
  type Post as WirePost,
} from '../gen/chorus/social/v1/social.js';
import { fromItemError } from '../rpc/status.js';
import { callServerStream } from '../rpc/stream.js';
import { clientCredentials, type RpcIdentity } from '../rpc/tls.js';
import { callUnary } from '../rpc/unary.js';
import { Batcher } from './batcher.js';
import { channelOptions, channelTarget } from './channel.js';

const account = (a: WireAccount | undefined): Account => ({ username: a?.username ?? '', createdAtMs: a?.createdAtMs ?? 0 });
const post = (p: WirePost | undefined): Post => ({
  id: p?.id ?? '',
  author: p?.author ?? '',
  text: p?.text ?? '',
  createdAtMs: p?.createdAtMs ?? 0,
});
const profile = (r: GetProfileResponse): Profile => ({
  account: account(r.account),
  followers: r.followers,
  following: r.following,
  posts: r.posts,
});
const page = <W, T>(items: W[], next: string, convert: (w: W) => T): Page<T> => ({
  items: items.map(convert),
  next: next === '' ? null : next,
});

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

  async createPost(author: string, text: string, idempotencyKey = ''): Promise<Post> {
    const send = () => this.#call(this.#client.createPost, { author, text, idempotencyKey });
    return post((await retryWithKey(idempotencyKey, send)).post);
  }

  /** Batched like sessionFeed: the posts of one event-loop turn travel in one PostsAsSession call. */
  async postAsSession(token: string, text: string, idempotencyKey = ''): Promise<Post> {
    const send = async () => {
      const result = await this.#posts.call({ token, text, idempotencyKey });
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

  async listPosts(author: string, limit = 0, cursor = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.listPosts, { author, limit, cursor });
    return page(r.posts, r.next, post);
  }

  /** Batched: the feed requests of one event-loop turn travel in one SessionFeeds call. */
  async sessionFeed(token: string, limit = 0, cursor = '', need?: ScopeNeed): Promise<SessionFeed> {
    const result = await this.#feeds.call({ token, limit, cursor, requiredScope: need ?? '' });
    if (result.error) throw fromItemError(result.error);
    if (!result.feed) throw new DomainError('internal', 'Something went wrong on our side.');
    return { account: account(result.feed.account), page: page(result.feed.posts, result.feed.next, post) };
  }

  async publicTimeline(limit = 0, cursor = ''): Promise<Page<Post>> {
    const r = await this.#call(this.#client.publicTimeline, { limit, cursor });
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
    }
  }

  close(): void {
    this.#client.close();
  }

  // ISSUE-11-STUB: the methods below are placeholders while issue 11 is built on branches; none may remain when it is merged.
  updateProfile(): Promise<never> {
    return notYet();
  }
  describePosts(): Promise<never> {
    return notYet();
  }
  getThread(): Promise<never> {
    return notYet();
  }
  tagTimeline(): Promise<never> {
    return notYet();
  }
  favourite(): Promise<never> {
    return notYet();
  }
  unfavourite(): Promise<never> {
    return notYet();
  }
  reblog(): Promise<never> {
    return notYet();
  }
  unreblog(): Promise<never> {
    return notYet();
  }
  favouritedBy(): Promise<never> {
    return notYet();
  }
  rebloggedBy(): Promise<never> {
    return notYet();
  }
  listFavourites(): Promise<never> {
    return notYet();
  }
  listNotifications(): Promise<never> {
    return notYet();
  }
  getNotification(): Promise<never> {
    return notYet();
  }
  dismissNotification(): Promise<never> {
    return notYet();
  }
  clearNotifications(): Promise<never> {
    return notYet();
  }
  notificationMarker(): Promise<never> {
    return notYet();
  }
  markNotificationsRead(): Promise<never> {
    return notYet();
  }
  block(): Promise<never> {
    return notYet();
  }
  unblock(): Promise<never> {
    return notYet();
  }
  mute(): Promise<never> {
    return notYet();
  }
  unmute(): Promise<never> {
    return notYet();
  }
  listBlocks(): Promise<never> {
    return notYet();
  }
  listMutes(): Promise<never> {
    return notYet();
  }
  relationships(): Promise<never> {
    return notYet();
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

/** ISSUE-11-STUB */
const notYet = (): Promise<never> => Promise.reject(new DomainError('unavailable', 'Not built yet.'));
