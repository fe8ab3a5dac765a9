import { parseSession, parseUserSession, type SessionActivity } from '../kv/records.js';
import type { Store } from './store.js';

/**
 * Idle expiry, shared by the two services that accept tokens (auth, and
 * social for SessionFeeds and PostsAsSession), so a session idle too long is
 * refused by both. Absolute expiry is the session's lease.
 */

/** Last-seen is rewritten at most this often: a store write per session per hour, not per request. */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;
/** Longest user agent kept: enough to tell browsers apart, small enough for every session record. */
export const USER_AGENT_MAX = 200;

/** Whether the session has been used recently enough to still count. */
export function isIdleExpired(activity: SessionActivity & { createdAtMs: number }, now: number): boolean {
  if (activity.idleTimeoutMs === undefined) return false;
  return now >= (activity.lastSeenMs ?? activity.createdAtMs) + activity.idleTimeoutMs;
}

/**
 * Whether last-seen is old enough to rewrite. The interval shrinks with
 * short idle limits, so a session in use never expires between touches.
 */
export function needsTouch(activity: SessionActivity & { createdAtMs: number }, now: number): boolean {
  if (activity.idleTimeoutMs === undefined) return false;
  const interval = Math.min(TOUCH_INTERVAL_MS, activity.idleTimeoutMs / 4);
  return now - (activity.lastSeenMs ?? activity.createdAtMs) >= interval;
}

/**
 * Moves the session's last-seen to `now` in both of its keys. Only if
 * nothing changed the session key since it was read: a session revoked
 * meanwhile stays revoked (its lease is gone, and the compare fails), and
 * of two concurrent touches one is enough.
 */
export async function touchSession({ kv, keys }: Store, tokenHash: string, now: number): Promise<void> {
  const entry = await kv.get(keys.session(tokenHash));
  if (!entry) return;
  const session = parseSession(entry.value);
  if (!needsTouch(session, now) || isIdleExpired(session, now)) return;
  const userKey = keys.userSession(session.username, tokenHash);
  const userEntry = await kv.get(userKey);
  if (!userEntry) return;
  const userSession = parseUserSession(userEntry.value);
  await kv.txn({
    compare: [
      { key: entry.key, target: 'modRevision', op: '==', value: entry.modRevision },
      { key: userKey, target: 'modRevision', op: '==', value: userEntry.modRevision },
    ],
    success: [
      { type: 'put', key: entry.key, value: JSON.stringify({ ...session, lastSeenMs: now }), lease: session.leaseId },
      { type: 'put', key: userKey, value: JSON.stringify({ ...userSession, lastSeenMs: now }), lease: session.leaseId },
    ],
  });
}

/** A user agent as stored: trimmed, printable ASCII only, bounded. */
export function shortUserAgent(input: string | undefined): string {
  return (input ?? '')
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, USER_AGENT_MAX);
}
