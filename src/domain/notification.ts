import { invalid } from './errors.js';
import { derivedId } from './post.js';

/**
 * A notification: one per action on someone else's account or post.
 * A reply notifies the parent's author as a `mention`, once, even when the
 * reply also names them. Undoing the action (unfollow, unfavourite,
 * unreblog, deleting the post) deletes its notification in the same txn,
 * so a notification exists exactly while its action does.
 */
export interface Notification {
  /**
   * Newest first in ascending order, like post ids (17 base-36 characters):
   * derived from the action's time and a hash of (type, actor, subject), so
   * whoever undoes the action can name the key without an index.
   */
  id: string;
  /** Who is notified. */
  recipient: string;
  type: NotificationType;
  /** Who acted. */
  actor: string;
  /** The post concerned: the favourited/reblogged original, or the mentioning post. Absent for follow. */
  postId?: string;
  createdAtMs: number;
}

export const NOTIFICATION_TYPES = ['follow', 'mention', 'favourite', 'reblog'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Each account keeps its newest NOTIFICATIONS_KEPT notifications; once it
 * has more than NOTIFICATIONS_KEPT + NOTIFICATIONS_SLACK, the oldest beyond
 * NOTIFICATIONS_KEPT are deleted, so the trim is a batch now and then, not
 * a delete with every new notification.
 */
export const NOTIFICATIONS_KEPT = 1000;
export const NOTIFICATIONS_SLACK = 100;

export function isNotificationType(input: unknown): input is NotificationType {
  return typeof input === 'string' && (NOTIFICATION_TYPES as readonly string[]).includes(input);
}

/** Which types a listing asks for: `types` if given (else all), minus `excludeTypes`; `invalid` only for values that are not strings. */
export function parseNotificationTypes(types: unknown, excludeTypes: unknown): NotificationType[] {
  const list = (input: unknown, field: string): string[] | undefined => {
    if (input === undefined || input === null || input === '') return undefined;
    const values = Array.isArray(input) ? input : [input];
    for (const value of values) if (typeof value !== 'string') throw invalid(`${field} must be a list of notification types.`, field);
    return values as string[];
  };
  const wanted = list(types, 'types');
  const excluded = list(excludeTypes, 'exclude_types') ?? [];
  // Mastodon has more types than Chorus produces; asking for one of those simply finds none.
  return NOTIFICATION_TYPES.filter((type) => (wanted === undefined || wanted.includes(type)) && !excluded.includes(type));
}

/** The filter a notifications listing applies. */
export interface NotificationQuery {
  limit?: number;
  cursor?: string;
  /** Only these types; all when absent. */
  types?: NotificationType[];
}

/**
 * The notification an action causes, with its derived id (see
 * derivedId): the action's undoing rebuilds the same record from the
 * action's time to delete it. `subject` is the post id, or for a follow
 * the follower.
 */
export function notificationFor(
  type: NotificationType,
  actor: string,
  recipient: string,
  createdAtMs: number,
  postId?: string,
): Notification {
  const id = derivedId(createdAtMs, `${type}/${actor}/${postId ?? actor}`);
  return postId === undefined ? { id, recipient, type, actor, createdAtMs } : { id, recipient, type, actor, postId, createdAtMs };
}
