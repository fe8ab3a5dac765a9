/**
 * A linearizability checker: Wing and Gong's search with Lowe's
 * just-in-time linearization and state cache, as porcupine implements it.
 * Calls and returns form one time-ordered list; the search repeatedly
 * linearizes the first call it can (removing it and its return from the
 * list), and backtracks when it meets a return whose call is still
 * unlinearized. A (linearized set, state) pair already explored is never
 * explored again, which keeps typical histories fast.
 */

export interface Model<State, Input, Output> {
  init: State;
  /** Whether `input` applied to `state` can produce `output`, and the state after. */
  step(state: State, input: Input, output: Output): { ok: boolean; state: State };
  /** A string that identifies a state, for the cache. */
  key(state: State): string;
}

export interface HistoryOp<Input, Output> {
  input: Input;
  output: Output;
  start: number;
  /** Infinity for an operation whose outcome is unknown: it may take effect at any point after start. */
  end: number;
}

interface Entry {
  call: boolean;
  op: number;
  time: number;
  /** For a call, its return entry. */
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** True when some total order of the ops, consistent with real time, is legal for the model. */
export function isLinearizable<S, I, O>(model: Model<S, I, O>, ops: HistoryOp<I, O>[]): boolean {
  const events: Entry[] = [];
  ops.forEach((op, i) => {
    const ret: Entry = { call: false, op: i, time: op.end, match: undefined, prev: undefined, next: undefined };
    events.push({ call: true, op: i, time: op.start, match: ret, prev: undefined, next: undefined }, ret);
  });
  // Calls before returns at equal times: touching operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? 0 : a.call ? -1 : 1));
  const head: Entry = { call: false, op: -1, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }

  const lift = (entry: Entry) => {
    entry.prev!.next = entry.next;
    entry.next!.prev = entry.prev;
    const match = entry.match!;
    match.prev!.next = match.next;
    if (match.next) match.next.prev = match.prev;
  };
  const unlift = (entry: Entry) => {
    const match = entry.match!;
    match.prev!.next = match;
    if (match.next) match.next.prev = match;
    entry.prev!.next = entry;
    entry.next!.prev = entry;
  };

  const seen = new Set<string>();
  const stack: { entry: Entry; state: S }[] = [];
  let linearized = 0n;
  let state = model.init;
  let entry = head.next;
  while (head.next) {
    if (!entry) return false;
    if (entry.call) {
      const op = ops[entry.op]!;
      const result = model.step(state, op.input, op.output);
      const withOp = linearized | (1n << BigInt(entry.op));
      const cacheKey = `${withOp.toString(36)}|${model.key(result.state)}`;
      if (result.ok && !seen.has(cacheKey)) {
        seen.add(cacheKey);
        stack.push({ entry, state });
        state = result.state;
        linearized = withOp;
        lift(entry);
        entry = head.next;
      } else {
        entry = entry.next;
      }
    } else {
      // A return whose call is not linearized yet: undo the latest choice.
      const top = stack.pop();
      if (!top) return false;
      state = top.state;
      linearized &= ~(1n << BigInt(top.entry.op));
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return true;
}

/** One follow edge as a register of one bit: follow sets it, unfollow clears it, "is following" reads it. */
export type EdgeInput = { kind: 'follow' } | { kind: 'unfollow' } | { kind: 'read' };

export const followEdgeModel: Model<boolean, EdgeInput, boolean | undefined> = {
  init: false,
  step(state, input, output) {
    switch (input.kind) {
      case 'follow':
        return { ok: true, state: true };
      case 'unfollow':
        return { ok: true, state: false };
      case 'read':
        return { ok: output === state, state };
    }
  },
  key: (state) => (state ? '1' : '0'),
};

/** Any one-bit register: a favourite or a reblog of one status by one account, which set and clear. */
export type BitInput = { kind: 'set' } | { kind: 'clear' } | { kind: 'read' };

export const bitModel: Model<boolean, BitInput, boolean | undefined> = {
  init: false,
  step(state, input, output) {
    switch (input.kind) {
      case 'set':
        return { ok: true, state: true };
      case 'clear':
        return { ok: true, state: false };
      case 'read':
        return { ok: output === state, state };
    }
  },
  key: (state) => (state ? '1' : '0'),
};
