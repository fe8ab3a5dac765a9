import { statusId } from '../../domain/mastodon-ids.js';
import type { Notification } from '../../domain/notification.js';
import type { MastodonAccount } from './account.js';
import type { MastodonStatus } from './status.js';

/**
 * Mastodon's Notification entity (docs.joinmastodon.org/entities/Notification),
 * as Mastodon 4.2 renders it. Its id is the notification id mapped as
 * status ids are (domain/mastodon-ids.ts): notification ids have the post
 * id format, so they too are 27-digit decimals that grow with time.
 * `status` is present for the types that concern one (mention, favourite,
 * reblog) and absent for follow, as Mastodon leaves it out.
 */
export interface MastodonNotification {
  id: string;
  type: Notification['type'];
  created_at: string;
  account: MastodonAccount;
  status?: MastodonStatus;
}

export function mastodonNotification(notification: Notification, account: MastodonAccount, status?: MastodonStatus): MastodonNotification {
  const entity: MastodonNotification = {
    id: statusId(notification.id),
    type: notification.type,
    created_at: new Date(notification.createdAtMs).toISOString(),
    account,
  };
  return status === undefined ? entity : { ...entity, status };
}
