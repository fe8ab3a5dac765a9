import { type DomainError, invalid } from '../domain/errors.js';
import { findUnpairedSurrogate } from '../domain/text-rules.js';
import { HttpStatus } from './errors.js';

/**
 * Every answer is valid UTF-8, whatever came in. The only way a request
 * can carry text with no UTF-8 form is a JSON `\uD800`-style escape:
 * query strings, forms, multipart fields, paths and headers are decoded
 * from bytes, which turns malformed UTF-8 into U+FFFD, keeps it escaped
 * or refuses the URL, and can never produce half a character. So a JSON
 * body is checked once, at the door, whichever route it is for (a post,
 * an app's name, an OAuth parameter); the domain's parsers check the text
 * they keep again (text-rules.ts), for callers that are not this web tier.
 */

/** `invalid` naming the field of a parsed JSON body that holds an unpaired surrogate, or undefined when there is none. */
export function unpairedSurrogateError(body: unknown): DomainError | undefined {
  const found = findUnpairedSurrogate(body);
  if (found === undefined) return undefined;
  const where = found.field === undefined ? 'it' : `"${found.field}"`;
  const error = invalid(`The body is not valid Unicode: ${where} has an unpaired surrogate (a \\uD800–\\uDFFF escape without its pair).`);
  // A body parser's error can reach a route registered before the app's error handler (CORS's catch-all
  // OPTIONS route), which Fastify's default handler answers by statusCode, as it does its own JSON errors.
  return Object.assign(error, { statusCode: HttpStatus.badRequest });
}

/**
 * JSON.stringify writes a lone surrogate as a `\udXXX` escape (ASCII, but
 * strict decoders refuse it) and leaves a paired one as the character
 * itself; so such an escape, after an even run of backslashes, is exactly
 * a lone surrogate.
 */
const escapedLoneSurrogate = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * JSON.stringify whose output never carries a lone surrogate: one stored
 * before the text rule existed is served as U+FFFD, the character every
 * UTF-8 encoder would have put in its place. The common answer, with none,
 * costs one scan of the output.
 */
export function wellFormedJson(payload: unknown): string {
  const json = JSON.stringify(payload);
  if (json === undefined || !json.includes('\\ud')) return json;
  return json.replace(escapedLoneSurrogate, '$1\\ufffd');
}
