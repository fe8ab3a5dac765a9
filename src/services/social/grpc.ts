import { status } from '@grpc/grpc-js';
import type { Account, Profile, ProfileChanges } from '../../domain/account.js';
import { invalid } from '../../domain/errors.js';
import { isNotificationType, type Notification, type NotificationType } from '../../domain/notification.js';
import type { Page } from '../../domain/page.js';
import type { Post, PostOptions, PostView } from '../../domain/post.js';
import type { ActedStatus, Actor, NotificationMarker, Reader, Relationship, Social } from '../../domain/social.js';
import {
  type ItemError,
  type NotificationTypes,
  type SocialServiceServer,
  SocialServiceService,
  StatusActionRequest_Action,
  type WatchPostsResponse,
  WatchPostsResponse_Kind,
  type Account as WireAccount,
  type ActedStatus as WireActedStatus,
  type Notification as WireNotification,
  type Post as WirePost,
  type PostOptions as WirePostOptions,
  type PostView as WirePostView,
} from '../../gen/chorus/social/v1/social.js';
import type { GrpcService } from '../../rpc/server.js';
import { toItemError } from '../../rpc/status.js';
import { serverStream } from '../../rpc/stream.js';
import { unary } from '../../rpc/unary.js';

/**
 * The gRPC adapter of the social service. It is given a Social, whose
 * only way to act for a person is `as(token)`: every call that acts, or
 * reads as someone, passes the request's token and never a username.
 * proto3 cannot tell an absent field from its zero value, so limit 0 and
 * an empty cursor, token, id or option mean "not given"; an absent domain
 * field is sent as its zero value.
 */
export function socialGrpcService(social: Social, onInternalError: (error: unknown) => void): GrpcService {
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
  /** A write answered with an empty message. */
  const done = <Req>(write: (request: Req) => Promise<void>) =>
    u(async (request: Req) => {
      await write(request);
      return {};
    });
  /** Aborted when the server drains: open streams end with UNAVAILABLE so callers move to another instance. */
  const draining = new AbortController();

  /** The token's owner, for a call that acts: a missing token is refused like a bad one. */
  const actor = (token: string) => social.as(token);
  /** Who reads: the token's owner when one is sent, else nobody. */
  const reader = (token: string): Reader => (token === '' ? social : social.as(token));

  const implementation: SocialServiceServer = {
    getProfile: u(async (r) => profile(await social.getProfile(r.username))),
    getProfiles: u(async (r) => ({ profiles: (await social.getProfiles(r.usernames)).map(profile) })),
    searchAccounts: u(async (r) => ({ accounts: (await social.searchAccounts(r.prefix, limit(r.limit))).map(account) })),
    listFollowers: u(async (r) => accounts(await social.listFollowers(r.username, limit(r.limit), given(r.cursor)))),
    listFollowing: u(async (r) => accounts(await social.listFollowing(r.username, limit(r.limit), given(r.cursor)))),
    follow: done((r) => actor(r.token).follow(r.followee)),
    unfollow: done((r) => actor(r.token).unfollow(r.followee)),
    isFollowing: u(async (r) => ({ following: await social.isFollowing(r.follower, r.followee) })),
    postsAsSession: u(async (r) => {
      const results = await each(r.requests, (q) => actor(q.token).postStatus(q.text, given(q.idempotencyKey), postOptions(q.options)));
      return { results: results.map((result) => ('ok' in result ? { status: acted(result.ok) } : result)) };
    }),
    getPost: u(async (r) => ({ post: post(await social.getPost(r.id)) })),
    deletePost: done((r) => actor(r.token).deletePost(r.id)),
    listPosts: u(async (r) => posts(await reader(r.token).listPosts(r.author, limit(r.limit), given(r.cursor)))),
    sessionFeeds: u(async (r) => {
      const results = await each(r.requests, (q) => actor(q.token).homeFeed(limit(q.limit), given(q.cursor)));
      return {
        results: results.map((result) =>
          'ok' in result
            ? {
                feed: {
                  account: account(result.ok.account),
                  ...posts(result.ok.page),
                  views: result.ok.described.posts.map(postView),
                  profiles: result.ok.described.profiles.map(profile),
                },
              }
            : result,
        ),
      };
    }),
    publicTimeline: u(async (r) => posts(await reader(r.token).publicTimeline(limit(r.limit), given(r.cursor)))),
    watchPosts: serverStream(
      async function* (_request, signal): AsyncGenerator<WatchPostsResponse> {
        const none = { post: undefined, postId: '', notification: undefined };
        for await (const event of social.watchPosts(signal)) {
          if (event.kind === 'update')
            yield { ...none, kind: WatchPostsResponse_Kind.KIND_UPDATE, post: post(event.post), postId: event.post.id };
          else if (event.kind === 'delete') yield { ...none, kind: WatchPostsResponse_Kind.KIND_DELETE, postId: event.id };
          else yield { ...none, kind: WatchPostsResponse_Kind.KIND_NOTIFICATION, notification: notification(event.notification) };
        }
      },
      onInternalError,
      draining.signal,
    ),

    updateProfile: u(async (r) => ({ account: account(await actor(r.token).updateProfile(profileChanges(r))) })),
    describePosts: u(async (r) => {
      const described = await reader(r.token).describePosts(r.postIds, r.linearizable ? { linearizable: true } : undefined);
      return { posts: described.posts.map(postView), profiles: described.profiles.map(profile) };
    }),
    getThread: u(async (r) => {
      const thread = await reader(r.token).getThread(r.postId);
      return { ancestors: thread.ancestors.map(post), descendants: thread.descendants.map(post) };
    }),
    getThreadContext: u(async (r) => {
      const context = await reader(r.token).threadContext(r.postId);
      return {
        ancestorIds: context.ancestors.map((p) => p.id),
        descendantIds: context.descendants.map((p) => p.id),
        views: context.described.posts.map(postView),
        profiles: context.described.profiles.map(profile),
        viewer: context.viewer ?? '',
      };
    }),
    tagTimeline: u(async (r) => posts(await reader(r.token).tagTimeline(r.tag, limit(r.limit), given(r.cursor)))),
    statusActions: u(async (r) => {
      const results = await each(r.requests, (q) => statusAction(actor(q.token), q.action, q.postId));
      return { results: results.map((result) => ('ok' in result ? { status: acted(result.ok) } : result)) };
    }),
    favouritedBy: u(async (r) => accounts(await social.favouritedBy(r.postId, limit(r.limit), given(r.cursor)))),
    rebloggedBy: u(async (r) => accounts(await social.rebloggedBy(r.postId, limit(r.limit), given(r.cursor)))),
    listFavourites: u(async (r) => posts(await actor(r.token).listFavourites(limit(r.limit), given(r.cursor)))),

    listNotifications: u(async (r) => {
      const page = await actor(r.token).listNotifications({
        limit: limit(r.limit),
        cursor: given(r.cursor),
        types: notificationTypes(r.types),
      });
      return { notifications: page.items.map(notification), next: page.next ?? '' };
    }),
    getNotification: u(async (r) => ({ notification: notification(await actor(r.token).getNotification(r.id)) })),
    dismissNotification: done((r) => actor(r.token).dismissNotification(r.id)),
    clearNotifications: done((r) => actor(r.token).clearNotifications()),
    notificationMarker: u(async (r) => marker(await actor(r.token).notificationMarker())),
    markNotificationsRead: u(async (r) => marker(await actor(r.token).markNotificationsRead(given(r.lastReadId)))),

    block: done((r) => actor(r.token).block(r.target)),
    unblock: done((r) => actor(r.token).unblock(r.target)),
    mute: done((r) => actor(r.token).mute(r.target)),
    unmute: done((r) => actor(r.token).unmute(r.target)),
    listBlocks: u(async (r) => accounts(await actor(r.token).listBlocks(limit(r.limit), given(r.cursor)))),
    listMutes: u(async (r) => accounts(await actor(r.token).listMutes(limit(r.limit), given(r.cursor)))),
    relationships: u(async (r) => ({ relationships: (await actor(r.token).relationships(r.targets)).map(relationship) })),
  };
  return {
    name: 'chorus.social.v1.SocialService',
    drain: () => draining.abort(),
    definition: SocialServiceService,
    implementation,
    protoFile: 'chorus/social/v1/social.proto',
  };
}

// Domain → wire: an absent optional field is its zero value.

const account = (a: Account): WireAccount => ({
  username: a.username,
  createdAtMs: a.createdAtMs,
  displayName: a.displayName ?? '',
  bio: a.bio ?? '',
});
const post = (p: Post): WirePost => ({
  id: p.id,
  author: p.author,
  text: p.text,
  createdAtMs: p.createdAtMs,
  inReplyToId: p.inReplyToId ?? '',
  inReplyToAuthor: p.inReplyToAuthor ?? '',
  reblogOf: p.reblogOf ?? '',
  mentions: p.mentions ?? [],
  tags: p.tags ?? [],
});
const postView = (v: PostView): WirePostView => ({
  post: post(v.post),
  replies: v.replies,
  reblogs: v.reblogs,
  favourites: v.favourites,
  favourited: v.favourited,
  reblogged: v.reblogged,
});
const profile = (p: Profile) => ({ account: account(p.account), followers: p.followers, following: p.following, posts: p.posts });
const acted = (a: ActedStatus): WireActedStatus => ({
  viewer: a.viewer,
  post: a.post && post(a.post),
  views: a.described.posts.map(postView),
  profiles: a.described.profiles.map(profile),
});
const notification = (n: Notification): WireNotification => ({
  id: n.id,
  recipient: n.recipient,
  type: n.type,
  actor: n.actor,
  postId: n.postId ?? '',
  createdAtMs: n.createdAtMs,
});
const relationship = (r: Relationship) => ({ ...r });
const marker = (m: NotificationMarker) => ({ lastReadId: m.lastReadId, unread: m.unread });
const accounts = (page: Page<Account>) => ({ accounts: page.items.map(account), next: page.next ?? '' });
const posts = (page: Page<Post>) => ({ posts: page.items.map(post), next: page.next ?? '' });

// Wire → domain: a zero value is "not given".

const ACTIONS = {
  [StatusActionRequest_Action.ACTION_FAVOURITE]: 'favourite',
  [StatusActionRequest_Action.ACTION_UNFAVOURITE]: 'unfavourite',
  [StatusActionRequest_Action.ACTION_REBLOG]: 'reblog',
  [StatusActionRequest_Action.ACTION_UNREBLOG]: 'unreblog',
} as const satisfies Partial<Record<StatusActionRequest_Action, keyof Actor>>;

function statusAction(actor: Actor, action: StatusActionRequest_Action, postId: string): Promise<ActedStatus> {
  const method = ACTIONS[action as keyof typeof ACTIONS];
  if (method === undefined) return Promise.reject(invalid('Unknown status action.', 'action'));
  return actor[method](postId);
}

const limit = (n: number) => (n === 0 ? undefined : n);
const given = (s: string) => (s === '' ? undefined : s);
const postOptions = (o: WirePostOptions | undefined): PostOptions | undefined =>
  o === undefined || o.inReplyToId === '' ? undefined : { inReplyToId: o.inReplyToId };
const profileChanges = (r: { displayName?: string | undefined; bio?: string | undefined }): ProfileChanges => ({
  ...(r.displayName === undefined ? {} : { displayName: r.displayName }),
  ...(r.bio === undefined ? {} : { bio: r.bio }),
});
/** Types this service does not know are dropped: asking only for those finds nothing, as Mastodon answers. */
const notificationTypes = (t: NotificationTypes | undefined): NotificationType[] | undefined =>
  t === undefined ? undefined : t.types.filter(isNotificationType);
