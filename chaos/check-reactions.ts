/**
 * The checks on favourites and reblogs, part of the pure checker. Per
 * (account, status), favourite/unfavourite and the `favourited` flag that
 * account read are a one-bit register that must be linearizable (and the
 * same for reblog/unreblog and `reblogged`); each status's counts equal
 * the accounts whose flag is set at the end, within what the history
 * allows; and each reblog is one wrapper status in its reblogger's posts.
 */
import { blockedAtEnd } from './check-edges.js';
import type { FinalState, Op, OpKind, StatusRead } from './history.js';
import { type BitInput, bitModel, type HistoryOp, isLinearizable } from './linearizability.js';

interface Reaction {
  name: 'favourite' | 'reblog';
  set: OpKind;
  clear: OpKind;
  flag: (read: StatusRead) => boolean;
  count: (read: StatusRead) => number;
}

const REACTIONS: Reaction[] = [
  { name: 'favourite', set: 'favourite', clear: 'unfavourite', flag: (r) => r.favourited, count: (r) => r.favourites },
  { name: 'reblog', set: 'reblog', clear: 'unreblog', flag: (r) => r.reblogged, count: (r) => r.reblogs },
];

/** Returns how many (account, status, reaction) registers were checked. */
export function checkReactions(ops: Op[], final: FinalState, violations: string[]): number {
  if (!final.statuses) return 0;
  let checked = 0;
  for (const reaction of REACTIONS) {
    const writes = new Map<string, Op[]>(); // `${actor} ${status}` → its writes not refused
    for (const op of ops) {
      if ((op.kind === reaction.set || op.kind === reaction.clear) && op.statusId && op.outcome !== 'failed') {
        const key = `${op.client} ${op.statusId}`;
        writes.set(key, [...(writes.get(key) ?? []), op]);
      }
    }
    for (const [key, history] of writes) {
      const [actor, status] = key.split(' ') as [string, string];
      if (!final.statuses[status]) continue; // not a target of this run's final read
      checked++;
      if (!linearizable(reaction, history, ops, actor, status, final)) {
        violations.push(
          `${reaction.name} of ${status} by ${actor} is not linearizable: ${describe(reaction, history, ops, actor, status)}`,
        );
      }
    }
    checkCounts(reaction, writes, final, violations);
  }
  checkReblogWrappers(final, violations);
  return checked;
}

function linearizable(reaction: Reaction, writes: Op[], ops: Op[], actor: string, status: string, final: FinalState): boolean {
  const history: HistoryOp<BitInput, boolean | undefined>[] = writes.map((op) => ({
    input: { kind: op.kind === reaction.set ? 'set' : 'clear' },
    output: undefined,
    start: op.start,
    end: op.outcome === 'ok' ? op.end : final.at,
  }));
  for (const read of ops) {
    if (read.kind === 'status' && read.outcome === 'ok' && read.client === actor && read.statusId === status && read.statusRead) {
      history.push({ input: { kind: 'read' }, output: reaction.flag(read.statusRead), start: read.start, end: read.end });
    }
  }
  const last = final.statuses?.[status]?.reads[actor];
  if (last) history.push({ input: { kind: 'read' }, output: reaction.flag(last), start: final.at, end: final.at });
  return isLinearizable(bitModel, history);
}

function describe(reaction: Reaction, writes: Op[], ops: Op[], actor: string, status: string): string {
  const reads = ops.filter((o) => o.kind === 'status' && o.outcome === 'ok' && o.client === actor && o.statusId === status);
  return [...writes, ...reads]
    .sort((a, b) => a.start - b.start)
    .map((o) => {
      const what =
        o.kind === 'status' ? `read=${o.statusRead ? reaction.flag(o.statusRead) : '?'}` : `${o.kind}${o.outcome === 'ok' ? '' : '?'}`;
      return `${what}[${Math.round(o.start)},${Math.round(o.end)}]`;
    })
    .join(' ');
}

/**
 * The values the register may hold at the end: that of any acknowledged
 * write that no other acknowledged write certainly followed, that of any
 * write whose outcome is unknown (it may land last), and false when no
 * write was acknowledged (the unknown ones may never have landed).
 */
export function possibleFinalValues(writes: Op[], set: OpKind): Set<boolean> {
  const acked = writes.filter((w) => w.outcome === 'ok');
  const values = new Set<boolean>();
  for (const w of acked) if (!acked.some((later) => later.start > w.end)) values.add(w.kind === set);
  for (const w of writes) if (w.outcome === 'unknown') values.add(w.kind === set);
  if (acked.length === 0) values.add(false);
  return values;
}

/**
 * Every acknowledged reaction counted exactly once: each reader's count
 * equals the readers whose own flag is set (every account of the run
 * reads every target at the end; one refused the status is not known),
 * and lies between the accounts whose history certainly leaves the
 * reaction in place and those whose history may.
 */
function checkCounts(reaction: Reaction, writes: Map<string, Op[]>, final: FinalState, violations: string[]): void {
  const accounts = Object.keys(final.users);
  for (const [status, { reads }] of Object.entries(final.statuses ?? {})) {
    let certain = 0;
    let possible = 0;
    for (const actor of accounts) {
      const values = possibleFinalValues(writes.get(`${actor} ${status}`) ?? [], reaction.set);
      if (values.has(true)) possible++;
      if (values.has(true) && !values.has(false)) certain++;
    }
    const flagged = Object.values(reads).filter(reaction.flag).length;
    const unread = accounts.filter((a) => !reads[a]).length;
    for (const [reader, read] of Object.entries(reads)) {
      const count = reaction.count(read);
      if (count < certain || count > possible)
        violations.push(
          `${reaction.name}s of ${status} miscounted: ${reader} read ${count}, but the history allows ${certain} to ${possible}`,
        );
      if (count < flagged || count > flagged + unread)
        violations.push(
          `${reaction.name}s of ${status} miscounted: ${reader} read ${count}, but ${flagged} accounts read their own ${reaction.name} set` +
            (unread > 0 ? ` (and ${unread} could not read the status)` : ''),
        );
    }
  }
}

/**
 * A reblog is one wrapper status in its reblogger's posts: never two for
 * one original, none without `reblogged` set, and one for each `reblogged`
 * set unless a block between the two accounts hides it from its own
 * reblogger's listing.
 */
function checkReblogWrappers(final: FinalState, violations: string[]): void {
  const statuses = final.statuses ?? {};
  for (const [user, { posts }] of Object.entries(final.users)) {
    const wrappers = new Map<string, string[]>(); // original → wrapper ids
    for (const post of posts) {
      if (post.reblogOf !== undefined) wrappers.set(post.reblogOf, [...(wrappers.get(post.reblogOf) ?? []), post.id]);
    }
    for (const [original, ids] of wrappers) {
      if (ids.length > 1) violations.push(`duplicate reblog: ${user} reblogged ${original} ${ids.length} times (${ids.join(', ')})`);
      const target = statuses[original];
      if (!target) violations.push(`phantom reblog: ${user}'s posts hold a reblog of ${original}, which no client reblogged`);
      else if (target.reads[user] && !target.reads[user].reblogged)
        violations.push(`reblog ${ids[0]} of ${original} is in ${user}'s posts, but ${user} reads reblogged=false`);
    }
    for (const [original, target] of Object.entries(statuses)) {
      if (target.reads[user]?.reblogged && !wrappers.has(original) && !blockedAtEnd(final, user, target.author))
        violations.push(`lost reblog: ${user} reads reblogged=true on ${original}, but no reblog of it is in ${user}'s posts`);
    }
  }
}
