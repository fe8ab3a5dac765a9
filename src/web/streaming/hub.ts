import { setTimeout as sleep } from 'node:timers/promises';
import type { Profile } from '../../domain/account.js';
import { isDomainError } from '../../domain/errors.js';
import type { Notification } from '../../domain/notification.js';
import type { Post, PostView } from '../../domain/post.js';
import type { PostDescriptions, PostEvent, Relationship, Social } from '../../domain/social.js';

/**
 * A stream a socket can subscribe to: `user` is the statuses its user's
 * home timeline would show (and its own) plus its notifications;
 * `user:notification` only the notifications; `public` and `public:local`
 * everyone's statuses (Chorus is one instance), reblogs left out as the
 * public timeline leaves them out.
 */
export type StreamName = 'user' | 'user:notification' | 'public' | 'public:local';
export const STREAM_NAMES: readonly StreamName[] = ['user', 'user:notification', 'public', 'public:local'];
const STATUS_STREAMS: readonly StreamName[] = ['user', 'public', 'public:local'];

export function isStreamName(name: unknown): name is StreamName {
  return typeof name === 'string' && (STREAM_NAMES as readonly string[]).includes(name);
}

/** What rendering a notification needs: its post described for the recipient, and the actor's profile. */
export interface NotificationContext {
  described: PostDescriptions;
  actors: Profile[];
}

/** One socket, as the hub sees it. Its callbacks are called once per event and listener, and must not throw. */
export interface StreamListener {
  /** The token's account. */
  username: string;
  /** The socket's token: what the hub reads as the user with (their relationships, their flags). */
  token: string;
  streams: ReadonlySet<StreamName>;
  /**
   * A post to show on the `streams` named (never empty), with its
   * description (counts, the original of a reblog, the authors' profiles)
   * as read for no viewer in particular.
   */
  update(post: Post, described: PostDescriptions, streams: StreamName[]): void;
  /** A deleted post's id, for each status stream the listener holds. */
  delete(postId: string): void;
  /** A notification for this listener's user, on the `streams` named (never empty). */
  notification(notification: Notification, context: NotificationContext, streams: StreamName[]): void;
  /** The token no longer acts (its session ended or was revoked): the hub has dropped the listener, once. */
  ended(): void;
}

/**
 * One WatchPosts subscription per web instance, fanned out to every
 * socket of the instance. The subscription starts with the first
 * listener and is kept (and re-established after a failure, say the
 * social instance restarting) until close. Events are handled one at a
 * time, so every socket sees them in the store's order. A post costs one
 * describePosts read and one relationships read per distinct token
 * listening (whom its user follows, blocks and mutes, for the home
 * timeline's rules, read as that user: the social service takes no
 * username as proof of who reads); a notification costs nothing unless
 * its recipient listens. A token the service refuses ends its listeners.
 */
export class StreamHub {
  readonly #social: Social;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #listeners = new Set<StreamListener>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(social: Social, log: (message: string, error?: unknown) => void = () => {}) {
    this.#social = social;
    this.#log = log;
  }

  /** Adds a listener; returns its removal. */
  add(listener: StreamListener): () => void {
    if (this.#stop.signal.aborted) throw new Error('the stream hub is closed');
    this.#listeners.add(listener);
    this.#running ??= this.#run();
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#listeners.clear();
    await this.#running;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    for (let delayMs = 100; !signal.aborted; ) {
      try {
        for await (const event of this.#social.watchPosts(signal)) {
          delayMs = 100;
          await this.#dispatch(event);
        }
      } catch (error) {
        if (signal.aborted) return;
        this.#log('post stream lost: subscribing again', error);
      }
      if (signal.aborted) return;
      await sleep(delayMs, undefined, { signal }).catch(() => {});
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }

  async #dispatch(event: PostEvent): Promise<void> {
    const listeners = [...this.#listeners];
    if (event.kind === 'delete') {
      for (const listener of listeners) if (STATUS_STREAMS.some((name) => listener.streams.has(name))) listener.delete(event.id);
      return;
    }
    if (event.kind === 'notification') return this.#notify(listeners, event.notification);
    return this.#update(listeners, event.post);
  }

  async #update(listeners: StreamListener[], post: Post): Promise<void> {
    const interested = listeners.filter((l) => STATUS_STREAMS.some((name) => l.streams.has(name)));
    if (interested.length === 0) return;
    // Linearizable: the event comes from one instance's view, maybe before the post is acknowledged, and a read of
    // bounded age on another instance could miss it.
    const described = await this.#social.describePosts([post.id], { linearizable: true }).catch((error: unknown) => {
      this.#log('describePosts failed: the status carries no counts and a plain account', error);
      return { posts: [bareView(post)], profiles: [] };
    });
    const views = new Map(described.posts.map((view) => [view.post.id, view]));
    if (!views.has(post.id)) return; // deleted before it could be shown
    const originalAuthor = post.reblogOf === undefined ? undefined : views.get(post.reblogOf)?.post.author;
    if (post.reblogOf !== undefined && originalAuthor === undefined) return; // a reblog of a deleted post
    const author = post.author;
    const concerned = [...new Set([author, post.inReplyToAuthor, originalAuthor].filter((name): name is string => name !== undefined))];
    const relations = await this.#relationships(interested, concerned);
    for (const listener of interested) {
      if (!this.#listeners.has(listener)) continue;
      const user = listener.username;
      const own = user === author;
      const related = relations.get(listener.token);
      // Own posts always reach their author; anyone else's only when the relationships could be read.
      if (!own && related === undefined) continue;
      const to = (name: string) => related?.get(name);
      const hidden = !own && [author, originalAuthor].some((name) => name !== undefined && name !== user && hides(to(name)));
      if (hidden) continue;
      const streams: StreamName[] = [];
      if (listener.streams.has('user') && (own || (to(author)?.following === true && homeShowsReply(post, user, to)))) streams.push('user');
      if (post.reblogOf === undefined) {
        if (listener.streams.has('public')) streams.push('public');
        if (listener.streams.has('public:local')) streams.push('public:local');
      }
      if (streams.length > 0) listener.update(post, described, streams);
    }
  }

  async #notify(listeners: StreamListener[], notification: Notification): Promise<void> {
    const recipients = listeners.filter(
      (l) => l.username === notification.recipient && (l.streams.has('user') || l.streams.has('user:notification')),
    );
    if (recipients.length === 0) return;
    const { actor, postId } = notification;
    await Promise.all(
      [...byToken(recipients)].map(async ([token, group]) => {
        try {
          const recipient = this.#social.as(token);
          const [[relationship], described, actors] = await Promise.all([
            recipient.relationships([actor]),
            postId === undefined ? { posts: [], profiles: [] } : recipient.describePosts([postId], { linearizable: true }),
            this.#social.getProfiles([actor]),
          ]);
          // A muted (or blocked) account's notifications are kept from its recipient, as the list keeps them.
          if (hides(relationship)) return;
          for (const listener of group) {
            if (!this.#listeners.has(listener)) continue;
            const streams = (['user', 'user:notification'] as const).filter((name) => listener.streams.has(name));
            listener.notification(notification, { described, actors }, streams);
          }
        } catch (error) {
          this.#failed(group, error, 'reading a notification for its stream failed: it is not streamed');
        }
      }),
    );
  }

  /**
   * How each listener's user stands to each of `targets` (themselves left
   * out), one read per token, keyed by token; a token whose read failed is
   * absent.
   */
  async #relationships(listeners: readonly StreamListener[], targets: readonly string[]): Promise<Map<string, Map<string, Relationship>>> {
    const result = new Map<string, Map<string, Relationship>>();
    await Promise.all(
      [...byToken(listeners)].map(async ([token, group]) => {
        const user = group[0]!.username;
        const others = targets.filter((name) => name !== user);
        if (others.length === 0) return result.set(token, new Map());
        try {
          const relationships = await this.#social.as(token).relationships(others);
          result.set(token, new Map(relationships.map((r) => [r.target, r])));
        } catch (error) {
          this.#failed(group, error, 'relationships failed: the post is left out of that user stream');
        }
      }),
    );
    return result;
  }

  /** A read as these listeners' token failed: a token the service no longer honours ends them; anything else is logged. */
  #failed(listeners: readonly StreamListener[], error: unknown, message: string): void {
    if (!isDomainError(error) || error.code !== 'unauthenticated') {
      this.#log(message, error);
      return;
    }
    for (const listener of listeners) {
      if (!this.#listeners.delete(listener)) continue;
      listener.ended();
    }
  }
}

/** The listeners grouped by token (usually one socket each), in the order first seen. */
function byToken(listeners: readonly StreamListener[]): Map<string, StreamListener[]> {
  const groups = new Map<string, StreamListener[]>();
  for (const listener of listeners) {
    const group = groups.get(listener.token);
    if (group) group.push(listener);
    else groups.set(listener.token, [listener]);
  }
  return groups;
}

/** Blocked either way or muted by the viewer: what every feed leaves out. */
function hides(relationship: Relationship | undefined): boolean {
  return relationship !== undefined && (relationship.blocking || relationship.blockedBy || relationship.muting);
}

/**
 * Mastodon's home rule for replies, as the home timeline applies it: a
 * reply is shown when it answers its own author, the reader, or someone
 * the reader follows.
 */
function homeShowsReply(post: Post, user: string, to: (name: string) => Relationship | undefined): boolean {
  const answered = post.inReplyToAuthor;
  return answered === undefined || answered === post.author || answered === user || to(answered)?.following === true;
}

function bareView(post: Post): PostView {
  return { post, replies: 0, reblogs: 0, favourites: 0, favourited: false, reblogged: false };
}
