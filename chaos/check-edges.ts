/**
 * The checks on follow edges and blocks, part of the pure checker: each
 * follow edge is linearizable together with the blocks between its two
 * accounts (a block clears the edge both ways and refuses new follows), a
 * block leaves no edge either way in the final state, and the helpers the
 * read-your-writes check needs to know when an edge or a block was certain.
 */
import type { FinalState, Op } from './history.js';
import { type HistoryOp, isLinearizable, type Model } from './linearizability.js';

/** One follow edge from → to, and both blocks between the two accounts: `out` is from blocking to, `in` to blocking from. */
interface EdgeState {
  following: boolean;
  out: boolean;
  in: boolean;
}

/** A read gives some of the state: a relationships answer of `from` gives all three, one of `to` only the blocks. */
type EdgeRead = Partial<EdgeState>;

type EdgeOp =
  /** An acknowledged follow cannot have happened across a block; one whose outcome is unknown may have been refused by it. */
  { kind: 'follow'; acknowledged: boolean } | { kind: 'unfollow' } | { kind: 'block' | 'unblock'; by: 'from' | 'to' } | { kind: 'read' };

type EdgeHistoryOp = HistoryOp<EdgeOp, EdgeRead | undefined>;

export const edgeWithBlocksModel: Model<EdgeState, EdgeOp, EdgeRead | undefined> = {
  init: { following: false, out: false, in: false },
  step(state, input, output) {
    switch (input.kind) {
      case 'follow':
        if (state.out || state.in) return { ok: !input.acknowledged, state };
        return { ok: true, state: { ...state, following: true } };
      case 'unfollow':
        return { ok: true, state: { ...state, following: false } };
      case 'block':
        return { ok: true, state: { following: false, out: state.out || input.by === 'from', in: state.in || input.by === 'to' } };
      case 'unblock':
        return { ok: true, state: { ...state, out: state.out && input.by !== 'from', in: state.in && input.by !== 'to' } };
      case 'read': {
        const read = output ?? {};
        const ok = (['following', 'out', 'in'] as const).every((field) => read[field] === undefined || read[field] === state[field]);
        return { ok, state };
      }
    }
  },
  key: (state) => `${+state.following}${+state.out}${+state.in}`,
};

const isBlockKind = (kind: Op['kind']) => kind === 'block' || kind === 'unblock';

/**
 * Per follow edge, follow/unfollow, the blocks either way, and the
 * relationships reads of both accounts (each entry of an answer; an
 * account missing from it says nothing) plus the final read must be
 * linearizable. Ops with an unknown outcome may take effect at any time
 * before the final read, or never; refused ops and unanswered reads are
 * left out. Returns how many edges were checked.
 */
export function checkFollowEdges(ops: Op[], final: FinalState, violations: string[]): number {
  const edges = new Map<string, EdgeHistoryOp[]>();
  const add = (from: string, to: string, op: EdgeHistoryOp) => {
    const edge = `${from}→${to}`;
    edges.set(edge, [...(edges.get(edge) ?? []), op]);
  };
  const users = Object.keys(final.users);
  const span = (op: Op) => ({ start: op.start, end: op.outcome === 'ok' ? op.end : final.at });
  for (const op of ops) {
    if (op.outcome === 'failed' || op.target === undefined) continue;
    if (op.kind === 'follow')
      add(op.client, op.target, { input: { kind: 'follow', acknowledged: op.outcome === 'ok' }, output: undefined, ...span(op) });
    if (op.kind === 'unfollow') add(op.client, op.target, { input: { kind: 'unfollow' }, output: undefined, ...span(op) });
    if (isBlockKind(op.kind)) {
      const kind = op.kind as 'block' | 'unblock';
      add(op.client, op.target, { input: { kind, by: 'from' }, output: undefined, ...span(op) });
      add(op.target, op.client, { input: { kind, by: 'to' }, output: undefined, ...span(op) });
    }
  }
  for (const op of ops) {
    if (op.kind !== 'relationships' || op.outcome !== 'ok') continue;
    const others = new Set([...Object.keys(op.relationships ?? {}), ...Object.keys(op.blocks ?? {})]);
    for (const other of others) {
      if (other === op.client || !users.includes(other)) continue;
      const blocks = op.blocks?.[other];
      const at = { start: op.start, end: op.end };
      add(op.client, other, {
        input: { kind: 'read' },
        output: { following: op.relationships?.[other], out: blocks?.blocking, in: blocks?.blockedBy },
        ...at,
      });
      if (blocks) add(other, op.client, { input: { kind: 'read' }, output: { out: blocks.blockedBy, in: blocks.blocking }, ...at });
    }
  }
  let checked = 0;
  for (const [edge, history] of edges) {
    if (!history.some((h) => h.input.kind !== 'read')) continue; // never written: reads of the initial state only
    const [from, to] = edge.split('→') as [string, string];
    history.push({
      input: { kind: 'read' },
      output: {
        following: final.users[from]?.following.includes(to) ?? false,
        out: final.users[from]?.blocking?.includes(to),
        in: final.users[to]?.blocking?.includes(from),
      },
      start: final.at,
      end: final.at,
    });
    checked++;
    if (!isLinearizable(edgeWithBlocksModel, history)) violations.push(`follow edge ${edge} is not linearizable: ${describe(history)}`);
  }
  return checked;
}

function describe(history: EdgeHistoryOp[]): string {
  const what = (h: EdgeHistoryOp) => {
    const input = h.input;
    if (input.kind === 'read') {
      const shown = Object.entries(h.output ?? {}).filter(([, v]) => v !== undefined);
      return `read{${shown.map(([k, v]) => `${k}=${v}`).join(',')}}`;
    }
    if (input.kind === 'block' || input.kind === 'unblock') return `${input.kind}-by-${input.by}`;
    return input.kind;
  };
  return [...history]
    .sort((a, b) => a.start - b.start)
    .map((h) => `${what(h)}[${Math.round(h.start)},${h.end === Infinity ? '?' : Math.round(h.end)}]`)
    .join(' ');
}

/** A block leaves no follow edge either way: checked on the final state. */
export function checkBlocksLeaveNoEdge(final: FinalState, violations: string[]): void {
  for (const [blocker, { blocking }] of Object.entries(final.users)) {
    for (const blocked of blocking ?? []) {
      if (final.users[blocker]!.following.includes(blocked))
        violations.push(`block left an edge: ${blocker} blocks ${blocked} and still follows them`);
      if (final.users[blocked]?.following.includes(blocker))
        violations.push(`block left an edge: ${blocker} blocks ${blocked}, who still follows ${blocker}`);
    }
  }
}

/** Whether the two accounts block each other (either way) in the final state. */
export function blockedAtEnd(final: FinalState, a: string, b: string): boolean {
  return (final.users[a]?.blocking?.includes(b) ?? false) || (final.users[b]?.blocking?.includes(a) ?? false);
}

/**
 * When a block between two accounts may have been in force: from the
 * start of each block that was not refused until the end of the first
 * acknowledged unblock by the same account that began after the block
 * was acknowledged; for ever after a block whose outcome is unknown (it
 * may land late).
 */
export class BlockWindows {
  readonly #windows = new Map<string, [number, number][]>();

  constructor(ops: Op[]) {
    const unblocks = ops.filter((o) => o.kind === 'unblock' && o.outcome === 'ok');
    for (const block of ops) {
      if (block.kind !== 'block' || block.outcome === 'failed' || block.target === undefined) continue;
      let until = Infinity;
      if (block.outcome === 'ok') {
        for (const u of unblocks) {
          if (u.client === block.client && u.target === block.target && u.start > block.end) until = Math.min(until, u.end);
        }
      }
      const pair = BlockWindows.#pair(block.client, block.target);
      this.#windows.set(pair, [...(this.#windows.get(pair) ?? []), [block.start, until]]);
    }
  }

  static #pair(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  /** Whether a block either way between a and b may have been in force at some moment of [start, end]. */
  possible(a: string, b: string, start: number, end: number): boolean {
    return (this.#windows.get(BlockWindows.#pair(a, b)) ?? []).some(([from, until]) => from <= end && until >= start);
  }
}

/**
 * The writes that set or clear the follow edge reader → author: its
 * follows and unfollows, and the blocks either way (a block clears it).
 */
export function edgeWrites(ops: Op[]): Map<string, Op[]> {
  const writes = new Map<string, Op[]>();
  const add = (edge: string, op: Op) => writes.set(edge, [...(writes.get(edge) ?? []), op]);
  for (const op of ops) {
    if (op.outcome === 'failed' || op.target === undefined) continue;
    if (op.kind === 'follow' || op.kind === 'unfollow') add(`${op.client}→${op.target}`, op);
    if (op.kind === 'block') {
      add(`${op.client}→${op.target}`, op);
      add(`${op.target}→${op.client}`, op);
    }
  }
  return writes;
}

/** Whether a follow was acknowledged before `start` and nothing that clears the edge (unfollow, block either way) could have landed before `end`. */
export function certainlyFollowing(writes: Op[], start: number, end: number): boolean {
  const follows = writes.filter((w) => w.kind === 'follow' && w.outcome === 'ok' && w.end < start);
  return follows.some((f) => !writes.some((w) => w.kind !== 'follow' && w.start < end && (w.outcome !== 'ok' || w.end > f.start)));
}
