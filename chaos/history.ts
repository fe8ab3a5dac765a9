/**
 * What the chaos clients did, one record per user request: the history the
 * checker judges. Times are milliseconds on one monotonic clock shared by
 * the clients and the nemesis (performance.now() of the harness).
 */

/**
 * ok: the server answered with success. failed: it answered with a 4xx, so
 * the request certainly did nothing. unknown: a 5xx, a dropped connection or
 * a timeout: the request may or may not have taken effect.
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

export type OpKind =
  | 'signup'
  | 'login'
  | 'logout'
  | 'post'
  | 'follow'
  | 'unfollow'
  /** GET /api/v1/accounts/relationships for every other account: the "is following" read of each edge from the signed-in user. */
  | 'relationships'
  | 'feed'
  | 'profile'
  | 'posts'
  /** A request made on purpose with a token whose logout was acknowledged; it must be refused. */
  | 'revoked'
  /** POST /api/v1/statuses/:id/favourite|unfavourite|reblog|unreblog of a target status. */
  | 'favourite'
  | 'unfavourite'
  | 'reblog'
  | 'unreblog'
  /** POST /api/v1/accounts/:id/block|unblock. */
  | 'block'
  | 'unblock'
  /** GET /api/v1/statuses/:id of a target status: its counts and the reader's own flags. */
  | 'status'
  /** GET /api/v1/notifications, the first page. */
  | 'notifications';

/** A post as a read returned it. */
export interface PostRef {
  /** The Mastodon status id: 27 decimal digits, a newer post's is greater (compareStatusIds). */
  id: string;
  /** The author's username. */
  author: string;
  /** The text, read back from the status's HTML content ('' for a reblog). */
  text: string;
  /** For a reblog (a wrapper status): the status id of the original it shares. */
  reblogOf?: string;
}

/** A notification as a read returned it. */
export interface NotificationRef {
  id: string;
  type: string;
  /** Who acted (the notification's account). */
  actor: string;
  /** The status concerned (for a reblog, the original), if any. */
  status?: string;
}

/** What GET /api/v1/statuses/:id told one reader. */
export interface StatusRead {
  favourited: boolean;
  reblogged: boolean;
  favourites: number;
  reblogs: number;
}

/**
 * Negative when status id a is older than b, positive when newer: the
 * numeric order of decimal ids without leading zeros, compared as Tusky
 * does (length, then text), so a malformed id cannot throw.
 */
export function compareStatusIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface Op {
  id: number;
  /** The client's own username. */
  client: string;
  kind: OpKind;
  start: number;
  end: number;
  outcome: Outcome;
  /** HTTP status, 0 when no answer came. */
  status: number;
  /** The bearer token sent, if any. */
  token?: string;
  /** follow/unfollow/block/unblock: the other account; profile/posts: whose; reactions and status reads: the status's author. */
  target?: string;
  /** favourite/unfavourite/reblog/unreblog/status: the target status's id. */
  statusId?: string;
  /** reblog, when ok: the id of the reblog (the wrapper status) the server answered with. */
  reblogId?: string;
  /** post: the idempotency key and the unique text it carries. */
  key?: string;
  text?: string;
  /** post, when ok: the status id the server gave. */
  postId?: string;
  /** relationships: whether the client follows each account asked about, by username. */
  relationships?: Record<string, boolean>;
  /** relationships: whether the client blocks each account asked about, and is blocked by it, when the answer said. */
  blocks?: Record<string, { blocking: boolean; blockedBy: boolean }>;
  /** status: what the read showed. */
  statusRead?: StatusRead;
  /** notifications: the page read. */
  notifications?: NotificationRef[];
  /** feed and posts: the page read, newest first, and whether it was the last page (no Link rel="next"). */
  posts?: PostRef[];
  complete?: boolean;
  /** profile: the counts read. */
  counts?: { posts: number; following: number; followers: number };
}

/** Everything read after the run, once every fault was healed. */
export interface FinalState {
  /** When the final read started, on the history's clock: every op had ended by then. */
  at: number;
  users: Record<
    string,
    {
      posts: PostRef[];
      following: string[];
      feed: PostRef[];
      /** Whom the user blocks (read from the relationships with every other account); absent when not read. */
      blocking?: string[];
      /** Every notification of the user, every page; absent when not read. */
      notifications?: NotificationRef[];
    }
  >;
  /**
   * The target statuses of reactions, by status id: their author, and what
   * GET /api/v1/statuses/:id showed each account that could read it (an
   * account refused the status, as across a block, is absent).
   */
  statuses?: Record<string, { author: string; reads: Record<string, StatusRead> }>;
}

/** Appends ops with increasing ids; the clock is the harness's. */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  #next = 0;

  constructor(readonly now: () => number = () => performance.now()) {}

  /** Runs one request and records it with the outcome `classify` reads from its result. */
  async record<T>(
    base: Omit<Op, 'id' | 'start' | 'end' | 'outcome' | 'status'>,
    run: () => Promise<T>,
    classify: (result: T) => Partial<Op> & { outcome: Outcome; status: number },
  ): Promise<{ op: Op; result: T | undefined }> {
    const start = this.now();
    let result: T | undefined;
    try {
      result = await run();
    } catch {
      // No answer came (refused everywhere, reset, timed out): it may have happened.
      result = undefined;
    }
    // A surprising answer is a bug to see, not an unknown outcome: classify may throw.
    const fields = result === undefined ? { outcome: 'unknown' as const, status: 0 } : classify(result);
    const op: Op = { ...base, ...fields, id: this.#next++, start, end: this.now() };
    this.ops.push(op);
    return { op, result };
  }
}

/** The outcome an HTTP status means for a request that was sent. */
export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500) return 'failed';
  return 'unknown';
}
