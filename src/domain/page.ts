import { invalid } from './errors.js';

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

/** A page of results; `next` is an opaque cursor for the following page, or null at the end. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  limit: number;
  /** The last key of the previous page, decoded; undefined for the first page. */
  after: string | undefined;
}

/** Accepts a number or a decimal string (query strings); 1..100, default 20. */
export function parseLimit(input: unknown): number {
  if (input === undefined || input === '' || input === 0) return PAGE_DEFAULT;
  const limit = typeof input === 'string' && /^\d{1,4}$/.test(input) ? Number(input) : input;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    throw invalid(`limit must be a whole number from 1 to ${PAGE_MAX}.`, 'limit');
  }
  return limit;
}

/**
 * Cursors are opaque to clients (base64url of the last key) so the key
 * layout can change without breaking them; anything that does not decode to
 * a key of the expected shape is a 400, not an empty page.
 */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeCursor(input: unknown, isValidKey: (key: string) => boolean): string | undefined {
  if (input === undefined || input === '' || input === null) return undefined;
  if (typeof input !== 'string' || input.length > 200 || !/^[A-Za-z0-9_-]+$/.test(input)) {
    throw invalid('Malformed cursor.', 'cursor');
  }
  const key = Buffer.from(input, 'base64url').toString('utf8');
  if (!isValidKey(key) || encodeCursor(key) !== input) throw invalid('Malformed cursor.', 'cursor');
  return key;
}

export function parsePageRequest(limit: unknown, cursor: unknown, isValidKey: (key: string) => boolean): PageRequest {
  return { limit: parseLimit(limit), after: decodeCursor(cursor, isValidKey) };
}
