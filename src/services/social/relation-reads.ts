import type { Notification } from '../../domain/notification.js';
import type { Page } from '../../domain/page.js';
import type { NotificationMarker, Relationship } from '../../domain/social.js';
import type { KeyValue, Op } from '../../kv/kv.js';
import { MAX_TXN_OPS } from '../../kv/limits.js';
import { parseNotification } from '../../kv/records.js';
import { scan, scanPages } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { isShown, type NotificationPageRequest, NotificationPager, UnreadCounter } from './notification-pages.js';

/**
 * The reads of blocks, mutes and notifications, part of SocialReads (see
 * reads.ts): answered by the view (view-relations.ts) or by the store
 * (StoreRelations below), alike. Usernames and ids are validated by the
 * caller. (SocialReads.hiddenFor, the predicate every feed uses, is
 * answered from the same indexes.)
 */
export interface RelationReads {
  /** How `actor` relates to each known target, in the order given; unknown targets are left out. */
  relationships(actor: string, targets: readonly string[]): Promise<Relationship[]>;
  /** The recipient's shown notifications of the types asked, newest first, after `request.after` (see notification-pages.ts). */
  notifications(recipient: string, request: NotificationPageRequest): Promise<Page<Notification>>;
  /** One of the recipient's notifications, if it exists and is shown to them. */
  notification(recipient: string, id: string): Promise<Notification | undefined>;
  /** The read marker and how many shown notifications are newer than it. */
  notificationMarker(recipient: string): Promise<NotificationMarker>;
}

/** Keys a relationship needs per target, so a read-only txn of gets holds this many targets. */
const RELATIONSHIP_GETS = 6;
/** Keys per listing page of blocks, mutes and notifications. */
const PAGE = 500;

/**
 * RelationReads from the store: linearizable, a few round trips per call.
 * A viewer's hidden accounts are three range reads (whom they block, who
 * blocks them, whom they mute); notifications are ranges of their prefix
 * newest first, and the posts they name are checked with read-only txns
 * of gets.
 */
export class StoreRelations implements RelationReads {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** See SocialReads.hiddenFor. */
  async hiddenFor(viewer: string): Promise<(author: string) => boolean> {
    const { keys } = this.#store;
    const lists = await Promise.all(
      [keys.blocksPrefix(viewer), keys.blockedByPrefix(viewer), keys.mutesPrefix(viewer)].map((prefix) => this.#names(prefix)),
    );
    const hidden = new Set(lists.flat());
    return (author) => hidden.has(author);
  }

  async relationships(actor: string, targets: readonly string[]): Promise<Relationship[]> {
    const { keys } = this.#store;
    const chunkSize = Math.floor(MAX_TXN_OPS / RELATIONSHIP_GETS);
    const chunks: string[][] = [];
    for (let i = 0; i < targets.length; i += chunkSize) chunks.push(targets.slice(i, i + chunkSize));
    const answers = await Promise.all(
      chunks.map((chunk) =>
        this.#gets(
          chunk.flatMap((target) => [
            keys.account(target),
            keys.following(actor, target),
            keys.following(target, actor),
            keys.block(actor, target),
            keys.block(target, actor),
            keys.mute(actor, target),
          ]),
        ),
      ),
    );
    const found = answers.flat();
    return targets.flatMap((target, i) => {
      const [account, following, followedBy, blocking, blockedBy, muting] = found.slice(i * RELATIONSHIP_GETS, (i + 1) * RELATIONSHIP_GETS);
      if (!account) return [];
      return [{ target, following: !!following, followedBy: !!followedBy, blocking: !!blocking, blockedBy: !!blockedBy, muting: !!muting }];
    });
  }

  async notifications(recipient: string, request: NotificationPageRequest): Promise<Page<Notification>> {
    const prefix = this.#store.keys.notificationsPrefix(recipient);
    const hidden = await this.hiddenFor(recipient);
    const pager = new NotificationPager(request.limit);
    const wanted = new Set(request.types);
    const pageSize = Math.min(Math.max(request.limit + 1, 40), PAGE);
    const after = request.after === undefined ? undefined : prefix + request.after;
    for await (const page of scanPages(this.#store.kv, { prefix, after, pageSize })) {
      const candidates = page.items.map((item) => parseNotification(item.value));
      const posts = await this.#existingPosts(candidates.filter((n) => wanted.has(n.type) && !hidden(n.actor)));
      for (const [i, notification] of candidates.entries()) {
        const shown = wanted.has(notification.type) && isShown(notification, hidden, (id) => posts.has(id));
        if (!pager.offer(notification, shown)) return pager.page(i + 1 < candidates.length || page.more);
      }
    }
    return pager.page(false);
  }

  async notification(recipient: string, id: string): Promise<Notification | undefined> {
    const [entry, hidden] = await Promise.all([
      this.#store.kv.get(this.#store.keys.notification(recipient, id)),
      this.hiddenFor(recipient),
    ]);
    if (!entry) return undefined;
    const notification = parseNotification(entry.value);
    const posts = await this.#existingPosts([notification]);
    return isShown(notification, hidden, (postId) => posts.has(postId)) ? notification : undefined;
  }

  async notificationMarker(recipient: string): Promise<NotificationMarker> {
    const { kv, keys } = this.#store;
    const [mark, hidden] = await Promise.all([kv.get(keys.notificationMark(recipient)), this.hiddenFor(recipient)]);
    const lastReadId = mark?.value ?? '';
    const counter = new UnreadCounter(lastReadId);
    for await (const page of scanPages(kv, { prefix: keys.notificationsPrefix(recipient), pageSize: PAGE })) {
      const unread = page.items.map((item) => parseNotification(item.value)).filter((n) => counter.isUnread(n));
      const posts = await this.#existingPosts(unread.filter((n) => !hidden(n.actor)));
      const settled = unread.some(
        (n) =>
          !counter.offer(
            n,
            isShown(n, hidden, (id) => posts.has(id)),
          ),
      );
      if (settled || unread.length < page.items.length) break;
    }
    return { lastReadId, unread: counter.count };
  }

  /** The usernames that end the keys under `prefix` (a viewer's blocks, blockers or mutes). */
  async #names(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const item of scan(this.#store.kv, { prefix, pageSize: PAGE })) names.push(item.key.slice(prefix.length));
    return names;
  }

  /** Which of the posts these notifications name still exist. */
  async #existingPosts(notifications: readonly Notification[]): Promise<Set<string>> {
    const ids = [...new Set(notifications.flatMap((n) => (n.postId === undefined ? [] : [n.postId])))];
    const found = await this.#gets(ids.map((id) => this.#store.keys.post(id)));
    return new Set(ids.filter((_, i) => found[i] !== undefined));
  }

  /** Many keys at one revision per MAX_TXN_OPS of them: read-only txns of gets, in the order given. */
  async #gets(keys: readonly string[]): Promise<(KeyValue | undefined)[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += MAX_TXN_OPS) chunks.push(keys.slice(i, i + MAX_TXN_OPS));
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const gets: Op[] = chunk.map((key) => ({ type: 'get', key }));
        return (await this.#store.kv.txn({ compare: [], success: gets })).results;
      }),
    );
    return results.flat();
  }
}
