import { setTimeout as sleep } from 'node:timers/promises';
import type { Profile } from '../../domain/account.js';
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
}

/**
 * One WatchPosts subscription per web instance, fanned out to every
 * socket of the instance. The subscription starts with the first
 * listener and is kept (and re-established after a failure, say the
 * social instance restarting) until close. Events are handled one at a
 * time, so every socket sees them in the store's order. A post costs one
 * describePosts read and one relationships read per distinct user
 * listening (whom they follow, block and mute, for the home timeline's
 * rules); a notification costs nothing unless its recipient listens.
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
    const described = await this.#social.describePosts([post.id]).catch((error: unknown) => {
      this.#log('describePosts failed: the status carries no counts and a plain account', error);
      return { posts: [bareView(post)], profiles: [] };
    });
    const views = new Map(described.posts.map((view) => [view.post.id, view]));
    if (!views.has(post.id)) return; // deleted before it could be shown
    const originalAuthor = post.reblogOf === undefined ? undefined : views.get(post.reblogOf)?.post.author;
    if (post.reblogOf !== undefined && originalAuthor === undefined) return; // a reblog of a deleted post
    const author = post.author;
    const concerned = [...new Set([author, post.inReplyToAuthor, originalAuthor].filter((name): name is string => name !== undefined))];
    const relations = await this.#relationships(
      interested.map((l) => l.username),
      concerned,
    );
    for (const listener of interested) {
      if (!this.#listeners.has(listener)) continue;
      const user = listener.username;
      const own = user === author;
      const related = relations.get(user);
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
    const { recipient, actor, postId } = notification;
    try {
      const [[relationship], described, actors] = await Promise.all([
        this.#social.relationships(recipient, [actor]),
        postId === undefined ? { posts: [], profiles: [] } : this.#social.describePosts([postId], recipient),
        this.#social.getProfiles([actor]),
      ]);
      // A muted (or blocked) account's notifications are kept from its recipient, as the list keeps them.
      if (hides(relationship)) return;
      for (const listener of recipients) {
        if (!this.#listeners.has(listener)) continue;
        const streams = (['user', 'user:notification'] as const).filter((name) => listener.streams.has(name));
        listener.notification(notification, { described, actors }, streams);
      }
    } catch (error) {
      this.#log('reading a notification for its stream failed: it is not streamed', error);
    }
  }

  /** How each user stands to each of `targets` (themselves left out), one read per user; a user whose read failed is absent. */
  async #relationships(users: readonly string[], targets: readonly string[]): Promise<Map<string, Map<string, Relationship>>> {
    const result = new Map<string, Map<string, Relationship>>();
    await Promise.all(
      [...new Set(users)].map(async (user) => {
        const others = targets.filter((name) => name !== user);
        if (others.length === 0) return result.set(user, new Map());
        try {
          const relationships = await this.#social.relationships(user, others);
          result.set(user, new Map(relationships.map((r) => [r.target, r])));
        } catch (error) {
          this.#log('relationships failed: the post is left out of that user stream', error);
        }
      }),
    );
    return result;
  }
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
