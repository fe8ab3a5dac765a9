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

/** Plain `name=value` pairs only: no brackets, escapes, `+` or empty names, so qs would read them as they stand. */
const PLAIN = /^[A-Za-z0-9_]+=[A-Za-z0-9_.-]*(?:&[A-Za-z0-9_]+=[A-Za-z0-9_.-]*){0,15}$/;

/**
 * The common query (`limit=20&max_id=…`) read without qs, as qs reads it:
 * undefined, for qs to read, when a name repeats (an array) or is one of
 * Object.prototype's (which qs drops).
 */
function plainQuery(text: string): Params | undefined {
  if (!PLAIN.test(text)) return undefined;
  const params: Params = Object.create(null);
  for (const pair of text.split('&')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (name in params || name in Object.prototype) return undefined;
    params[name] = pair.slice(at + 1);
  }
  return params;
}

/** A query string (without its `?`) or a urlencoded body, read Rails' way. */
export function parseQuery(text: string): Params {
  return plainQuery(text) ?? (parse(text, QS_OPTIONS) as Params);
}

/** Name/value pairs (multipart fields) read Rails' way, exactly as the same pairs urlencoded would be. */
export function parsePairs(pairs: ReadonlyArray<readonly [string, string]>): Params {
  return parseQuery(new URLSearchParams(pairs as Array<[string, string]>).toString());
}
