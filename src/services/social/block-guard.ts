import { DomainError } from '../../domain/errors.js';
import type { Keyspace } from '../../kv/keys.js';
import type { Compare, KeyValue, KV, Op } from '../../kv/kv.js';

/**
 * The "no block either way" condition of an action between two accounts
 * (a reply, a favourite, a reblog), checked inside the action's own txn:
 * the compares to add, and the gets for its failure branch that tell
 * afterwards whether a block is what failed it.
 */
export function noBlockEitherWay(keys: Keyspace, a: string, b: string): { compare: Compare[]; failure: Op[] } {
  if (a === b) return { compare: [], failure: [] };
  const both = [keys.block(a, b), keys.block(b, a)];
  return {
    compare: both.map((key) => ({ key, target: 'version', op: '==', value: 0 })),
    failure: both.map((key) => ({ type: 'get', key })),
  };
}

/** Whether the failure gets of noBlockEitherWay found a block. */
export function foundBlock(results: readonly (KeyValue | undefined)[]): boolean {
  return results.some((result) => result !== undefined);
}

export const blockedAction = (what: string) => new DomainError('forbidden', `You cannot ${what}: one of you blocks the other.`);

/**
 * Of `recipients`, those `actor` may notify: no block either way. Read
 * before the action's txn (a block written meanwhile still lets one
 * notification through, as a block written just after would have).
 */
export async function notifiable(
  { kv, keys }: { kv: KV; keys: Keyspace },
  actor: string,
  recipients: readonly string[],
): Promise<string[]> {
  const others = recipients.filter((recipient) => recipient !== actor);
  const blocked = await Promise.all(
    others.map(async (recipient) => {
      const [one, other] = await Promise.all([kv.get(keys.block(recipient, actor)), kv.get(keys.block(actor, recipient))]);
      return one !== undefined || other !== undefined;
    }),
  );
  return others.filter((_, i) => !blocked[i]);
}
