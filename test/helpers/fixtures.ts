import assert from 'node:assert/strict';
import { DomainError } from '../../src/domain/errors.js';

/** Argon2id at a fraction of OWASP's cost, so tests that sign up many users stay fast. */
export const FAST_HASHING = { memoryCost: 256, timeCost: 1 };

/** For assert.rejects: a DomainError with this code (and message and field, when given). */
export function rejectsWith(code: string, message?: string, field?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.equal(error.message, message);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  };
}

/** Follows every page of a paginated call to the end. */
export async function collect<T>(fetch: (cursor: string | undefined) => Promise<{ items: T[]; next: string | null }>) {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push(page.items);
    cursor = page.next ?? undefined;
    assert.ok(pages.length < 100, 'pagination does not end');
  } while (cursor !== undefined);
  return pages;
}
