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
 *   text's own box.
 *
 * Kept, deliberately: the bidirectional controls U+202A–U+202E and
 * U+2066–U+2069. Mixed right-to-left and left-to-right writing needs them
 * (Mastodon keeps them too), and the pages isolate every piece of user
 * text (`<bdi>`, `dir="auto"`), so an override cannot reach beyond the
 * text that contains it. Other invisible characters (zero-width joiners,
 * which emoji and several scripts need) are kept as well.
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
  if (tooManyMarks.test(text)) {
    throw invalid(`${rule.subject} has more than ${COMBINING_MARKS_MAX} combining marks on one character.`, rule.field);
  }
}

/**
 * The first `max` code points of `text`, to quote user input in a
 * message: cutting UTF-16 code units instead could split a pair and put a
 * lone surrogate into the answer.
 */
export function excerpt(text: string, max: number): string {
  return [...text].slice(0, max).join('');
}
