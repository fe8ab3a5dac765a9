/**
 * The per-account bound on notifications (domain/notification.ts): the
 * trim itself, and when a service runs it.
 */
import { NOTIFICATIONS_KEPT, NOTIFICATIONS_SLACK } from '../../domain/notification.js';
import type { KeyValue } from '../../kv/kv.js';
import { MAX_TXN_OPS } from '../../kv/limits.js';
import { scanPages } from '../../kv/scan.js';
import type { Store } from '../store.js';

/** How many notifications an account keeps, and how far past that it may go before a trim. */
export interface NotificationBound {
  kept: number;
  slack: number;
}

export const DEFAULT_NOTIFICATION_BOUND: NotificationBound = Object.freeze({ kept: NOTIFICATIONS_KEPT, slack: NOTIFICATIONS_SLACK });

/** Keys read per page while looking for the oldest notifications. */
const TRIM_PAGE = 500;

/**
 * Keeps one recipient's notifications bounded: when they have more than
 * `kept + slack`, deletes the oldest beyond `kept`. Run it after a write
 * that added a notification, off the request path (nothing waits for it,
 * and a failure is repaired by the next trim); concurrent trims of the
 * same recipient are harmless. It costs one count-only range, and when
 * over the bound, a scan of the prefix and batches of guarded deletes: a
 * notification rewritten since it was read (an undone action redone in the
 * same millisecond) is left, and its batch waits for a later trim.
 * Returns how many it deleted.
 *
 * Services call it through NotificationTrimmer.notified.
 */
export async function trimNotifications({ kv, keys }: Store, recipient: string, bound = DEFAULT_NOTIFICATION_BOUND): Promise<number> {
  const prefix = keys.notificationsPrefix(recipient);
  if ((await kv.count(prefix)) <= bound.kept + bound.slack) return 0;
  const oldest: KeyValue[] = [];
  let seen = 0;
  for await (const page of scanPages(kv, { prefix, pageSize: TRIM_PAGE })) {
    for (const item of page.items) if (++seen > bound.kept) oldest.push(item);
  }
  let deleted = 0;
  for (let i = 0; i < oldest.length; i += MAX_TXN_OPS) {
    const batch = oldest.slice(i, i + MAX_TXN_OPS);
    const result = await kv.txn({
      compare: batch.map((item) => ({ key: item.key, target: 'modRevision', op: '==', value: item.modRevision })),
      success: batch.map((item) => ({ type: 'delete', key: item.key })),
    });
    if (result.succeeded) deleted += batch.length;
  }
  return deleted;
}

/** Rounds one trimmer runs for a recipient while writes keep arriving; the next write starts it again. */
const MAX_ROUNDS = 10;

/**
 * Runs trimNotifications after writes that add notifications, off the
 * request path: `notified(recipient, revision)` returns at once. With a
 * count from a view (given the write's revision, resolving the count once
 * the view has applied it, or undefined when it cannot), a recipient the
 * view counts within the bound costs nothing; otherwise the trim counts in
 * the store. Writes for a recipient whose trim is under way fold into one
 * more round, so a burst trims once or twice, not once per write. Never
 * throws: a failed trim is repaired by the next one.
 */
export class NotificationTrimmer {
  readonly #store: Store;
  readonly #bound: NotificationBound;
  readonly #viewCount: (recipient: string, revision: number) => Promise<number | undefined>;
  /** recipient → the newest revision that added one of their notifications and awaits a check. */
  readonly #pending = new Map<string, number>();

  constructor(
    store: Store,
    bound: NotificationBound = DEFAULT_NOTIFICATION_BOUND,
    viewCount: (recipient: string, revision: number) => Promise<number | undefined> = async () => undefined,
  ) {
    this.#store = store;
    this.#bound = bound;
    this.#viewCount = viewCount;
  }

  /**
   * Call after every write that added a notification for `recipient`
   * (a canonical username), with the revision of that write (TxnResult.revision).
   */
  notified(recipient: string, revision: number): void {
    const pending = this.#pending.get(recipient);
    this.#pending.set(recipient, Math.max(pending ?? 0, revision));
    if (pending === undefined) void this.#run(recipient);
  }

  async #run(recipient: string): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const revision = this.#pending.get(recipient)!;
        await this.#check(recipient, revision).catch(() => undefined);
        if (this.#pending.get(recipient) === revision) break;
      }
    } finally {
      this.#pending.delete(recipient);
    }
  }

  async #check(recipient: string, revision: number): Promise<void> {
    const counted = await this.#viewCount(recipient, revision);
    if (counted !== undefined && counted <= this.#bound.kept + this.#bound.slack) return;
    await trimNotifications(this.#store, recipient, this.#bound);
  }
}
