import fc from 'fast-check';
import { z } from 'zod';

/**
 * Inputs for the attacker's fuzzing layer (fuzz.test.ts): values shaped by a procedure's own zod
 * input schema (through z.toJSONSchema, so every zod 4 type the project uses is covered, with
 * transforms and custom checks read as "anything"), mixed with hostile values put anywhere in
 * them. `known` supplies real values by property name (the caller's organization, its objects,
 * another organization's objects), so generated input gets past the first checks and reaches the
 * handlers.
 */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

export type Known = Record<string, readonly unknown[]>;

const deep = (depth: number, leaf: unknown, wrap: (x: unknown) => unknown) => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
};

/** Values an attacker sends where something else is expected. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('\ud800', 'a\ud800b', 'nul\u0000byte'),
  fc.constantFrom(
    '',
    ' ',
    'x'.repeat(100_000),
    '\ud800',
    'a\udc00b',
    '\udfff\ud800',
    'nul\u0000byte',
    '\u202egnp.exe',
    'zero\u200bwidth\ufeff',
    '\u05d0\u05d1 rtl',
    '👍🏽👨‍👩‍👧',
    "' or 1=1 --",
    '"; drop table users; --',
    '../../../etc/passwd',
    '%2e%2e%2f%00',
    '__proto__',
    'constructor',
    '{"json":1}',
    '9999-12-31',
    '0000-01-01',
    '2024-02-30',
    '+275760-09-13T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '1e308',
  ),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -1,
  ),
  fc.constantFrom(new Date(8.64e15), new Date(-8.64e15), new Date(Number.NaN), new Date(0)),
  fc.constantFrom(null, undefined, true, false, 1n, [], {}),
  fc.constant(new Array<number>(20_000).fill(1)),
  fc.constant(deep(500, 1, (x) => [x])),
  fc.constant(deep(500, 'x', (x) => ({ a: x }))),
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}') as unknown),
  fc.anything({ maxDepth: 2, maxKeys: 4, withNullPrototype: true, withMap: true, withSet: true }),
);

/** Characters of generated text: mostly ordinary, sometimes the ones that break encoders and databases. */
const character = fc.oneof(
  { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('\ud800', '\udfff', '\u0000', '\u202e', '\u200b', '\ufeff', '\u0085', '%', "'"),
  },
);

function fromJsonSchema(s: JsonSchema, known: Known, name: string | null, depth: number): fc.Arbitrary<unknown> {
  const real = name && known[name]?.length ? fc.constantFrom(...known[name]) : null;
  const generic = (): fc.Arbitrary<unknown> => {
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const union = s.anyOf ?? s.oneOf;
    if (union?.length) return fc.oneof(...union.map((u) => fromJsonSchema(u, known, name, depth)));
    if (s.allOf?.length) return fromJsonSchema(s.allOf[0]!, known, name, depth);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.length > 1) return fc.oneof(...types.map((t) => fromJsonSchema({ ...s, type: t }, known, name, depth)));
    switch (types[0]) {
      case 'string': {
        const max = Math.min(s.maxLength ?? 40, 80);
        const min = Math.min(s.minLength ?? 0, max);
        if (s.format === 'uuid') return fc.uuid();
        if (s.format === 'email') return fc.emailAddress();
        if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
        if (s.pattern)
          return fc
            .stringMatching(new RegExp(s.pattern))
            .map((v) => v.slice(0, max))
            .filter((v) => v.length >= min);
        return fc.string({ minLength: min, maxLength: max, unit: character });
      }
      case 'integer':
        return fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 });
      case 'number':
        return fc.double({ min: s.minimum ?? -1e16, max: s.maximum ?? 1e16, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(s.items && depth < 6 ? fromJsonSchema(s.items, known, name, depth + 1) : fc.anything(), {
          minLength: Math.min(s.minItems ?? 0, 5),
          maxLength: Math.min(s.maxItems ?? 5, 5),
        });
      case 'object': {
        const props = Object.entries(s.properties ?? {});
        if (!props.length || depth >= 6)
          return fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 }));
        return fc.record(Object.fromEntries(props.map(([k, v]) => [k, fromJsonSchema(v, known, k, depth + 1)])), {
          requiredKeys: (s.required ?? []).filter((k) => s.properties?.[k]),
        });
      }
      default:
        return fc.anything({ maxDepth: 2 });
    }
  };
  // Real values where the name is known, to reach the handlers: names of new things (keys) half
  // of the time, the organization and ids mostly.
  const weight = name === 'key' || name === 'metricKey' ? 1 : 4;
  return real ? fc.oneof({ arbitrary: real, weight }, { arbitrary: generic(), weight: 1 }) : generic();
}

/** Well-formed input for a procedure, from the zod schemas it declares (all merged, as tRPC does). */
export function inputFromSchemas(schemas: readonly unknown[], known: Known): fc.Arbitrary<unknown> {
  if (!schemas.length) return fc.constant(undefined);
  const parts = schemas.map((sch) => {
    try {
      return z.toJSONSchema(sch as z.ZodType, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    } catch {
      return {} as JsonSchema;
    }
  });
  if (parts.length === 1) return fromJsonSchema(parts[0]!, known, null, 0);
  const merged: JsonSchema = {
    type: 'object',
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})) as Record<string, JsonSchema>,
    required: parts.flatMap((p) => p.required ?? []),
  };
  return fromJsonSchema(merged, known, null, 0);
}

/** Puts a hostile value somewhere: the whole input, one of its properties (at any depth), or prototype keys. */
function mutate(value: unknown, path: number[], bad: unknown, kind: number): unknown {
  if (kind === 0) return bad;
  if (kind === 1 && value && typeof value === 'object' && !Array.isArray(value))
    return Object.assign(JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":"x"}') as object, value);
  if (!value || typeof value !== 'object' || !path.length) return bad;
  const keys = Object.keys(value);
  if (!keys.length) return bad;
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[key] = mutate(copy[key], path.slice(1), bad, 2);
  return copy;
}

/** The input an attacker might send: well-formed half of the time, otherwise mutated. */
export function attackerInput(schemas: readonly unknown[], known: Known): fc.Arbitrary<unknown> {
  const good = inputFromSchemas(schemas, known);
  return fc.oneof(
    good,
    fc
      .tuple(good, fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), hostile, fc.integer({ min: 0, max: 4 }))
      .map(([v, path, bad, kind]) => mutate(v, path, bad, kind)),
  );
}
