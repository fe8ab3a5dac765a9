/**
 * The chaos clients' reactions and blocks (issue 11): favourite and
 * reblog a few target statuses and undo it, block and unblock other
 * clients, read a target status's counts and flags, read notifications.
 * Writes go through the client's retrying `write`, like follows: each is
 * idempotent per (actor, target), so sending it again after no answer is
 * safe.
 */
import { accountId } from '../src/domain/mastodon-ids.js';
import type { NotificationRef, Op, OpKind, StatusRead } from './history.js';
import type { Answer } from './web-pool.js';

export type SocialAction = 'favourite' | 'unfavourite' | 'reblog' | 'unreblog' | 'block' | 'unblock' | 'status' | 'notifications';

export const SOCIAL_ACTIONS: readonly SocialAction[] = [
  'favourite',
  'unfavourite',
  'reblog',
  'unreblog',
  'block',
  'unblock',
  'status',
  'notifications',
];

/** Mastodon's page limit for notifications is 80; 40 is its default. */
export const NOTIFICATION_PAGE = 40;

/** A status the clients react to: each client's first post. */
export interface Target {
  statusId: string;
  author: string;
}

export type SendExtra = Partial<Op> & { json?: unknown; headers?: Record<string, string>; token?: string; bearer?: string | null };

/** What a client lends the actions: its recorded request, its retry loop for writes, and whom it blocks. */
export interface ActingClient {
  readonly username: string;
  /** Accounts its acknowledged blocks named and no acknowledged unblock has since: whom an unblock picks first. */
  readonly blocked: Set<string>;
  send(
    kind: OpKind,
    method: string,
    path: string,
    extra: SendExtra,
    read?: (answer: Answer) => Partial<Op>,
  ): Promise<{ op: Op; result: Answer | undefined }>;
  write(attempt: () => Promise<{ op: Op }>): Promise<Op>;
}

/** A Mastodon Notification as the checker sees it; a reblog's status is named by its original. */
export const notificationRef = (n: any): NotificationRef => {
  const status = n.status ? String(n.status.reblog?.id ?? n.status.id) : undefined;
  const ref: NotificationRef = { id: String(n.id), type: String(n.type), actor: String(n.account?.username) };
  return status === undefined ? ref : { ...ref, status };
};

/** The counts and the reader's own flags of a Mastodon Status. */
export const statusReadOf = (s: any): StatusRead => ({
  favourited: s.favourited === true,
  reblogged: s.reblogged === true,
  favourites: Number(s.favourites_count),
  reblogs: Number(s.reblogs_count),
});

export async function actSocial(
  client: ActingClient,
  action: SocialAction,
  token: string,
  other: string,
  target: Target,
  random: () => number,
): Promise<void> {
  switch (action) {
    case 'favourite':
    case 'unfavourite':
    case 'reblog':
    case 'unreblog':
      await client.write(() =>
        client.send(
          action,
          'POST',
          `/api/v1/statuses/${target.statusId}/${action}`,
          { token, target: target.author, statusId: target.statusId },
          (a) => (action === 'reblog' ? { reblogId: String(a.body.id) } : {}),
        ),
      );
      return;
    case 'block':
    case 'unblock': {
      const blocked = client.blocked;
      // An unblock mostly undoes one of this client's blocks: a random account is rarely blocked.
      const mine = [...blocked];
      const whom = action === 'unblock' && mine.length > 0 && random() < 0.8 ? mine[Math.floor(random() * mine.length)]! : other;
      const op = await client.write(() =>
        client.send(action, 'POST', `/api/v1/accounts/${accountId(whom)}/${action}`, { token, target: whom }),
      );
      if (op.outcome === 'ok') {
        if (action === 'block') blocked.add(whom);
        else blocked.delete(whom);
      }
      return;
    }
    case 'status':
      await client.send(
        'status',
        'GET',
        `/api/v1/statuses/${target.statusId}`,
        { token, target: target.author, statusId: target.statusId },
        (a) => ({ statusRead: statusReadOf(a.body) }),
      );
      return;
    case 'notifications':
      await client.send('notifications', 'GET', `/api/v1/notifications?limit=${NOTIFICATION_PAGE}`, { token }, (a) => ({
        notifications: Array.isArray(a.body) ? a.body.map(notificationRef) : [],
      }));
      return;
  }
}
