/**
 * A declarative parser for the JSON records the services store: each
 * record type names its fields and their primitive types once, and the
 * type system checks that the list matches the record's interface (every
 * field listed, `?` exactly on the optional ones, the right type).
 *
 * Why not a schema library: records are flat objects of strings,
 * numbers and lists of strings, and one parser runs per key when a view lists a million posts;
 * a loop over a handful of fields does that with nothing to learn, and
 * with a dependency less.
 */

type Primitive = 'string' | 'number' | 'boolean' | 'string[]';

type PrimitiveOf<V> = V extends string
  ? 'string'
  : V extends number
    ? 'number'
    : V extends boolean
      ? 'boolean'
      : V extends readonly string[]
        ? 'string[]'
        : never;

/** The field spec a value type needs: `'number'`, or `'number?'` when it may be absent. */
export type FieldSpec<V> = undefined extends V ? `${PrimitiveOf<Exclude<V, undefined>>}?` : PrimitiveOf<V>;

/** One entry per field of T, no more and no fewer. */
export type RecordShape<T> = { readonly [K in keyof T]-?: FieldSpec<T[K]> };

/**
 * Returns a parser for records of type T. The parser returns a fresh
 * object holding only the listed fields (absent optional ones stay
 * absent), and throws a plain Error naming the record and the field on
 * bad JSON, a missing required field or a field of the wrong type: a
 * record we cannot read is corruption, which guard() reports as `internal`.
 */
export function recordParser<T extends object>(name: string, shape: RecordShape<T>): (json: string) => T {
  const fields = Object.entries(shape as Record<string, string>).map(([field, spec]) => ({
    field,
    optional: spec.endsWith('?'),
    type: spec.replace('?', '') as Primitive,
  }));
  const matches = (v: unknown, type: Primitive) =>
    type === 'string[]' ? Array.isArray(v) && v.every((item) => typeof item === 'string') : typeof v === type;
  return (json) => {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`malformed ${name} record`);
    const source = value as Record<string, unknown>;
    const record: Record<string, unknown> = {};
    for (const { field, optional, type } of fields) {
      const v = source[field];
      if (v === undefined && optional) continue;
      if (!matches(v, type)) throw new Error(`malformed ${name} record: ${field} is not a ${type}`);
      record[field] = v;
    }
    return record as T;
  };
}
