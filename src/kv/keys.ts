/**
 * Every key layout of Chorus, in one place. Keys are readable
 * (`etcdctl get --prefix /chorus/v1/accounts/`) and versioned by prefix so a
 * future layout can live beside this one during a migration.
 *
 * A keyspace is a value: the services, the read model and the tools are
 * given one, so a test (or a second tenant of one etcd) can run under a
 * root of its own. `parse` is the inverse of the layouts, so code that
 * reads keys back (the read model's view) never spells a layout again.
 *
 * Usernames are [a-z0-9_]{3,30}, post and notification ids [0-9a-z]{17},
 * tags [a-z0-9_]{1,100} and token hashes base64url without '-', so no key
 * part can contain '/', and a prefix of one user's keys never matches
 * another's.
 */
export const DEFAULT_ROOT = '/chorus/v1/';

/**
 * Every character that can follow a family's prefix in these layouts:
 * usernames, post ids and token hashes are drawn from it, parts joined by
 * '/'. The read model splits big listings by it.
 */
export const KEY_CHARS = '/0123456789_abcdefghijklmnopqrstuvwxyz';

/** The top-level groups of keys under a root, one per kind of record. */
export type Family =
  | 'accounts'
  | 'deleted-accounts'
  | 'sessions'
  | 'user-sessions'
  | 'following'
  | 'followers'
  | 'posts-by'
  | 'posts'
  | 'throttle'
  | 'idempotency'
  | 'fence'
  | 'apps'
  | 'oauth-codes'
  | 'app-tokens'
  | 'replies'
  | 'tags'
  | 'favourites'
  | 'favourites-by'
  | 'reblogs'
  | 'notifications'
  | 'notification-marks'
  | 'blocks'
  | 'blocked-by'
  | 'mutes'
  | 'web-instances';

/** A key read back into its parts; which parts it has depends on its family. */
export type ParsedKey =
  | { family: 'accounts'; username: string }
  | { family: 'deleted-accounts'; username: string }
  | { family: 'sessions'; tokenHash: string }
  | { family: 'user-sessions'; username: string; tokenHash: string }
  | { family: 'following'; follower: string; followee: string }
  | { family: 'followers'; followee: string; follower: string }
  | { family: 'posts-by'; author: string; postId: string }
  | { family: 'posts'; postId: string }
  | { family: 'throttle'; rule: string; subject: string; windowStart: number }
  | { family: 'idempotency'; author: string; idempotencyKey: string }
  | { family: 'fence' }
  | { family: 'apps'; clientId: string }
  | { family: 'oauth-codes'; codeHash: string }
  | { family: 'app-tokens'; tokenHash: string }
  | { family: 'replies'; parentId: string; replyId: string }
  | { family: 'tags'; tag: string; postId: string }
  | { family: 'favourites'; postId: string; actor: string }
  | { family: 'favourites-by'; actor: string; favouriteId: string }
  | { family: 'reblogs'; postId: string; actor: string }
  | { family: 'notifications'; recipient: string; notificationId: string }
  | { family: 'notification-marks'; recipient: string }
  | { family: 'blocks'; blocker: string; blocked: string }
  | { family: 'blocked-by'; blocked: string; blocker: string }
  | { family: 'mutes'; muter: string; muted: string }
  | { family: 'web-instances'; id: string };

export type Keyspace = ReturnType<typeof keyspace>;

/** The layouts under `root`, which must start and end with '/'. */
export function keyspace(root: string = DEFAULT_ROOT) {
  if (!/^\/(?:[\w.-]+\/)+$/.test(root)) throw new Error(`a key root is /-separated and ends with '/': ${JSON.stringify(root)}`);
  const family = (name: Family) => `${root}${name}/`;
  return Object.freeze({
    root,
    /** Every key of one family, for listings and watches. */
    family,

    /** JSON StoredAccount; created once, by a txn that requires version 0 (the username claim). */
    account: (username: string) => `${root}accounts/${username}`,
    accountsPrefix: (usernamePrefix = '') => `${root}accounts/${usernamePrefix}`,
    /**
     * JSON StoredTombstone: written in the txn that deletes accounts/<name>,
     * so every reader of accounts/ sees no account, while sign-up's claim
     * (which also requires this key's version 0) finds the name taken. The
     * account's other rows are then swept in bounded txns
     * (services/social/account-deletion.ts); the tombstone says when that is done.
     */
    deletedAccount: (username: string) => `${root}deleted-accounts/${username}`,
    deletedAccountsPrefix: () => `${root}deleted-accounts/`,

    /** JSON StoredSession, on the session's lease; the id is the SHA-256 of the token. */
    session: (tokenHash: string) => `${root}sessions/${tokenHash}`,
    /** The same lease id as the session, so a user's sessions can be listed and revoked. */
    userSession: (username: string, tokenHash: string) => `${root}user-sessions/${username}/${tokenHash}`,
    userSessionsPrefix: (username: string) => `${root}user-sessions/${username}/`,

    /** Both directions of a follow edge are written in one txn; value: follow time (ms). */
    following: (follower: string, followee: string) => `${root}following/${follower}/${followee}`,
    followingPrefix: (follower: string) => `${root}following/${follower}/`,
    follower: (followee: string, follower: string) => `${root}followers/${followee}/${follower}`,
    followersPrefix: (followee: string) => `${root}followers/${followee}/`,

    /** JSON Post, under its author, in newest-first order of post ids. */
    authorPost: (author: string, postId: string) => `${root}posts-by/${author}/${postId}`,
    authorPostsPrefix: (author: string) => `${root}posts-by/${author}/`,
    /** The post's author: the index from a bare id to authorPost. */
    post: (postId: string) => `${root}posts/${postId}`,

    /** An attempt counter of one throttling window, on a lease that outlives the window. */
    throttle: (rule: string, subject: string, windowStart: number) =>
      `${root}throttle/${rule}/${encodeURIComponent(subject)}/${windowStart}`,

    /**
     * Written by a reader whose watch-fed view waits for a revision that
     * touched nothing under the root: the write's own event moves the view past it.
     */
    fence: () => `${root}fence`,

    /** JSON Post as first stored; written in the same txn as the post, kept after a delete. */
    idempotency: (author: string, idempotencyKey: string) => `${root}idempotency/${author}/${encodeURIComponent(idempotencyKey)}`,
    idempotencyPrefix: (author: string) => `${root}idempotency/${author}/`,

    /** JSON StoredApp: an OAuth client; client ids are lowercase hex. */
    app: (clientId: string) => `${root}apps/${clientId}`,
    /** JSON StoredCode on a short lease; the id is the SHA-256 of the code, deleted by the txn that spends it. */
    oauthCode: (codeHash: string) => `${root}oauth-codes/${codeHash}`,
    /** JSON StoredAppToken on its lease: a client-credentials token, which acts for no account. */
    appToken: (tokenHash: string) => `${root}app-tokens/${tokenHash}`,

    // ----- Conversations, reactions, notifications (issue 11) -----
    // Every row below is written in the same txn as the action it records
    // (and its notification), and deleted in the same txn as its undoing.

    /** A reply's row under the post it answers; value: the reply's author. Deleted with the reply. */
    reply: (parentId: string, replyId: string) => `${root}replies/${parentId}/${replyId}`,
    repliesPrefix: (parentId: string) => `${root}replies/${parentId}/`,
    /** A post's row under each of its tags (lower case, [a-z0-9_]); value: the author. Deleted with the post. */
    tagPost: (tag: string, postId: string) => `${root}tags/${tag}/${postId}`,
    tagPrefix: (tag: string) => `${root}tags/${tag}/`,
    /** The favourite itself, once per (post, actor): its existence is the idempotency check; value: favourite time (ms). */
    favourite: (postId: string, actor: string) => `${root}favourites/${postId}/${actor}`,
    favouritesPrefix: (postId: string) => `${root}favourites/${postId}/`,
    /** The actor's favourites, most recent first: favouriteId = derivedId(time, actor/postId); value: the post id. */
    actorFavourite: (actor: string, favouriteId: string) => `${root}favourites-by/${actor}/${favouriteId}`,
    actorFavouritesPrefix: (actor: string) => `${root}favourites-by/${actor}/`,
    /** A reblog, once per (original, actor); value: the reblog's own post id. */
    reblog: (postId: string, actor: string) => `${root}reblogs/${postId}/${actor}`,
    reblogsPrefix: (postId: string) => `${root}reblogs/${postId}/`,
    /** JSON Notification, newest first; the id is derived (see domain/notification.ts). */
    notification: (recipient: string, notificationId: string) => `${root}notifications/${recipient}/${notificationId}`,
    notificationsPrefix: (recipient: string) => `${root}notifications/${recipient}/`,
    /** The id of the newest notification the recipient has read. */
    notificationMark: (recipient: string) => `${root}notification-marks/${recipient}`,
    /** Both directions of a block, in one txn; value: block time (ms). */
    block: (blocker: string, blocked: string) => `${root}blocks/${blocker}/${blocked}`,
    blocksPrefix: (blocker: string) => `${root}blocks/${blocker}/`,
    blockedBy: (blocked: string, blocker: string) => `${root}blocked-by/${blocked}/${blocker}`,
    blockedByPrefix: (blocked: string) => `${root}blocked-by/${blocked}/`,
    /** value: mute time (ms). */
    mute: (muter: string, muted: string) => `${root}mutes/${muter}/${muted}`,
    mutesPrefix: (muter: string) => `${root}mutes/${muter}/`,

    /**
     * JSON StoredWebInstance on a lease the instance's reports renew
     * (services/status/web-instances.ts); the id is lowercase hex, new at
     * each start of a web process.
     */
    webInstance: (id: string) => `${root}web-instances/${id}`,
    webInstancesPrefix: () => `${root}web-instances/`,

    /** The parts of a key of these layouts; undefined for anything else (another root, a stray key). */
    parse: (key: string): ParsedKey | undefined => (key.startsWith(root) ? parseParts(key, root.length) : undefined),
  });
}

/**
 * Each family's layout: how many parts follow its name, and the parsed
 * key they make (undefined when a part is malformed). Parts are never
 * empty and never contain '/'.
 */
const LAYOUTS = new Map<string, { parts: number; make: (a: string, b: string, c: string) => ParsedKey | undefined }>([
  ['accounts', { parts: 1, make: (a) => ({ family: 'accounts', username: a }) }],
  ['deleted-accounts', { parts: 1, make: (a) => ({ family: 'deleted-accounts', username: a }) }],
  ['sessions', { parts: 1, make: (a) => ({ family: 'sessions', tokenHash: a }) }],
  ['apps', { parts: 1, make: (a) => ({ family: 'apps', clientId: a }) }],
  ['oauth-codes', { parts: 1, make: (a) => ({ family: 'oauth-codes', codeHash: a }) }],
  ['app-tokens', { parts: 1, make: (a) => ({ family: 'app-tokens', tokenHash: a }) }],
  ['posts', { parts: 1, make: (a) => ({ family: 'posts', postId: a }) }],
  ['notification-marks', { parts: 1, make: (a) => ({ family: 'notification-marks', recipient: a }) }],
  ['web-instances', { parts: 1, make: (a) => ({ family: 'web-instances', id: a }) }],
  ['replies', { parts: 2, make: (a, b) => ({ family: 'replies', parentId: a, replyId: b }) }],
  ['tags', { parts: 2, make: (a, b) => ({ family: 'tags', tag: a, postId: b }) }],
  ['favourites', { parts: 2, make: (a, b) => ({ family: 'favourites', postId: a, actor: b }) }],
  ['favourites-by', { parts: 2, make: (a, b) => ({ family: 'favourites-by', actor: a, favouriteId: b }) }],
  ['reblogs', { parts: 2, make: (a, b) => ({ family: 'reblogs', postId: a, actor: b }) }],
  ['notifications', { parts: 2, make: (a, b) => ({ family: 'notifications', recipient: a, notificationId: b }) }],
  ['blocks', { parts: 2, make: (a, b) => ({ family: 'blocks', blocker: a, blocked: b }) }],
  ['blocked-by', { parts: 2, make: (a, b) => ({ family: 'blocked-by', blocked: a, blocker: b }) }],
  ['mutes', { parts: 2, make: (a, b) => ({ family: 'mutes', muter: a, muted: b }) }],
  ['user-sessions', { parts: 2, make: (a, b) => ({ family: 'user-sessions', username: a, tokenHash: b }) }],
  ['following', { parts: 2, make: (a, b) => ({ family: 'following', follower: a, followee: b }) }],
  ['followers', { parts: 2, make: (a, b) => ({ family: 'followers', followee: a, follower: b }) }],
  ['posts-by', { parts: 2, make: (a, b) => ({ family: 'posts-by', author: a, postId: b }) }],
  [
    'idempotency',
    {
      parts: 2,
      make: (a, b) => {
        const idempotencyKey = decoded(b);
        return idempotencyKey === undefined ? undefined : { family: 'idempotency', author: a, idempotencyKey };
      },
    },
  ],
  [
    'throttle',
    {
      parts: 3,
      make: (a, b, c) => {
        const subject = decoded(b);
        const windowStart = Number(c);
        const ok = subject !== undefined && /^\d+$/.test(c) && Number.isSafeInteger(windowStart);
        return ok ? { family: 'throttle', rule: a, subject, windowStart } : undefined;
      },
    },
  ],
  ['fence', { parts: 0, make: () => ({ family: 'fence' }) }],
]);

/**
 * The key's parts from `from` on, '/'-separated: the family's name, then
 * as many non-empty parts as its layout has. Found with indexOf rather
 * than split: the read model parses every key of a listing (1.5M at 1M
 * posts), and split's array and a joined string to switch on were a
 * tenth of the listing's CPU.
 */
function parseParts(key: string, from: number): ParsedKey | undefined {
  let end = key.indexOf('/', from);
  const layout = LAYOUTS.get(end < 0 ? key.slice(from) : key.slice(from, end));
  if (layout === undefined) return undefined;
  let a = '';
  let b = '';
  let c = '';
  for (let i = 0; i < layout.parts; i++) {
    // Fewer parts than the layout has.
    if (end < 0) return undefined;
    const start = end + 1;
    end = key.indexOf('/', start);
    const part = end < 0 ? key.slice(start) : key.slice(start, end);
    if (part === '') return undefined;
    if (i === 0) a = part;
    else if (i === 1) b = part;
    else c = part;
  }
  // More parts than the layout has.
  if (end >= 0) return undefined;
  return layout.make(a, b, c);
}

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
