import { DomainError } from '../../domain/errors.js';
import type { PostEvent } from '../../domain/social.js';
import type { Family, Keyspace } from '../../kv/keys.js';
import type { KV, Watch, WatchEvent } from '../../kv/kv.js';
import { parseNotification, parsePost } from '../../kv/records.js';

/** Events a subscriber may have waiting before it is dropped as too slow. */
export const SUBSCRIBER_BUFFER = 1000;

/** Where the store's events come from: registers a listener, returns its removal. */
export type EventSource = (listener: (events: readonly WatchEvent[]) => void) => () => void;

/** The families whose events are streamed. */
const STREAMED: readonly Family[] = ['posts-by', 'notifications'];

/**
 * The post events among a batch of store events: puts and deletes under
 * the posts-by family, and new notifications (puts under notifications;
 * a deleted notification is not announced).
 */
export function postEvents(keys: Keyspace, events: readonly WatchEvent[]): PostEvent[] {
  const out: PostEvent[] = [];
  for (const event of events) {
    const key = keys.parse(event.kv.key);
    try {
      if (key?.family === 'posts-by') {
        out.push(event.type === 'delete' ? { kind: 'delete', id: key.postId } : { kind: 'update', post: parsePost(event.kv.value) });
      } else if (key?.family === 'notifications' && event.type === 'put') {
        out.push({ kind: 'notification', notification: parseNotification(event.kv.value) });
      }
    } catch {
      // A record this version cannot read is not streamed.
    }
  }
  return out;
}

interface Subscriber {
  queue: PostEvent[];
  wake: (() => void) | undefined;
  failed: DomainError | undefined;
}

/**
 * Fans the store's post events out to any number of subscribers, each
 * with a bounded queue: one that falls SUBSCRIBER_BUFFER events behind is
 * dropped (its iteration fails with `unavailable`) rather than holding
 * memory without bound. The source is registered while anyone listens.
 */
export class PostEventHub {
  readonly #keys: Keyspace;
  readonly #source: EventSource;
  readonly #buffer: number;
  readonly #subscribers = new Set<Subscriber>();
  #unlisten: (() => void) | undefined;

  constructor(keys: Keyspace, source: EventSource, buffer = SUBSCRIBER_BUFFER) {
    this.#keys = keys;
    this.#source = source;
    this.#buffer = buffer;
  }

  /** Subscribers right now (for tests and stats). */
  get size(): number {
    return this.#subscribers.size;
  }

  /** See Social.watchPosts. */
  async *watch(signal: AbortSignal): AsyncGenerator<PostEvent> {
    if (signal.aborted) return;
    const subscriber: Subscriber = { queue: [], wake: undefined, failed: undefined };
    const wake = () => subscriber.wake?.();
    this.#subscribers.add(subscriber);
    this.#unlisten ??= this.#source((events) => this.#publish(events));
    signal.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        while (subscriber.queue.length > 0 && !signal.aborted) yield subscriber.queue.shift()!;
        if (signal.aborted) return;
        if (subscriber.failed) throw subscriber.failed;
        await new Promise<void>((resolve) => {
          subscriber.wake = resolve;
        });
        subscriber.wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', wake);
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) {
        this.#unlisten?.();
        this.#unlisten = undefined;
      }
    }
  }

  /** Ends every subscription with `unavailable` (the service is going away). */
  close(): void {
    for (const subscriber of this.#subscribers) this.#fail(subscriber, 'The service is shutting down.');
  }

  #publish(events: readonly WatchEvent[]): void {
    const posts = postEvents(this.#keys, events);
    if (posts.length === 0) return;
    for (const subscriber of this.#subscribers) {
      if (subscriber.failed) continue;
      if (subscriber.queue.length + posts.length > this.#buffer) {
        this.#fail(subscriber, 'The stream fell too far behind.');
        continue;
      }
      subscriber.queue.push(...posts);
      subscriber.wake?.();
    }
  }

  #fail(subscriber: Subscriber, message: string): void {
    subscriber.queue.length = 0;
    subscriber.failed = new DomainError('unavailable', message);
    subscriber.wake?.();
  }
}

/**
 * A source of its own, for a service without a read model: one store
 * watch per streamed family while anyone listens (events of different
 * families may then arrive in a different order than they were written).
 */
export function storeEventSource(kv: KV, keys: Keyspace, log: (message: string) => void = () => {}): EventSource {
  return (listener) => {
    let closed = false;
    const open = (family: Family, revision: number) =>
      kv.watch({
        prefix: keys.family(family),
        fromRevision: revision + 1,
        onBatch: (batch) => listener(batch.events),
        onError: (error) => log(`post watch failed: ${error.message}`),
      });
    const watches = kv
      .revision()
      .then((revision) => Promise.allSettled(STREAMED.map((family) => (closed ? undefined : open(family, revision)))))
      .then((opened) =>
        opened.flatMap((result) => {
          if (result.status === 'rejected') log(`post watch failed: ${(result.reason as Error).message}`);
          return result.status === 'fulfilled' && result.value ? [result.value] : [];
        }),
      )
      .catch((error: Error): Watch[] => {
        log(`post watch failed: ${error.message}`);
        return [];
      });
    return () => {
      closed = true;
      void watches.then((list) => Promise.all(list.map((w) => w.close())));
    };
  };
}
