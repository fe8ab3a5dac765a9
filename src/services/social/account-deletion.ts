import { DomainError } from '../../domain/errors.js';
import { notificationFor } from '../../domain/notification.js';
import type { KeyValue, Op } from '../../kv/kv.js';
import { parsePost, parseTombstone, parseUserSession } from '../../kv/records.js';
import { scan } from '../../kv/scan.js';
import type { Store } from '../store.js';
import { deleteStoredPost } from './posts.js';
import { favouriteListId } from './reactions.js';

/**
 * The second half of deleting an account. The auth service checks the
 * password and, in one txn, deletes accounts/<name> and writes the
 * tombstone at deleted-accounts/<name> (keys.ts): from then on every read
 * finds no account and the name stays taken. Every txn that would leave a
 * row of the account (anything it does; a follow, block or mute of it; a
 * favourite, reblog or reply of its posts; a mention of it) requires the
 * account (accountsExist), so it is refused, or for a mention writes plain
 * text: what the sweep reads after the tombstone is all there will ever
 * be, and one pass removes it. What the account left (sessions, posts with
 * their rows, follow edges both ways, favourites, blocks and mutes both
 * ways, notifications) is swept here in transactions of at most BATCH
 * keys, so a big account fits etcd's limits. Every step deletes what it
 * finds and finding nothing is no error, so a sweep cut short by a crash
 * is simply run again (at start-up, when a tombstone appears, and on a
 * timer: DeletionSweeper) until the tombstone says `swept`. The social
 * service runs it because these rows are its own.
 */

/** Keys per txn: well under etcd's 128 operations. */
const BATCH = 96;

/** Sweeps every account whose tombstone is not yet `swept`; returns how many it finished. */
export async function sweepDeletedAccounts(store: Store): Promise<number> {
  let finished = 0;
  for await (const item of scan(store.kv, { prefix: store.keys.deletedAccountsPrefix(), pageSize: BATCH })) {
    const tombstone = parseTombstone(item.value);
    if (tombstone.swept) continue;
    await sweepAccount(store, tombstone.username);
    // Only if the tombstone is as read: a concurrent sweep may have finished it first, which is the same outcome.
    await store.kv.txn({
      compare: [{ key: item.key, target: 'modRevision', op: '==', value: item.modRevision }],
      success: [{ type: 'put', key: item.key, value: JSON.stringify({ ...tombstone, swept: true }) }],
    });
    finished++;
  }
  return finished;
}

/**
 * One pass over everything the account left; idempotent. Sessions go
 * first, so nothing acts as the account while the rest goes; the other
 * steps touch rows of their own and run side by side, so a sweep takes
 * about as many round trips as its longest step.
 */
export async function sweepAccount(store: Store, name: string): Promise<void> {
  const { kv, keys } = store;
  await eachItem(store, keys.userSessionsPrefix(name), async (item) => {
    await kv.revokeLease(parseUserSession(item.value).leaseId).catch(() => {});
    return [item.key, keys.session(item.key.slice(keys.userSessionsPrefix(name).length))];
  });
  await allSettled([
    // Posts (reblogs included), each with its rows and the notifications it caused, one guarded txn per post.
    (async () => {
      for await (const item of scan(kv, { prefix: keys.authorPostsPrefix(name), pageSize: BATCH })) {
        const post = parsePost(item.value);
        const index = await kv.get(keys.post(post.id));
        // The post's own txn deletes its record with its rows; a record whose index is gone is all that is left of it.
        if (index) await deleteStoredPost(store, { post, index }).catch(unlessGone);
        else await kv.delete(item.key);
      }
    })(),
    eachItem(store, keys.followingPrefix(name), (item) => {
      const followee = item.key.slice(keys.followingPrefix(name).length);
      return [item.key, keys.follower(followee, name), ...followNotification(store, name, followee, item)];
    }),
    eachItem(store, keys.followersPrefix(name), (item) => {
      const follower = item.key.slice(keys.followersPrefix(name).length);
      return [item.key, keys.following(follower, name)];
    }),
    eachItem(store, keys.actorFavouritesPrefix(name), async (item) => {
      const postId = item.value;
      const [row, index] = await Promise.all([kv.get(keys.favourite(postId, name)), kv.get(keys.post(postId))]);
      const doomed = [item.key, keys.favourite(postId, name)];
      const at = Number(row?.value);
      if (index && index.value !== name && Number.isSafeInteger(at) && favouriteListId(at, name, postId) === lastPart(item.key)) {
        doomed.push(keys.notification(index.value, notificationFor('favourite', name, index.value, at, postId).id));
      }
      return doomed;
    }),
    eachItem(store, keys.blocksPrefix(name), (item) => [item.key, keys.blockedBy(lastPart(item.key), name)]),
    eachItem(store, keys.blockedByPrefix(name), (item) => [item.key, keys.block(lastPart(item.key), name)]),
    eachItem(store, keys.mutesPrefix(name), (item) => [item.key]),
    // Mutes have no index by the muted account: walk them all, page by page (rare, and bounded in memory).
    eachItem(store, keys.family('mutes'), (item) => (lastPart(item.key) === name ? [item.key] : [])),
    eachItem(store, keys.idempotencyPrefix(name), (item) => [item.key]),
    eachItem(store, keys.notificationsPrefix(name), (item) => [item.key]),
    kv.delete(keys.notificationMark(name)),
  ]);
}

/** Waits for every step, so none still runs when the sweep reports; then throws the first failure, if any. */
async function allSettled(steps: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function followNotification({ keys }: Store, follower: string, followee: string, edge: KeyValue): string[] {
  const since = Number(edge.value);
  return Number.isSafeInteger(since) ? [keys.notification(followee, notificationFor('follow', follower, followee, since).id)] : [];
}

/** A post deleted by someone else meanwhile (a concurrent sweep) is the outcome wanted; anything else stops the sweep. */
function unlessGone(error: unknown): void {
  if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
}

function lastPart(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/**
 * Reads `prefix` a page at a time and deletes, per page in one txn, the
 * keys `doomed` names for each item, then reads on past the page's last
 * key (deleted or not: the mutes walk keeps most of what it reads).
 */
async function eachItem(store: Store, prefix: string, doomed: (item: KeyValue) => string[] | Promise<string[]>): Promise<void> {
  const { kv } = store;
  let after: string | undefined;
  for (;;) {
    const page = await kv.range({ prefix, after, limit: BATCH / 4 });
    const keys = new Set<string>();
    for (const item of page.items) for (const key of await doomed(item)) keys.add(key);
    const ops: Op[] = [...keys].map((key) => ({ type: 'delete', key }));
    for (let i = 0; i < ops.length; i += BATCH) await kv.txn({ compare: [], success: ops.slice(i, i + BATCH) });
    if (!page.more) return;
    after = page.items.at(-1)?.key;
  }
}
