import type { Account } from '../../domain/account.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { toDomainError } from '../../domain/errors.js';
import type { Social } from '../../domain/social.js';
import {
  SocialServiceService,
  type SessionFeedRequest,
  type SessionFeedResponse,
  type SocialServiceServer,
} from '../../gen/chorus/social/v1/social.js';
import type { GrpcService } from '../../rpc/server.js';
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
  const sessionFeed = async (r: SessionFeedRequest): Promise<SessionFeedResponse> => {
    if (r.asJson) {
      const feed = await social.sessionFeedJson(r.token, limit(r.limit), cursor(r.cursor));
      return { account: account(feed.account), posts: [], next: feed.next ?? '', postsJson: feed.postsJson };
    }
    const feed = await social.sessionFeed(r.token, limit(r.limit), cursor(r.cursor));
    return { account: account(feed.account), ...posts(feed.page), postsJson: '' };
  };
  const itemError = (error: unknown) => {
    const domain = toDomainError(error);
    if (domain.code === 'internal') onInternalError(error);
    return { code: domain.code, message: domain.message, field: domain.field ?? '' };
  };
  const u = <Req, Res>(handler: (request: Req) => Promise<Res>) => unary(handler, onInternalError);

  const implementation: SocialServiceServer = {
    getProfile: u(async (r) => {
      const profile = await social.getProfile(r.username);
      return { account: account(profile.account), followers: profile.followers, following: profile.following, posts: profile.posts };
    }),
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
    postAsSession: u(async (r) => ({ post: post(await social.postAsSession(r.token, r.text, cursor(r.idempotencyKey))) })),
    postsAsSession: u(async (r) => ({
      results: await Promise.all(
        r.requests.map((q) =>
          social.postAsSession(q.token, q.text, cursor(q.idempotencyKey)).then(
            (written) => ({ post: post(written) }),
            (error: unknown) => ({ error: itemError(error) }),
          ),
        ),
      ),
    })),
    getPost: u(async (r) => ({ post: post(await social.getPost(r.id)) })),
    deletePost: u(async (r) => {
      await social.deletePost(r.id, r.actor);
      return {};
    }),
    listPosts: u(async (r) => posts(await social.listPosts(r.author, limit(r.limit), cursor(r.cursor)))),
    homeFeed: u(async (r) => posts(await social.homeFeed(r.username, limit(r.limit), cursor(r.cursor)))),
    sessionFeed: u((r) => sessionFeed(r)),
    sessionFeeds: u(async (r) => ({
      results: await Promise.all(
        r.requests.map((q) =>
          sessionFeed(q).then(
            (feed) => ({ feed }),
            (error: unknown) => ({ error: itemError(error) }),
          ),
        ),
      ),
    })),
  };
  return {
    name: 'chorus.social.v1.SocialService',
    definition: SocialServiceService,
    implementation,
    protoFile: 'chorus/social/v1/social.proto',
  };
}
