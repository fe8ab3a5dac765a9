import { status } from '@grpc/grpc-js';
import type { Account, Profile } from '../../domain/account.js';
import type { ScopeNeed } from '../../domain/oauth.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { Social } from '../../domain/social.js';
import {
  type ItemError,
  type SocialServiceServer,
  SocialServiceService,
  type WatchPostsResponse,
  WatchPostsResponse_Kind,
} from '../../gen/chorus/social/v1/social.js';
import type { GrpcService } from '../../rpc/server.js';
import { toItemError } from '../../rpc/status.js';
import { serverStream } from '../../rpc/stream.js';
import { unary } from '../../rpc/unary.js';

/**
 * The gRPC adapter of the social service. proto3 cannot tell an absent
 * field from its zero value, so limit 0 and cursor "" mean "not given".
 */
export function socialGrpcService(social: Social, onInternalError: (error: unknown) => void): GrpcService {
  const account = (a: Account) => ({ username: a.username, createdAtMs: a.createdAtMs });
  const post = (p: Post) => ({ id: p.id, author: p.author, text: p.text, createdAtMs: p.createdAtMs });
  const accounts = (page: Page<Account>) => ({ accounts: page.items.map(account), next: page.next ?? '' });
  const posts = (page: Page<Post>) => ({ posts: page.items.map(post), next: page.next ?? '' });
  const limit = (n: number) => (n === 0 ? undefined : n);
  const cursor = (c: string) => (c === '' ? undefined : c);
  const scope = (s: string) => (s === '' ? undefined : (s as ScopeNeed));
  const itemError = (error: unknown): ItemError => {
    const item = toItemError(error);
    if (item.code === status.INTERNAL) onInternalError(error);
    return item;
  };
  /** Each item of a batch answered on its own: one item's failure is its own answer, not the call's. */
  const each = <Req, Res>(requests: Req[], handle: (request: Req) => Promise<Res>) =>
    Promise.all(
      requests.map((request) =>
        handle(request).then(
          (ok) => ({ ok }),
          (error: unknown) => ({ error: itemError(error) }),
        ),
      ),
    );
  const u = <Req, Res>(handler: (request: Req) => Promise<Res>) => unary(handler, onInternalError);
  /** Aborted when the server drains: open streams end with UNAVAILABLE so callers move to another instance. */
  const draining = new AbortController();

  const profile = (p: Profile) => ({ account: account(p.account), followers: p.followers, following: p.following, posts: p.posts });

  const implementation: SocialServiceServer = {
    getProfile: u(async (r) => profile(await social.getProfile(r.username))),
    getProfiles: u(async (r) => ({ profiles: (await social.getProfiles(r.usernames)).map(profile) })),
    searchAccounts: u(async (r) => ({ accounts: (await social.searchAccounts(r.prefix, limit(r.limit))).map(account) })),
    listFollowers: u(async (r) => accounts(await social.listFollowers(r.username, limit(r.limit), cursor(r.cursor)))),
    listFollowing: u(async (r) => accounts(await social.listFollowing(r.username, limit(r.limit), cursor(r.cursor)))),
    follow: u(async (r) => {
      await social.follow(r.follower, r.followee);
      return {};
    }),
    unfollow: u(async (r) => {
      await social.unfollow(r.follower, r.followee);
      return {};
    }),
    isFollowing: u(async (r) => ({ following: await social.isFollowing(r.follower, r.followee) })),
    createPost: u(async (r) => ({ post: post(await social.createPost(r.author, r.text, cursor(r.idempotencyKey))) })),
    postsAsSession: u(async (r) => {
      const results = await each(r.requests, (q) => social.postAsSession(q.token, q.text, cursor(q.idempotencyKey)));
      return { results: results.map((result) => ('ok' in result ? { post: post(result.ok) } : result)) };
    }),
    getPost: u(async (r) => ({ post: post(await social.getPost(r.id)) })),
    deletePost: u(async (r) => {
      await social.deletePost(r.id, r.actor);
      return {};
    }),
    listPosts: u(async (r) => posts(await social.listPosts(r.author, limit(r.limit), cursor(r.cursor)))),
    sessionFeeds: u(async (r) => {
      const results = await each(r.requests, (q) => social.sessionFeed(q.token, limit(q.limit), cursor(q.cursor), scope(q.requiredScope)));
      return {
        results: results.map((result) =>
          'ok' in result ? { feed: { account: account(result.ok.account), ...posts(result.ok.page) } } : result,
        ),
      };
    }),
    publicTimeline: u(async (r) => posts(await social.publicTimeline(limit(r.limit), cursor(r.cursor)))),
    watchPosts: serverStream(
      async function* (_request, signal): AsyncGenerator<WatchPostsResponse> {
        for await (const event of social.watchPosts(signal)) {
          if (event.kind === 'notification') continue; // ISSUE-11-STUB: the wire format for notifications comes with the API work.
          yield event.kind === 'update'
            ? { kind: WatchPostsResponse_Kind.KIND_UPDATE, post: post(event.post), postId: event.post.id }
            : { kind: WatchPostsResponse_Kind.KIND_DELETE, post: undefined, postId: event.id };
        }
      },
      onInternalError,
      draining.signal,
    ),
  };
  return {
    name: 'chorus.social.v1.SocialService',
    drain: () => draining.abort(),
    definition: SocialServiceService,
    implementation,
    protoFile: 'chorus/social/v1/social.proto',
  };
}
