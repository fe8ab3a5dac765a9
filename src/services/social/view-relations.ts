import type { Account } from '../../domain/account.js';
import type { Notification } from '../../domain/notification.js';
import type { Page } from '../../domain/page.js';
import type { Post } from '../../domain/post.js';
import type { NotificationMarker, Relationship } from '../../domain/social.js';
import type { Family, Keyspace, ParsedKey } from '../../kv/keys.js';
import { parseNotification } from '../../kv/records.js';
import { isShown, type NotificationPageRequest, NotificationPager, UnreadCounter } from './notification-pages.js';
import type { ViewEntry } from './view-entry.js';

/** The families ViewRelations holds: the read model lists and watches them for it. */
export const RELATION_FAMILIES = [
  'blocks',
  'blocked-by',
  'mutes',
  'notifications',
  'notification-marks',
] as const satisfies readonly Family[];
type RelationKey = Extract<ParsedKey, { family: (typeof RELATION_FAMILIES)[number] }>;

export function isRelationKey(key: ParsedKey | undefined): key is RelationKey {
  return key !== undefined && (RELATION_FAMILIES as readonly string[]).includes(key.family);
}

/** What the rest of the view tells this part of it. */
export interface ViewBase {
  account(username: string): Account | undefined;
  isFollowing(follower: string, followee: string): boolean;
  post(id: string): Post | undefined;
}

/**
 * Pairs (a → b) that come and go, each with the revision it was last
 * written at, so a replayed older event for it is ignored: the same
 * order tolerance as the view's follow edges.
 */
class Pairs {
  readonly #pairs = new Map<string, Map<string, number>>();

  put(a: string, b: string, revision: number): void {
    const of = this.#pairs.get(a) ?? new Map<string, number>();
    if ((of.get(b) ?? 0) >= revision) return;
    of.set(b, revision);
    this.#pairs.set(a, of);
  }

  delete(a: string, b: string, revision: number): void {
    const of = this.#pairs.get(a);
    const seen = of?.get(b);
    if (of === undefined || seen === undefined || seen > revision) return;
    of.delete(b);
    if (of.size === 0) this.#pairs.delete(a);
  }

  has(a: string, b: string): boolean {
    return this.#pairs.get(a)?.has(b) ?? false;
  }

  of(a: string): Iterable<string> {
    return this.#pairs.get(a)?.keys() ?? [];
  }

  *all(): Generator<[string, string, number]> {
    for (const [a, of] of this.#pairs) for (const [b, revision] of of) yield [a, b, revision];
  }
}

/** One recipient's notifications in ascending id order (newest first), with each one's last revision. */
interface Inbox {
  items: Notification[];
  revisions: Map<string, number>;
}

/**
 * The view's blocks, mutes, notifications and read markers (see View for
 * how events are applied). Notifications are kept per recipient newest
 * first, so a page is a binary search for the cursor and a walk, and an
 * unread count a walk down to the marker; both are bounded by the
 * per-account limit (domain/notification.ts).
 */
export class ViewRelations {
  readonly #base: ViewBase;
  readonly #blocks = new Pairs();
  readonly #blockedBy = new Pairs();
  readonly #mutes = new Pairs();
  readonly #inboxes = new Map<string, Inbox>();
  /** recipient → the last read id and the revision it was written at. */
  readonly #marks = new Map<string, { id: string; revision: number }>();

  constructor(base: ViewBase) {
    this.#base = base;
  }

  put(key: RelationKey, kv: ViewEntry): void {
    const revision = kv.modRevision;
    if (key.family === 'notifications') this.#putNotification(key.recipient, key.notificationId, kv.value, revision);
    else if (key.family === 'notification-marks') {
      if ((this.#marks.get(key.recipient)?.revision ?? 0) < revision) this.#marks.set(key.recipient, { id: kv.value, revision });
    } else {
      const [pairs, a, b] = this.#pair(key);
      pairs.put(a, b, revision);
    }
  }

  delete(key: RelationKey, revision: number): void {
    if (key.family === 'notifications') this.#deleteNotification(key.recipient, key.notificationId, revision);
    else if (key.family === 'notification-marks') {
      if ((this.#marks.get(key.recipient)?.revision ?? Number.POSITIVE_INFINITY) <= revision) this.#marks.delete(key.recipient);
    } else {
      const [pairs, a, b] = this.#pair(key);
      pairs.delete(a, b, revision);
    }
  }

  /** The keys held, as View.entries describes. */
  *entries(keys: Keyspace): Generator<ViewEntry> {
    for (const [a, b, modRevision] of this.#blocks.all()) yield { key: keys.block(a, b), value: '', modRevision };
    for (const [a, b, modRevision] of this.#blockedBy.all()) yield { key: keys.blockedBy(a, b), value: '', modRevision };
    for (const [a, b, modRevision] of this.#mutes.all()) yield { key: keys.mute(a, b), value: '', modRevision };
    for (const [recipient, inbox] of this.#inboxes) {
      for (const notification of [...inbox.items]) {
        const modRevision = inbox.revisions.get(notification.id) ?? 0;
        yield { key: keys.notification(recipient, notification.id), value: JSON.stringify(notification), modRevision };
      }
    }
    for (const [recipient, mark] of this.#marks)
      yield { key: keys.notificationMark(recipient), value: mark.id, modRevision: mark.revision };
  }

  #pair(key: Extract<RelationKey, { family: 'blocks' | 'blocked-by' | 'mutes' }>): [Pairs, string, string] {
    switch (key.family) {
      case 'blocks':
        return [this.#blocks, key.blocker, key.blocked];
      case 'blocked-by':
        return [this.#blockedBy, key.blocked, key.blocker];
      case 'mutes':
        return [this.#mutes, key.muter, key.muted];
    }
  }

  #putNotification(recipient: string, id: string, value: string, revision: number): void {
    const inbox = this.#inboxes.get(recipient) ?? { items: [], revisions: new Map<string, number>() };
    const seen = inbox.revisions.get(id);
    if (seen !== undefined && seen >= revision) return;
    const notification = parseNotification(value);
    const at = firstAtOrAfter(inbox.items, id);
    if (seen !== undefined) inbox.items[at] = notification;
    else inbox.items.splice(at, 0, notification);
    inbox.revisions.set(id, revision);
    this.#inboxes.set(recipient, inbox);
  }

  #deleteNotification(recipient: string, id: string, revision: number): void {
    const inbox = this.#inboxes.get(recipient);
    const seen = inbox?.revisions.get(id);
    if (inbox === undefined || seen === undefined || seen > revision) return;
    inbox.items.splice(firstAtOrAfter(inbox.items, id), 1);
    inbox.revisions.delete(id);
    if (inbox.items.length === 0) this.#inboxes.delete(recipient);
  }

  /** A snapshot: later events do not change the answer of a predicate already handed out. */
  hiddenFor(viewer: string): (author: string) => boolean {
    const hidden = new Set([...this.#blocks.of(viewer), ...this.#blockedBy.of(viewer), ...this.#mutes.of(viewer)]);
    return hidden.size === 0 ? hidesNobody : (author) => hidden.has(author);
  }

  relationships(actor: string, targets: readonly string[]): Relationship[] {
    return targets.flatMap((target) =>
      this.#base.account(target) === undefined
        ? []
        : [
            {
              target,
              following: this.#base.isFollowing(actor, target),
              followedBy: this.#base.isFollowing(target, actor),
              blocking: this.#blocks.has(actor, target),
              blockedBy: this.#blocks.has(target, actor),
              muting: this.#mutes.has(actor, target),
            },
          ],
    );
  }

  notifications(recipient: string, request: NotificationPageRequest): Page<Notification> {
    const items = this.#inboxes.get(recipient)?.items ?? [];
    const shown = this.#shown(recipient);
    const wanted = new Set(request.types);
    const pager = new NotificationPager(request.limit);
    const start = request.after === undefined ? 0 : firstAtOrAfter(items, request.after, true);
    for (let i = start; i < items.length; i++) {
      const notification = items[i]!;
      if (!pager.offer(notification, wanted.has(notification.type) && shown(notification))) return pager.page(i + 1 < items.length);
    }
    return pager.page(false);
  }

  notification(recipient: string, id: string): Notification | undefined {
    const items = this.#inboxes.get(recipient)?.items ?? [];
    const notification = items[firstAtOrAfter(items, id)];
    return notification?.id === id && this.#shown(recipient)(notification) ? notification : undefined;
  }

  notificationMarker(recipient: string): NotificationMarker {
    const lastReadId = this.#marks.get(recipient)?.id ?? '';
    const counter = new UnreadCounter(lastReadId);
    const shown = this.#shown(recipient);
    for (const notification of this.#inboxes.get(recipient)?.items ?? []) {
      if (!counter.offer(notification, shown(notification))) break;
    }
    return { lastReadId, unread: counter.count };
  }

  /** How many notifications the recipient has, shown or not (for the per-account bound). */
  notificationCount(recipient: string): number {
    return this.#inboxes.get(recipient)?.items.length ?? 0;
  }

  #shown(recipient: string): (notification: Notification) => boolean {
    const hidden = this.hiddenFor(recipient);
    const postExists = (id: string) => this.#base.post(id) !== undefined;
    return (notification) => isShown(notification, hidden, postExists);
  }
}

/** The answer for the many viewers who block and mute nobody: one function, no set per call. */
const hidesNobody = () => false;

/** Index of the first notification whose id is not less than `id` (with `exclusive`, greater than it), in ascending id order. */
function firstAtOrAfter(items: readonly Notification[], id: string, exclusive = false): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const midId = items[mid]!.id;
    if (midId < id || (exclusive && midId === id)) low = mid + 1;
    else high = mid;
  }
  return low;
}
