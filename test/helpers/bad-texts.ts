import { findUnpairedSurrogate, isWellFormed } from '../../src/domain/text-rules.js';
import type { KV } from '../../src/kv/kv.js';

/**
 * The texts issue 14 found accepted, which the text rule
 * (src/domain/text-rules.ts) refuses on every path, each with what its
 * refusal says.
 */
export interface BadText {
  what: string;
  text: string;
  message: RegExp;
  /** Only a JSON body can carry it: forms, queries and multipart are bytes, decoded as UTF-8. */
  jsonOnly?: boolean;
}

export const BAD_TEXTS: readonly BadText[] = [
  { what: 'a lone surrogate', text: 'hi \ud800 there', message: /unpaired surrogate/, jsonOnly: true },
  { what: 'U+202E left open', text: 'see \u202egnp.exe', message: /direction control open \(U\+202E\)/ },
  { what: 'a C1 control (U+0085)', text: 'one\u0085two', message: /control character \(U\+0085\)/ },
  { what: 'a letter with 279 combining marks', text: `a${'\u0301'.repeat(279)}`, message: /more than 8 combining marks/ },
];

/**
 * The keys written since `revision`, other than attempt counters and the
 * last-seen time of a session that already existed (bookkeeping a refused
 * request may legitimately touch).
 */
export async function writesSince(kv: KV, root: string, revision: number): Promise<string[]> {
  const { items } = await kv.range({ prefix: root });
  return items
    .filter((item) => item.modRevision > revision && !item.key.startsWith(`${root}throttle/`))
    .filter((item) => !(item.key.includes('sessions/') && item.createRevision <= revision))
    .map((item) => item.key);
}

/** The keys whose value holds half a character, as such or as a JSON escape (records are JSON). */
export async function malformedValues(kv: KV, root: string): Promise<string[]> {
  const { items } = await kv.range({ prefix: root });
  return items.filter((item) => !isWellFormed(item.key) || !isWellFormed(item.value) || jsonHalf(item.value)).map((item) => item.key);
}

function jsonHalf(value: string): boolean {
  try {
    return findUnpairedSurrogate(JSON.parse(value)) !== undefined;
  } catch {
    return false;
  }
}
