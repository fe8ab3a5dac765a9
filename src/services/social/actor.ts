import { lookupUsername } from '../../domain/account.js';
import { guard } from '../../domain/errors.js';
import { parsePageRequest } from '../../domain/page.js';
import { isPostId } from '../../domain/post.js';
import { ACTOR_SCOPES, type Actor } from '../../domain/social.js';
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
import { favouriteInOneTxn, type ReactionHints, reblogInOneTxn, unfavouriteInOneTxn, unreblogInOneTxn } from './one-txn-reactions.js';
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
  /** The watch-fed view's knowledge, possibly lagging, for reactions in one txn (one-txn-reactions.ts); none without a view. */
  hints?: ReactionHints;
}

/**
 * Social's Actor over the service: every method first learns who acts
 * from `identity` (a token's owner, checked for the method's scopes in
 * ACTOR_SCOPES), then does what the service's action modules do for that
 * account. Throws only DomainError.
 */
export function serviceActor({ store, readStore, now, random, reads: readsNow, hints }: ActorContext, identity: Identity): Actor {
  /** Runs `act` as the identity, if it holds one of the method's scopes; its reads at `consistency`. */
  const as = <T>(
    method: keyof typeof ACTOR_SCOPES,
    act: (who: Acting) => Promise<T>,
    consistency: ReadConsistency = 'acknowledged',
  ): Promise<T> => guard(async () => act(await identity.resolve(ACTOR_SCOPES[method], consistency)));
  /**
   * Tries `attempt` (one txn, from the view's hints and the claimed
   * session) and, when it is not done, runs `careful` as `as` would: a
   * refused claim or a failed compare goes to the careful path, whose
   * fresh reads give the outcome or error.
   */
  const oneTxnOr = <T>(
    method: keyof typeof ACTOR_SCOPES,
    attempt: (claim: Claim, hints: ReactionHints) => Promise<{ value: T } | undefined>,
    careful: (who: Acting) => Promise<T>,
  ): Promise<T> =>
    guard(async () => {
      if (hints) {
        const claim = await identity.claim(ACTOR_SCOPES[method]).catch(() => undefined);
        const done = claim && (await attempt(claim, hints));
        if (done) return done.value;
      }
      return as(method, careful);
    });
  const doneIf = async (done: Promise<boolean>) => ((await done) ? { value: undefined } : undefined);
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
        return createPost(store, now, random, username, text, idempotencyKey, sessionTokenHash, options);
      }),
    deletePost: (id) => as('deletePost', (who) => deletePost(store, id, who.username)),
    follow: (followee) => as('follow', (who) => follow(store, now, who.username, followee)),
    unfollow: (followee) => as('unfollow', (who) => unfollow(store, who.username, followee)),
    updateProfile: (changes) => as('updateProfile', (who) => updateProfile(store, who.username, changes)),

    favourite: (postId) =>
      oneTxnOr(
        'favourite',
        (claim, known) => doneIf(favouriteInOneTxn(store, now, known, claim, postId)),
        (who) => favourite(store, now, who.username, postId),
      ),
    unfavourite: (postId) =>
      oneTxnOr(
        'unfavourite',
        (claim, known) => doneIf(unfavouriteInOneTxn(store, known, claim, postId)),
        (who) => unfavourite(store, who.username, postId),
      ),
    reblog: (postId) =>
      oneTxnOr(
        'reblog',
        async (claim, known) => {
          const post = await reblogInOneTxn(store, now, random, known, claim, postId);
          return post && { value: post };
        },
        (who) => reblog(store, now, random, who.username, postId),
      ),
    unreblog: (postId) =>
      oneTxnOr(
        'unreblog',
        (claim, known) => doneIf(unreblogInOneTxn(store, known, claim, postId)),
        (who) => unreblog(store, who.username, postId),
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
