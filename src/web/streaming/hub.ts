import { setTimeout as sleep } from 'node:timers/promises';
import type { Profile } from '../../domain/account.js';
import type { Post } from '../../domain/post.js';
import type { PostEvent, Social } from '../../domain/social.js';

/** A stream a socket can subscribe to; `user` is the statuses of the accounts its user follows, and its own. */
export type StreamName = 'user' | 'public' | 'public:local';
export const STREAM_NAMES: readonly StreamName[] = ['user', 'public', 'public:local'];

export function isStreamName(name: unknown): name is StreamName {
  return typeof name === 'string' && (STREAM_NAMES as readonly string[]).includes(name);
}

/** One socket, as the hub sees it. */
export interface StreamListener {
  /** The token's account. */
  username: string;
  streams: ReadonlySet<StreamName>;
  /**
   * A post to show on the `streams` named (never empty), with its
   * author's profile (undefined if it could not be read). Called once per
   * post and listener; must not throw.
   */
  update(post: Post, author: Profile | undefined, streams: StreamName[]): void;
  /** A deleted post's id, for each stream the listener holds. Must not throw. */
  delete(postId: string): void;
}

/**
 * One WatchPosts subscription per web instance, fanned out to every
 * socket of the instance. The subscription starts with the first
 * listener and is kept (and re-established after a failure, say the
 * social instance restarting) until close. Events are handled one at a
 * time, so every socket sees them in the store's order; deciding who
 * follows the author costs one isFollowing per distinct user per post.
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
      for (const listener of listeners) listener.delete(event.id);
      return;
    }
    if (event.kind === 'notification') return; // ISSUE-11-STUB: the user:notification stream comes with the API work.
    const { post } = event;
    const author = post.author.toLowerCase();
    const askers = new Set(
      listeners.filter((l) => l.streams.has('user') && l.username.toLowerCase() !== author).map((l) => l.username.toLowerCase()),
    );
    const following = new Map<string, boolean>();
    let profile: Profile | undefined;
    const readProfile = async () => {
      profile = await this.#social.getProfile(author).catch((error: unknown) => {
        this.#log('getProfile failed: the status carries the plain account', error);
        return undefined;
      });
    };
    await Promise.all([
      readProfile(),
      ...[...askers].map(async (username) => {
        const follows = await this.#social.isFollowing(username, author).catch((error: unknown) => {
          this.#log('isFollowing failed: the post is left out of that user stream', error);
          return false;
        });
        following.set(username, follows);
      }),
    ]);
    for (const listener of listeners) {
      if (!this.#listeners.has(listener)) continue;
      const streams: StreamName[] = [];
      if (listener.streams.has('user')) {
        const user = listener.username.toLowerCase();
        if (user === author || following.get(user)) streams.push('user');
      }
      if (listener.streams.has('public')) streams.push('public');
      if (listener.streams.has('public:local')) streams.push('public:local');
      if (streams.length > 0) listener.update(post, profile, streams);
    }
  }
}
