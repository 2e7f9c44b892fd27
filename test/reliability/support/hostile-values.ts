/**
 * Hostile inputs for fuzzing the public entry points: huge strings, invalid Unicode, control
 * characters, SQL and Cypher injection, prototype-pollution keys, deep nesting, NaN/Infinity,
 * wrong types and out-of-range numbers.
 */
import fc from 'fast-check';

/** Injection strings (SQL, Cypher, FTS/Lucene query syntax, path traversal). */
export const INJECTIONS = [
  "' OR 1=1 --",
  "'); DROP TABLE memory; --",
  '" OR ""="',
  "x' UNION SELECT id, record FROM users --",
  '1; ATTACH DATABASE \'/tmp/pwn.db\' AS pwn; --',
  '}) MATCH (n) DETACH DELETE n //',
  "' RETURN 1 UNION MATCH (m:Memory) RETURN m.text //",
  '`) CALL db.labels() YIELD label RETURN label //',
  '$userId',
  'text:* OR cubeId:*',
  'NEAR(a b) OR * AND "',
  '../../../../etc/passwd',
  '%00%27',
] as const;

/** Keys that pollute prototypes when code merges objects naively. */
export const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A `{ __proto__: … }` object made the way JSON.parse makes it (an own property). */
export function pollutionObject(key: (typeof POLLUTION_KEYS)[number] = '__proto__'): Record<string, unknown> {
  return JSON.parse(`{"${key}": {"polluted": "yes", "prototype": {"polluted": "yes"}}, "ok": 1}`) as Record<string, unknown>;
}

/** An object nested `depth` levels deep under `key`. */
export function deeplyNested(depth: number, key = 'metadata'): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) value = { [key]: value, statuses: ['active'] };
  return value;
}

const HUGE = [129, 4_001, 40_000, 2_000_001] as const;

/** Strings no entry point may choke on. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\uD800', 'a\uDFFFb', '\uDBFF\uDBFF', '\u0000', 'ok\u0000hidden', '\u0001\u001b[31m\u007f', '\u202Egnp.exe', '\uFEFF', '', ' \t\n ', '\u{1F600}'.repeat(3)),
  fc.constantFrom(...HUGE).map((n) => 'x'.repeat(n)),
  fc.constantFrom(...HUGE).map((n) => '\uD83D'.repeat(Math.min(n, 40_000))),
);

/** Numbers at and beyond every limit. */
export const hostileNumber: fc.Arbitrary<number> = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, -1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 2, 1e9, -1e9, 1_001, 10_001, Number.MIN_VALUE);

/** Objects that are wrong, hostile or huge. */
export const hostileObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...POLLUTION_KEYS).map((k) => pollutionObject(k)),
  fc.constantFrom(20, 500, 3_000).map((d) => deeplyNested(d)),
  fc.constantFrom(20, 500, 3_000).map((d) => deeplyNested(d, 'filter')),
  fc.constant(Object.create(null) as object),
  fc.constant(new Date(Number.NaN)),
  fc.constant([] as unknown[]),
  fc.constant([[[]]] as unknown[]),
  fc.constant(Array.from({ length: 20_000 }, (_, i) => `t${i}`)),
  fc.constant({ length: 1e9 }),
);

/** Anything at all: strings, numbers, objects, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 3, arbitrary: hostileObject },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, true, false, 10n, Symbol('s'), () => 1) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true }) },
);
