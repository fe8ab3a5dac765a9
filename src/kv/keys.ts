/**
 * Every key layout of Chorus, in one place. Keys are readable
 * (`etcdctl get --prefix /chorus/v1/accounts/`) and versioned by prefix so a
 * future layout can live beside this one during a migration.
 *
 * Usernames are [a-z0-9_]{3,30} and post ids [0-9a-z]{17}, so no key part
 * can contain '/', and a prefix of one user's keys never matches another's.
 */
export const ROOT = '/chorus/v1/';

export const keys = {
  /** JSON StoredAccount; created once, by a txn that requires version 0 (the username claim). */
  account: (username: string) => `${ROOT}accounts/${username}`,
  accountsPrefix: (usernamePrefix = '') => `${ROOT}accounts/${usernamePrefix}`,

  /** JSON StoredSession, on the session's lease; the id is the SHA-256 of the token. */
  session: (tokenHash: string) => `${ROOT}sessions/${tokenHash}`,
  /** The same lease id as the session, so a user's sessions can be listed and revoked. */
  userSession: (username: string, tokenHash: string) => `${ROOT}user-sessions/${username}/${tokenHash}`,
  userSessionsPrefix: (username: string) => `${ROOT}user-sessions/${username}/`,

  /** Both directions of a follow edge are written in one txn; value: follow time (ms). */
  following: (follower: string, followee: string) => `${ROOT}following/${follower}/${followee}`,
  followingPrefix: (follower: string) => `${ROOT}following/${follower}/`,
  follower: (followee: string, follower: string) => `${ROOT}followers/${followee}/${follower}`,
  followersPrefix: (followee: string) => `${ROOT}followers/${followee}/`,

  /** JSON Post, under its author, in newest-first order of post ids. */
  authorPost: (author: string, postId: string) => `${ROOT}posts-by/${author}/${postId}`,
  authorPostsPrefix: (author: string) => `${ROOT}posts-by/${author}/`,
  /** The post's author: the index from a bare id to authorPost. */
  post: (postId: string) => `${ROOT}posts/${postId}`,
  /** An attempt counter of one throttling window, on a lease that outlives the window. */
  throttle: (rule: string, subject: string, windowStart: number) =>
    `${ROOT}throttle/${rule}/${encodeURIComponent(subject)}/${windowStart}`,

  /**
   * Written by a reader whose watch-fed view waits for a revision that
   * touched nothing under ROOT: the write's own event moves the view past it.
   */
  fence: () => `${ROOT}fence`,

  /** JSON Post as first stored; written in the same txn as the post, kept after a delete. */
  idempotency: (author: string, idempotencyKey: string) =>
    `${ROOT}idempotency/${author}/${encodeURIComponent(idempotencyKey)}`,
} as const;

/** The last path segment of a key (a username or post id in the layouts above). */
export function lastSegment(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
