import assert from 'node:assert/strict';

export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

function jsonType(value: unknown): JsonType | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType | 'undefined';
}

/** The entity, as JSON, has exactly these fields with these types. */
export function assertShape(entity: object, fields: Readonly<Record<string, JsonType>>): void {
  const json = JSON.parse(JSON.stringify(entity)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json).sort(), Object.keys(fields).sort());
  for (const [name, type] of Object.entries(fields)) assert.equal(jsonType(json[name]), type, name);
}
