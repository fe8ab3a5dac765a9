/**
 * The rules a listing or count of notifications follows, shared by the
 * view and the store paths so both answer alike: which notifications a
 * recipient is shown, how a page ends and where its cursor points, and
 * how far one call may look.
 */
import type { Notification, NotificationType } from '../../domain/notification.js';
import { NOTIFICATIONS_KEPT, NOTIFICATIONS_SLACK } from '../../domain/notification.js';
import { encodeCursor, type Page, type PageRequest } from '../../domain/page.js';

/** A listing as the reads take it: validated, with the types wanted (an empty list wants none). */
export interface NotificationPageRequest extends PageRequest {
  types: readonly NotificationType[];
}

/**
 * Notifications one listing or count examines at most. An account keeps
 * about NOTIFICATIONS_KEPT, so one call normally sees them all; the bound
 * keeps a call finite if trimming falls behind.
 */
export const EXAMINED_MAX = 2 * (NOTIFICATIONS_KEPT + NOTIFICATIONS_SLACK);

/** Unread counts stop here (a badge needs no more). */
export const UNREAD_MAX = NOTIFICATIONS_KEPT + NOTIFICATIONS_SLACK;

/**
 * Whether the recipient is shown a notification: not from an account
 * hidden for them (blocked either way, or muted), and not about a post
 * that is gone (a favourite or reblog of a deleted post keeps its
 * notification, like its row, but it is never shown).
 */
export function isShown(notification: Notification, hidden: (actor: string) => boolean, postExists: (id: string) => boolean): boolean {
  return !hidden(notification.actor) && (notification.postId === undefined || postExists(notification.postId));
}

/**
 * Builds one page from notifications offered newest first. Filtered ones
 * still move the cursor: it is the last notification examined, so a page
 * shortened by filtering (or by the examination bound) is followed by the
 * next one without repeats or gaps.
 */
export class NotificationPager {
  readonly #items: Notification[] = [];
  readonly #limit: number;
  readonly #budget: number;
  #examined = 0;
  #last: string | undefined;

  constructor(limit: number, budget = EXAMINED_MAX) {
    this.#limit = limit;
    this.#budget = budget;
  }

  /** Takes the next notification and whether it is shown; false once the page is complete. */
  offer(notification: Notification, shown: boolean): boolean {
    this.#examined++;
    this.#last = notification.id;
    if (shown) this.#items.push(notification);
    return this.#items.length < this.#limit && this.#examined < this.#budget;
  }

  /** The page, given whether any notification follows the last one offered. */
  page(more: boolean): Page<Notification> {
    return { items: this.#items, next: more && this.#last !== undefined ? encodeCursor(this.#last) : null };
  }
}

/** Counts the shown notifications newer than the read marker, offered newest first. */
export class UnreadCounter {
  #count = 0;
  #examined = 0;
  readonly #lastReadId: string;

  /** `lastReadId` '' counts every notification. */
  constructor(lastReadId: string) {
    this.#lastReadId = lastReadId;
  }

  /** Whether this notification is newer than the marker (ids ascend from newest to oldest). */
  isUnread(notification: Notification): boolean {
    return this.#lastReadId === '' || notification.id < this.#lastReadId;
  }

  /** Takes the next notification and whether it is shown; false once the count is settled. */
  offer(notification: Notification, shown: boolean): boolean {
    if (!this.isUnread(notification)) return false;
    this.#examined++;
    if (shown) this.#count++;
    return this.#count < UNREAD_MAX && this.#examined < EXAMINED_MAX;
  }

  get count(): number {
    return this.#count;
  }
}
