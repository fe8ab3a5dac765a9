import { invalid } from '../domain/errors.js';

/**
 * Shape checks for the pages' request input, before the domain's parse
 * functions judge the values.
 */

/** One query parameter: repeated parameters are ambiguous and refused. */
export function queryParam(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Give "${name}" at most once.`, name);
  return value;
}

/** A form field as a string: absent or repeated fields read as empty, which the domain then rejects. */
export function formField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
