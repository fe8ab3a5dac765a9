/**
 * The check on notifications, part of the pure checker: every
 * notification in the final state matches exactly one action that exists
 * in the final state (a follow edge, a favourite, a reblog), and every
 * such action on someone else has exactly one notification, unless a
 * block between the two accounts hides it from its recipient's listing.
 * The chaos clients post nothing that mentions anyone, so a mention is
 * always an orphan. None of them ever dismisses or clears a
 * notification, and none gets near the bound of 1,000 per account.
 */
import { blockedAtEnd } from './check-edges.js';
import type { FinalState, NotificationRef, Op } from './history.js';

/** What a notification records: `follow/actor`, or `type/actor/status`. */
const keyOf = (type: string, actor: string, status?: string) => (status === undefined ? `${type}/${actor}` : `${type}/${actor}/${status}`);

/** Returns how many notifications of the final state were checked. */
export function checkNotifications(ops: Op[], final: FinalState, violations: string[]): number {
  for (const read of ops) {
    if (read.kind !== 'notifications' || read.outcome !== 'ok') continue;
    for (const [key, copies] of byAction(read.notifications ?? [])) {
      if (copies.length > 1)
        violations.push(
          `duplicate notification: ${read.client}'s notifications read at ${Math.round(read.start)} hold ${copies.length} for ${key} (${copies.map((c) => c.id).join(', ')})`,
        );
    }
  }
  const actions = actionsByRecipient(final);
  let checked = 0;
  for (const [recipient, { notifications }] of Object.entries(final.users)) {
    if (!notifications) continue;
    const expected = actions.get(recipient) ?? new Map<string, string>();
    const seen = byAction(notifications);
    for (const n of notifications) {
      checked++;
      const key = actionOf(n);
      if (n.actor === recipient) violations.push(`self notification: ${recipient} was notified of their own ${n.type} (${n.id})`);
      else if (!expected.has(key) && !unknowable(final, n))
        violations.push(`orphan notification: ${recipient}'s ${n.id} (${key}) matches no action in the final state`);
    }
    for (const [key, copies] of seen) {
      if (copies.length > 1)
        violations.push(`duplicate notification: ${recipient} has ${copies.length} for ${key} (${copies.map((c) => c.id).join(', ')})`);
    }
    for (const [key, actor] of expected) {
      if (!seen.has(key) && !blockedAtEnd(final, recipient, actor))
        violations.push(`missing notification: ${recipient} has none for ${key}, which the final state holds`);
    }
  }
  return checked;
}

const actionOf = (n: NotificationRef) => keyOf(n.type, n.actor, n.type === 'follow' ? undefined : n.status);

function byAction(notifications: NotificationRef[]): Map<string, NotificationRef[]> {
  const groups = new Map<string, NotificationRef[]>();
  for (const n of notifications) groups.set(actionOf(n), [...(groups.get(actionOf(n)) ?? []), n]);
  return groups;
}

/** Actions in the final state that notify someone else, by recipient: key → actor. */
function actionsByRecipient(final: FinalState): Map<string, Map<string, string>> {
  const actions = new Map<string, Map<string, string>>();
  const add = (recipient: string, key: string, actor: string) => {
    if (recipient === actor) return;
    if (!actions.has(recipient)) actions.set(recipient, new Map());
    actions.get(recipient)!.set(key, actor);
  };
  for (const [follower, { following }] of Object.entries(final.users)) {
    for (const followee of following) add(followee, keyOf('follow', follower), follower);
  }
  for (const [status, { author, reads }] of Object.entries(final.statuses ?? {})) {
    for (const [actor, read] of Object.entries(reads)) {
      if (read.favourited) add(author, keyOf('favourite', actor, status), actor);
      if (read.reblogged) add(author, keyOf('reblog', actor, status), actor);
    }
  }
  return actions;
}

/** A reaction by an account that could not read the status at the end (a block): whether it still exists is not known. */
function unknowable(final: FinalState, n: NotificationRef): boolean {
  if (n.type !== 'favourite' && n.type !== 'reblog') return false;
  const target = n.status === undefined ? undefined : final.statuses?.[n.status];
  return target !== undefined && target.reads[n.actor] === undefined;
}
