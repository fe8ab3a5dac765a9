import { invalid } from '../domain/errors.js';

/**
 * Shape checks for request input, before the domain's parse functions judge
 * the values: a body must be a JSON object with exactly the expected fields.
 */

const MAX_FIELD_NAME = 64;

/** The body as an object of the given fields; unknown fields are refused so typos do not pass silently. */
export function readJsonObject<F extends string>(body: unknown, fields: readonly F[]): Record<F, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`The body must be a JSON object with ${fields.map((f) => `"${f}"`).join(' and ')}.`);
  }
  for (const key of Object.keys(body)) {
    if (!(fields as readonly string[]).includes(key)) {
      const shown = key.length > MAX_FIELD_NAME ? `${key.slice(0, MAX_FIELD_NAME)}…` : key;
      throw invalid(`Unknown field "${shown}".`, shown);
    }
  }
  return body as Record<F, unknown>;
}

/** A required, non-empty string field (for secrets the domain does not otherwise check, like a login password). */
export function requireString(value: unknown, field: string, label: string): string {
  if (value === undefined || value === null || value === '') throw invalid(`${label} is required.`, field);
  if (typeof value !== 'string') throw invalid(`${label} must be a string.`, field);
  return value;
}

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
