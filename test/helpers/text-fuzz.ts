import fc from 'fast-check';
import { keyspace } from '../../src/kv/keys.js';
import type { KV } from '../../src/kv/kv.js';

/** What the fuzz tests (test/web-heavy/fuzz.test.ts) know about the text rule (src/domain/text-rules.ts). */

/**
 * Text built from what the text rule is about: controls, combining marks,
 * joiners, directional controls (balanced or not), halves of characters,
 * right-to-left letters, beside ordinary ones.
 */
const ruleUnits = fc.string({
  unit: fc.constantFrom(
    'a',
    ' ',
    'ע',
    '😀',
    '\n',
    '\t',
    '\r',
    '\u0000',
    '\u0007',
    '\u007f',
    '\u0085',
    '\u009f',
    '\u0301',
    '\u093e',
    '\u20e3',
    '\u200d',
    '\u200f',
    '\u202a',
    '\u202c',
    '\u202e',
    '\u2067',
    '\u2069',
    '\ud800',
    '\udc00',
  ),
  maxLength: 40,
});

/** A character under a stack of marks around the bound (joiners among them), between two such texts. */
const stacked = fc
  .tuple(
    ruleUnits,
    fc.constantFrom('a', 'ע', '1'),
    fc.array(fc.constantFrom('\u0301', '\u0302', '\u093e', '\u20e3', '\u200d'), { minLength: 5, maxLength: 14 }),
    ruleUnits,
  )
  .map(([before, base, marks, after]) => `${before}${base}${marks.join('')}${after}`);

/** Text that keeps the rule, mostly: right-to-left letters, a few marks, balanced directional controls. */
const kept = fc.string({
  unit: fc.constantFrom('a', ' ', 'ע', '😀', '\u0301', '\n', '\u200d', '\u2067ע\u2069', '\u202bab\u202c'),
  minLength: 1,
  maxLength: 30,
});

export const ruleText = fc.oneof(ruleUnits, stacked, kept);

/** encodeURIComponent, except that half a character becomes the bytes WTF-8 gives it (which no UTF-8 decoder takes). */
export function encodePart(text: string): string {
  return text
    .split(/(\p{Cs})/u)
    .map((part, i) => {
      if (i % 2 === 0) return encodeURIComponent(part);
      const unit = part.charCodeAt(0);
      return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    })
    .join('');
}

/**
 * What the text rule promises of stored text, checked another way than
 * text-rules.ts does it (so a mistake there is not repeated here): no half
 * characters, no controls but line breaks and tabs where allowed, no run
 * of more than 8 combining marks, and no directional control left once
 * balanced pairs are removed, innermost first.
 */
export function ruleBreak(text: string, lines: boolean): string | undefined {
  if (/\p{Cs}/u.test(text)) return 'half a character';
  const controls = [...text].filter((c) => /\p{Cc}/u.test(c) && !(lines && (c === '\n' || c === '\t')));
  if (controls.length > 0) return 'a control character';
  if (/\p{M}(?:\p{Cf}*\p{M}){8}/u.test(text)) return 'more than 8 combining marks';
  for (const line of text.split('\n')) {
    let rest = line;
    for (let previous = ''; previous !== rest; ) {
      previous = rest;
      rest = rest.replace(
        /[\u202a\u202b\u202d\u202e][^\u202a-\u202e\u2066-\u2069]*\u202c|[\u2066-\u2068][^\u202a-\u202e\u2066-\u2069]*\u2069/g,
        '',
      );
    }
    if (/[\u202a-\u202e\u2066-\u2069]/.test(rest)) return 'an unbalanced directional control';
  }
  return undefined;
}

/** Stored texts that break the text rule: posts, display names, bios and app names. */
export async function storedRuleBreaks(kv: KV): Promise<string[]> {
  const keys = keyspace();
  const checks: Array<[string, string, boolean]> = [
    [keys.family('posts-by'), 'text', true],
    [keys.family('accounts'), 'displayName', false],
    [keys.family('accounts'), 'bio', true],
    [keys.family('apps'), 'name', false],
  ];
  const broken: string[] = [];
  for (const [prefix, field, lines] of checks) {
    for (const item of (await kv.range({ prefix })).items) {
      const value = (JSON.parse(item.value) as Record<string, unknown>)[field];
      const problem = typeof value === 'string' ? ruleBreak(value, lines) : undefined;
      if (problem) broken.push(`${item.key} ${field}: ${problem} in ${JSON.stringify(value)}`);
    }
  }
  return broken;
}
