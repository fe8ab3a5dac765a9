import { invalid } from './errors.js';

/**
 * The one rule for text people write and others read (posts, bios,
 * display names, app names), checked by the services' parsers and so on
 * every path that writes it: the Mastodon API, the page forms and gRPC.
 *
 * Refused:
 * - an unpaired surrogate (a UTF-16 half of a character): it has no UTF-8
 *   form, so a JSON answer carrying it (as `\ud800`) fails in strict
 *   decoders, and every encoder that meets it silently substitutes U+FFFD,
 *   so it could not even be stored as written;
 * - control characters: C0 (U+0000–U+001F) and DEL, and C1 (U+0080–U+009F,
 *   e.g. U+0085 NEXT LINE, which some software reads as a line break),
 *   except the newline in multi-line text and the tab where a rule allows
 *   it (CR is folded into LF by the parsers first);
 * - more than COMBINING_MARKS_MAX combining marks in a row: stacked marks
 *   ("Zalgo" text) draw over the lines above and below, far outside the
 *   text's own box;
 * - a directional formatting character left open or closing nothing: the
 *   embeddings and overrides U+202A, U+202B, U+202D, U+202E must each be
 *   closed by U+202C (PDF) and the isolates U+2066–U+2068 by U+2069 (PDI),
 *   properly nested, on the same line.
 *
 * Balanced directional controls are kept: mixed right-to-left and
 * left-to-right writing needs them, and Mastodon keeps them all. What an
 * attacker wants from them is an override left open (a lone U+202E) that
 * reverses whatever is shown after the text: the sentence around a name,
 * the next post, a client's own labels; balanced controls cannot reach
 * past the text that holds them, in any client. The pages isolate every
 * piece of user text as well (`<bdi>`, `dir="auto"`), which also covers
 * text stored before this rule. Other invisible characters (the marks
 * U+200E/U+200F, zero-width joiners, which emoji and several scripts
 * need) are kept.
 */

/**
 * The most combining marks one character may carry. Real writing stays
 * well below: Vietnamese stacks two (ệ), pointed and cantillated Hebrew up
 * to four or five, Tibetan stacks of Sanskrit about six, a keycap emoji
 * two (U+FE0F, U+20E3). Unicode's own stream-safe bound (UAX #15) is 30,
 * a limit for buffers rather than for legibility; eight already draws a
 * tower, which is where a run stops being writing.
 */
export const COMBINING_MARKS_MAX = 8;

export interface TextRule {
  /** How a message names the text: "A post", "A display name". */
  subject: string;
  /** The DomainError's field. */
  field: string;
  /** Whether line breaks (LF) are allowed. */
  multiline: boolean;
  /** Whether tabs are allowed. */
  tabs: boolean;
}

const loneSurrogate = /\p{Cs}/u;
const controls = /\p{Cc}/gu;
/** A run of COMBINING_MARKS_MAX + 1 marks; format characters (joiners) between them do not break a run. */
const tooManyMarks = new RegExp(`\\p{M}(?:\\p{Cf}*\\p{M}){${COMBINING_MARKS_MAX}}`, 'u');

/** U+XXXX, as messages name a character. */
export function codePointName(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether `text` is well-formed UTF-16 (every surrogate paired), so it has a UTF-8 form. */
export function isWellFormed(text: string): boolean {
  return !loneSurrogate.test(text);
}

/**
 * Where a JSON-like value (a parsed body, an RPC request) holds a string or
 * a key that is not well-formed: `{ field }` names the innermost property
 * it is under (undefined for a key, or when no object holds it), undefined
 * when there is none. Iterative, so a deeply nested value cannot
 * exhaust the stack; the caller's size limit bounds the work.
 */
export function findUnpairedSurrogate(value: unknown): { field: string | undefined } | undefined {
  const pending: Array<{ value: unknown; field: string | undefined }> = [{ value, field: undefined }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value === 'string') {
      if (!isWellFormed(next.value)) return { field: next.field };
    } else if (typeof next.value === 'object' && next.value !== null && !ArrayBuffer.isView(next.value)) {
      const named = !Array.isArray(next.value);
      for (const [key, child] of Object.entries(next.value)) {
        if (!isWellFormed(key)) return { field: undefined };
        pending.push({ value: child, field: named ? key : next.field });
      }
    }
  }
  return undefined;
}

/** `invalid` for the first way `text` breaks the rule; nothing for text that keeps it. */
export function checkText(text: string, rule: TextRule): void {
  const surrogate = loneSurrogate.exec(text);
  if (surrogate) {
    throw invalid(`${rule.subject} is not valid Unicode: it has an unpaired surrogate (${codePointName(surrogate[0])}).`, rule.field);
  }
  const allowed = (char: string) => (char === '\n' && rule.multiline) || (char === '\t' && rule.tabs);
  for (const match of text.matchAll(controls)) {
    if (allowed(match[0])) continue;
    if (match[0] === '\n') throw invalid(`${rule.subject} must be one line.`, rule.field);
    throw invalid(`${rule.subject} contains a control character (${codePointName(match[0])}).`, rule.field);
  }
  const direction = unbalancedDirection(text);
  if (direction !== undefined) {
    const name = codePointName(direction.char);
    throw invalid(
      direction.open
        ? `${rule.subject} leaves a direction control open (${name}): close each embedding or override with U+202C and each isolate with U+2069, on the same line.`
        : `${rule.subject} has a direction control that closes nothing (${name}).`,
      rule.field,
    );
  }
  if (tooManyMarks.test(text)) {
    throw invalid(`${rule.subject} has more than ${COMBINING_MARKS_MAX} combining marks on one character.`, rule.field);
  }
}

const OPENS_EMBEDDING = '\u202a\u202b\u202d\u202e';
const OPENS_ISOLATE = '\u2066\u2067\u2068';
const CLOSES_EMBEDDING = '\u202c';
const directional = /[\u202a-\u202e\u2066-\u2069\n]/g;

/** The first directional control that is left open (at a line's end) or closes nothing, if any. */
function unbalancedDirection(text: string): { char: string; open: boolean } | undefined {
  const open: string[] = [];
  for (const [char] of text.matchAll(directional)) {
    if (char === '\n') {
      if (open.length > 0) return { char: open.at(-1)!, open: true };
    } else if (OPENS_EMBEDDING.includes(char) || OPENS_ISOLATE.includes(char)) {
      open.push(char);
    } else {
      const top = open.at(-1);
      const closes = char === CLOSES_EMBEDDING ? OPENS_EMBEDDING : OPENS_ISOLATE;
      if (top === undefined || !closes.includes(top)) return { char, open: false };
      open.pop();
    }
  }
  return open.length > 0 ? { char: open.at(-1)!, open: true } : undefined;
}

/**
 * The first `max` code points of `text`, to quote user input in a
 * message: cutting UTF-16 code units instead could split a pair and put a
 * lone surrogate into the answer.
 */
export function excerpt(text: string, max: number): string {
  return [...text].slice(0, max).join('');
}
