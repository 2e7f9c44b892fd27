/**
 * The operations of the tenant-isolation property, as plain data that fast-check generates and
 * shrinks: every choice (actor, target item, cube, words) is an index resolved at run time
 * against what exists then, so any sequence is meaningful.
 */
import fc from 'fast-check';

/** Statuses a `getAll` may ask for. */
export const LIST_STATUSES = ['active', 'invalidated', 'deleted', 'archived', 'expired'] as const;

/** Ways a hostile dump points at a victim's item. */
export const HOSTILE_MODES = ['snapshot', 'version-item', 'item', 'edge'] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];

export type IsolationOp =
  | { kind: 'add'; actor: number; cube: number; words: number }
  | { kind: 'search'; actor: number; words: number; marker: number | null; cube: number | null }
  | { kind: 'get' | 'history' | 'forget'; actor: number; target: number }
  | { kind: 'delete' | 'invalidate'; actor: number; target: number }
  | { kind: 'update'; actor: number; target: number; words: number }
  | { kind: 'rollback'; actor: number; target: number; version: number }
  | { kind: 'getAll'; actor: number; statuses: (typeof LIST_STATUSES)[number][]; cube: number | null }
  | { kind: 'share'; actor: number; cube: number; withUser: number; access: 'read' | 'write' | 'none' }
  | { kind: 'createCube' | 'audit' | 'deleteCube' | 'dumpLoad'; actor: number; cube: number }
  | { kind: 'hostileLoad'; actor: number; target: number; mode: HostileMode };

/** Words of the generated texts and queries. */
export const VOCABULARY = ['coffee', 'garden', 'piano', 'travel', 'doctor', 'birthday', 'recipe', 'marathon', 'sister', 'Lisbon', 'allergy', 'salary'] as const;

/** 1–4 vocabulary words chosen by a number. */
export function wordsOf(n: number): string {
  const count = 1 + (n % 4);
  return Array.from({ length: count }, (_, i) => VOCABULARY[Math.floor(n / (i + 1) + i * 7) % VOCABULARY.length]).join(' ');
}

/** The arbitrary of one operation by one of `users` actors (weights favour adds early on and sharing). */
export function isolationOpArbitrary(users: number): fc.Arbitrary<IsolationOp> {
  const actor = fc.nat({ max: users - 1 });
  const pick = fc.nat({ max: 10_000 });
  const maybe = fc.option(pick, { nil: null, freq: 2 });
  const op = <K extends IsolationOp['kind']>(kind: K, rest: Record<string, fc.Arbitrary<unknown>>) =>
    fc.record({ kind: fc.constant(kind), actor, ...rest }) as unknown as fc.Arbitrary<IsolationOp>;
  return fc.oneof(
    { weight: 8, arbitrary: op('add', { cube: pick, words: pick }) },
    { weight: 6, arbitrary: op('search', { words: pick, marker: maybe, cube: maybe }) },
    { weight: 4, arbitrary: op('get', { target: pick }) },
    { weight: 4, arbitrary: op('history', { target: pick }) },
    { weight: 5, arbitrary: op('getAll', { statuses: fc.subarray([...LIST_STATUSES], { minLength: 1 }), cube: maybe }) },
    { weight: 4, arbitrary: op('update', { target: pick, words: pick }) },
    { weight: 5, arbitrary: op('share', { cube: pick, withUser: fc.nat({ max: users - 1 }), access: fc.constantFrom('read', 'read', 'write', 'none') }) },
    { weight: 4, arbitrary: op('delete', { target: pick }) },
    { weight: 2, arbitrary: op('invalidate', { target: pick }) },
    { weight: 3, arbitrary: op('rollback', { target: pick, version: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: op('createCube', { cube: pick }) },
    { weight: 1, arbitrary: op('deleteCube', { cube: pick }) },
    { weight: 1, arbitrary: op('audit', { cube: pick }) },
    { weight: 1, arbitrary: op('dumpLoad', { cube: pick }) },
    { weight: 1, arbitrary: op('hostileLoad', { target: pick, mode: fc.constantFrom(...HOSTILE_MODES) }) },
    { weight: 2, arbitrary: op('forget', { target: pick }) },
  );
}

/** Seeded, bounded sequences: `runs` sequences of `opsPerRun` operations each. */
export function isolationSequences(options: { seed: number; runs: number; opsPerRun: number; users: number }): IsolationOp[][] {
  const sequence = fc.array(isolationOpArbitrary(options.users), { minLength: options.opsPerRun, maxLength: options.opsPerRun });
  return fc.sample(sequence, { seed: options.seed, numRuns: options.runs });
}
