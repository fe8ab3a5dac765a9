import { lookupUsername } from '../../domain/account.js';
import { guard } from '../../domain/errors.js';
import { parsePageRequest } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import { isPostId } from '../../domain/post.js';
import { ACTOR_SCOPES, type ActedStatus, type Actor } from '../../domain/social.js';
import type { Store } from '../store.js';
import { noSuchUser } from './accounts.js';
import { block, listBlocks, listMutes, mute, relationships, unblock, unmute } from './blocks.js';
import { describePosts } from './describe.js';
import { follow, unfollow } from './follows.js';
import type { Acting, Claim, Identity } from './identity.js';
import {
  clearNotifications,
  dismissNotification,
  getNotification,
  listNotifications,
  markNotificationsRead,
  notificationMarker,
} from './notifications.js';
import {
  type DoneInOneTxn,
  favouriteInOneTxn,
  type ReactionHints,
  reblogInOneTxn,
  unfavouriteInOneTxn,
  unreblogInOneTxn,
} from './one-txn-reactions.js';
import { createPost, deletePost } from './posts.js';
import { updateProfile } from './profiles.js';
import { favourite, reblog, unfavourite, unreblog } from './reactions.js';
import { found, reader } from './reader.js';
import type { ReadConsistency, SocialReads } from './reads.js';
import { favouritesOf, homeFeed } from './timelines.js';

/** What an Actor's actions need of the service besides who acts. */
export interface ActorContext {
  store: Store;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Uniform in [0, 1), for post ids. */
  random: () => number;
  /** Where a read after a write reads (SocialService.reads, `acknowledged`), so it sees the write. */
  reads: () => Promise<SocialReads>;
  /** The store for the reads that go to it rather than to SocialReads (lists of blocks and mutes): SocialService's floor-moving one. */
  readStore: Store;
  /**
   * Where a read reads that must reflect the store at `revision` (a
   * write's own, known from its txn): as `reads`, without its quorum read.
   */
  readsAt: (revision: number) => Promise<SocialReads>;
  /** The watch-fed view's knowledge, possibly lagging, for reactions in one txn (one-txn-reactions.ts); none without a view. */
  hints?: ReactionHints;
}

/**
 * Social's Actor over the service: every method first learns who acts
 * from `identity` (a token's owner, checked for the method's scopes in
 * ACTOR_SCOPES), then does what the service's action modules do for that
 * account. Throws only DomainError.
 */
export function serviceActor({ store, readStore, now, random, reads: readsNow, readsAt, hints }: ActorContext, identity: Identity): Actor {
  /** Runs `act` as the identity, if it holds one of the method's scopes; its reads at `consistency`. */
  const as = <T>(
    method: keyof typeof ACTOR_SCOPES,
    act: (who: Acting) => Promise<T>,
    consistency: ReadConsistency = 'acknowledged',
  ): Promise<T> => guard(async () => act(await identity.resolve(ACTOR_SCOPES[method], consistency)));
  /**
   * The status `done` names, described for `actor` from a read that
   * reflects the action: at the revision of the action's own txn when it
   * is known, else a fresh read (the careful paths, which read before
   * they write). The post itself when the action made it, else as read.
   */
  const acted = async (actor: string, done: { id: string; post?: Post; revision?: number }): Promise<ActedStatus> => {
    const viewer = lookupUsername(actor);
    const reads = done.revision === undefined ? await readsNow() : await readsAt(done.revision);
    const described = await describePosts(reads, [done.id], viewer);
    return { viewer, post: done.post ?? described.posts.find((view) => view.post.id === done.id)?.post, described };
  };
  /**
   * Tries `attempt` (one txn, from the view's hints and the claimed
   * session) and, when it is not done, runs `careful` as `as` would: a
   * refused claim or a failed compare goes to the careful path, whose
   * fresh reads give the outcome or error. Either way answers the status
   * the action concerns (acted).
   */
  const oneTxnOr = (
    method: keyof typeof ACTOR_SCOPES,
    attempt: (claim: Claim, hints: ReactionHints) => Promise<DoneInOneTxn | undefined>,
    careful: (who: Acting) => Promise<{ id: string; post?: Post }>,
  ): Promise<ActedStatus> =>
    guard(async () => {
      if (hints) {
        const claim = await identity.claim(ACTOR_SCOPES[method]).catch(() => undefined);
        const done = claim && (await attempt(claim, hints));
        if (claim && done) return acted(claim.username, done);
      }
      return as(method, async (who) => acted(who.username, await careful(who)));
    });
  const idOnly = async (id: Promise<string>) => ({ id: await id });
  const viewing = async (consistency: ReadConsistency) => {
    const who = await identity.resolve([], consistency);
    return { reads: await who.reads(), viewer: lookupUsername(who.username) };
  };
  return {
    ...reader(viewing),

    homeFeed: (limit, cursor) =>
      as('homeFeed', async (who) => {
        const page = parsePageRequest(limit, cursor, isPostId);
        const reads = await who.reads();
        const username = lookupUsername(who.username);
        const [feed, account] = await Promise.all([
          homeFeed(reads, username, page),
          who.account ?? reads.profile(username).then((profile) => profile?.account),
        ]);
        // A live session's account is there: deleting an account ends its sessions first (account-deletion.ts).
        const served = found(feed, noSuchUser);
        // From the same reads as the feed: one consistent read serves the page and its rendering.
        const described = await describePosts(
          reads,
          served.items.map((post) => post.id),
          username,
        );
        return { account: found(account, noSuchUser), page: served, described };
      }),
    post: (text, idempotencyKey, options) =>
      guard(async () => {
        const { username, sessionTokenHash } = await identity.claim(ACTOR_SCOPES.post);
        return (await createPost(store, now, random, username, text, idempotencyKey, sessionTokenHash, options)).post;
      }),
    postStatus: (text, idempotencyKey, options) =>
      guard(async () => {
        const { username, sessionTokenHash } = await identity.claim(ACTOR_SCOPES.postStatus);
        const stored = await createPost(store, now, random, username, text, idempotencyKey, sessionTokenHash, options);
        return acted(username, { id: stored.post.id, post: stored.post, revision: stored.revision });
      }),
    deletePost: (id) => as('deletePost', (who) => deletePost(store, id, who.username)),
    follow: (followee) => as('follow', (who) => follow(store, now, who.username, followee)),
    unfollow: (followee) => as('unfollow', (who) => unfollow(store, who.username, followee)),
    updateProfile: (changes) => as('updateProfile', (who) => updateProfile(store, who.username, changes)),

    favourite: (postId) =>
      oneTxnOr(
        'favourite',
        (claim, known) => favouriteInOneTxn(store, now, known, claim, postId),
        (who) => idOnly(favourite(store, now, who.username, postId)),
      ),
    unfavourite: (postId) =>
      oneTxnOr(
        'unfavourite',
        (claim, known) => unfavouriteInOneTxn(store, known, claim, postId),
        (who) => idOnly(unfavourite(store, who.username, postId)),
      ),
    reblog: (postId) =>
      oneTxnOr(
        'reblog',
        (claim, known) => reblogInOneTxn(store, now, random, known, claim, postId),
        async (who) => {
          const post = await reblog(store, now, random, who.username, postId);
          return { id: post.id, post };
        },
      ),
    unreblog: (postId) =>
      oneTxnOr(
        'unreblog',
        (claim, known) => unreblogInOneTxn(store, known, claim, postId),
        (who) => idOnly(unreblog(store, who.username, postId)),
      ),
    listFavourites: (limit, cursor) =>
      as('listFavourites', async (who) => {
        const name = lookupUsername(who.username);
        const page = parsePageRequest(limit, cursor, isPostId);
        return favouritesOf(await who.reads(), name, page);
      }),

    listNotifications: (query) => as('listNotifications', (who) => listNotifications(who.reads, who.username, query)),
    getNotification: (id) => as('getNotification', (who) => getNotification(who.reads, who.username, id)),
    dismissNotification: (id) => as('dismissNotification', (who) => dismissNotification(store, who.username, id)),
    clearNotifications: () => as('clearNotifications', (who) => clearNotifications(store, who.username)),
    notificationMarker: () => as('notificationMarker', (who) => notificationMarker(who.reads, who.username)),
    markNotificationsRead: (lastReadId) =>
      as('markNotificationsRead', (who) => markNotificationsRead(store, readsNow, who.username, lastReadId)),

    block: (target) => as('block', (who) => block(store, now, who.username, target)),
    unblock: (target) => as('unblock', (who) => unblock(store, who.username, target)),
    mute: (target) => as('mute', (who) => mute(store, now, who.username, target)),
    unmute: (target) => as('unmute', (who) => unmute(store, who.username, target)),
    listBlocks: (limit, cursor) => as('listBlocks', (who) => listBlocks(readStore, who.username, limit, cursor)),
    listMutes: (limit, cursor) => as('listMutes', (who) => listMutes(readStore, who.username, limit, cursor)),
    // A register a client reads back (is this edge or block there?): linearizable.
    relationships: (targets) => as('relationships', (who) => relationships(who.reads, who.username, targets), 'linearizable'),
  };
}
