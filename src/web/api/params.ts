import { parse } from 'qs';

/**
 * Request parameters as Rails reads them, since Mastodon clients write
 * them for Rails: `id[]=1&id[]=2` is an array, `poll[options][]=a` and
 * `home[last_read_id]=5` are nested objects, and a repeated plain name is
 * an array (the custom API refuses those as ambiguous). Query strings,
 * form bodies and multipart fields all go through this one parser.
 */

/**
 * Bounded, so a hostile query cannot make the parser build something huge
 * or deep; past `arrayLimit` an array becomes an object keyed by index,
 * which handlers refuse as not an array.
 */
const QS_OPTIONS = {
  depth: 3,
  arrayLimit: 100,
  parameterLimit: 200,
  // `__proto__[x]=1` and friends are dropped, never assigned.
  allowPrototypes: false,
  plainObjects: true,
} as const;

export type Params = Record<string, unknown>;

/** A query string (without its `?`) or a urlencoded body, read Rails' way. */
export function parseQuery(text: string): Params {
  return parse(text, QS_OPTIONS) as Params;
}

/** Name/value pairs (multipart fields) read Rails' way, exactly as the same pairs urlencoded would be. */
export function parsePairs(pairs: ReadonlyArray<readonly [string, string]>): Params {
  return parseQuery(new URLSearchParams(pairs as Array<[string, string]>).toString());
}
