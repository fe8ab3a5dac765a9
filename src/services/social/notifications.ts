import { lookupUsername } from '../../domain/account.js';
import { invalid, notFound } from '../../domain/errors.js';
import { isNotificationType, NOTIFICATION_TYPES, type Notification, type NotificationQuery } from '../../domain/notification.js';
import { decodeCursor, type Page, parseLimit } from '../../domain/page.js';
import { isPostId } from '../../domain/post.js';
import type { NotificationMarker } from '../../domain/social.js';
import { CONFLICT, DEFAULT_CAS_ATTEMPTS, retryOnConflict } from '../../kv/cas.js';
import type { Compare } from '../../kv/kv.js';
import type { Store } from '../store.js';
import { accountsExist, noSuchUser } from './accounts.js';
import { busy } from './follows.js';
import type { NotificationPageRequest } from './notification-pages.js';
import type { SocialReads } from './reads.js';

/** Where a call reads (SocialService.reads): asked only once the input is valid. */
type Reads = () => Promise<SocialReads>;

export const noSuchNotification = () => notFound('No such notification.');

/** See Social.listNotifications. */
export async function listNotifications(reads: Reads, recipientInput: string, query: NotificationQuery = {}): Promise<Page<Notification>> {
  const recipient = lookupUsername(recipientInput);
  const request = parseNotificationQuery(query);
  return (await reads()).notifications(recipient, request);
}

/** `not_found` for a malformed id, another's notification, or one not shown (from a hidden account, about a deleted post). */
export async function getNotification(reads: Reads, recipientInput: string, id: string): Promise<Notification> {
  const recipient = lookupUsername(recipientInput);
  if (!isPostId(id)) throw noSuchNotification();
  const notification = await (await reads()).notification(recipient, id);
  if (!notification) throw noSuchNotification();
  return notification;
}

/** Deletes one if it exists; a repeat writes nothing. `not_found` only for a malformed id. */
export async function dismissNotification({ kv, keys }: Store, recipientInput: string, id: string): Promise<void> {
  const recipient = lookupUsername(recipientInput);
  if (!isPostId(id)) throw noSuchNotification();
  const key = keys.notification(recipient, id);
  await kv.txn({ compare: [{ key, target: 'version', op: '>', value: 0 }], success: [{ type: 'delete', key }] });
}

/** One range delete of the recipient's prefix (one revision, however many there were). */
export async function clearNotifications({ kv, keys }: Store, recipientInput: string): Promise<void> {
  await kv.deletePrefix(keys.notificationsPrefix(lookupUsername(recipientInput)));
}

/** See Social.notificationMarker. */
export async function notificationMarker(reads: Reads, recipientInput: string): Promise<NotificationMarker> {
  const recipient = lookupUsername(recipientInput);
  return (await reads()).notificationMarker(recipient);
}

/**
 * Moves the read marker to `lastReadId`, or to the newest notification,
 * only forwards (to a smaller id: ids ascend from newest to oldest). A
 * compare-and-swap on the marker key, so two devices marking at once
 * keep the newer mark. A marker already there or newer writes nothing.
 */
export async function markNotificationsRead(
  { kv, keys }: Store,
  reads: Reads,
  recipientInput: string,
  lastReadIdInput?: string,
): Promise<NotificationMarker> {
  const recipient = lookupUsername(recipientInput);
  const given = lastReadIdInput === undefined || lastReadIdInput === '' ? undefined : lastReadIdInput;
  if (given !== undefined && !isPostId(given)) throw invalid('The last read id must be a notification id.', 'lastReadId');
  const key = keys.notificationMark(recipient);
  const result = await retryOnConflict(DEFAULT_CAS_ATTEMPTS, async () => {
    const [mark, newest] = await Promise.all([
      kv.get(key),
      given === undefined ? kv.range({ prefix: keys.notificationsPrefix(recipient), limit: 1 }) : undefined,
    ]);
    const target = given ?? newest?.items[0]?.key.slice(keys.notificationsPrefix(recipient).length);
    if (target === undefined || (mark !== undefined && mark.value <= target)) return;
    const unchanged: Compare = mark
      ? { key, target: 'modRevision', op: '==', value: mark.modRevision }
      : { key, target: 'version', op: '==', value: 0 };
    const account = accountsExist(keys, [recipient]);
    const written = await kv.txn({
      compare: [unchanged, ...account.compare],
      success: [{ type: 'put', key, value: target }],
      failure: account.failure,
    });
    if (written.succeeded) return;
    // A marker must not outlive its account's sweep.
    if (account.gone(written.results).size > 0) throw noSuchUser();
    return CONFLICT;
  });
  if (result.status === 'exhausted') throw busy();
  return (await reads()).notificationMarker(recipient);
}

/** Validates a listing's limit, cursor (a notification id) and types (all when absent). */
export function parseNotificationQuery(query: NotificationQuery): NotificationPageRequest {
  const types = query.types ?? NOTIFICATION_TYPES;
  if (!Array.isArray(types) || !types.every(isNotificationType)) {
    throw invalid(`Notification types are ${NOTIFICATION_TYPES.join(', ')}.`, 'types');
  }
  return { limit: parseLimit(query.limit), after: decodeCursor(query.cursor, isPostId), types };
}
