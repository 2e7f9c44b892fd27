/**
 * Fuzzing of every public MOS entry point: each case takes a valid input of one entry point and
 * replaces a field (or adds one, or replaces the whole input) with a hostile value. Only
 * `MemosError` subclasses may come out, nothing may hang or pollute a prototype, and after a
 * rejected call the store must be unchanged (see store-snapshot.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { MemosError, type MemOS } from '@memos-js/core';
import { hostileValue, POLLUTION_KEYS } from './hostile-values.ts';
import { storeSnapshot } from './store-snapshot.ts';

/** What the fuzz seed created. */
export interface FuzzSeed {
  owner: string;
  other: string;
  cube: string;
  items: [string, string, string];
  /** An honest dump of the seed cube (hostile dumps are edited copies). */
  dump: string;
  scratch: string;
}

/** One broken guarantee. */
export interface FuzzViolation {
  kind: 'untyped-error' | 'changed-after-rejection' | 'prototype-pollution' | 'hang' | 'victim-changed' | 'invalid-accepted';
  entry: string;
  input: string;
  detail: string;
}

/** Cases run and what they found. */
export interface FuzzStats {
  cases: number;
  rejected: number;
  byEntry: Record<string, number>;
  /** Entry points skipped because the runtime lacks them. */
  missing: string[];
  violations: FuzzViolation[];
}

/** Users, a shared cube with updated, deleted and invalidated items and edges, and a dump of it. */
export async function seedFuzzStore(mos: MemOS, scratch: string): Promise<FuzzSeed> {
  const owner = 'fz-owner';
  const other = 'fz-other';
  const cube = 'fzc1';
  await mos.createUser({ id: owner, name: 'Owner' });
  await mos.createUser({ id: other, name: 'Other' });
  await mos.createCube({ userId: owner, id: cube, name: 'fuzz' });
  const { items } = await mos.add({ userId: owner, cubeId: cube, sessionId: 's1', messages: [
    { role: 'user', content: 'I drink coffee every morning in Lisbon', time: '2024-01-01T09:00:00Z' },
    { role: 'assistant', content: 'Noted: coffee every morning', time: '2024-01-01T09:01:00Z' },
    { role: 'user', content: 'My piano teacher is called Ana', time: '2024-01-01T09:02:00Z' },
  ], metadata: { k: 'v' }, tags: ['t'] });
  const [a, b, c] = items.map((i) => i.id) as [string, string, string];
  await mos.update({ userId: owner, id: a, text: 'I drink coffee every morning in Porto' });
  await mos.delete({ userId: owner, id: b });
  await mos.invalidate({ userId: owner, id: c, invalidAt: '2024-02-01T00:00:00Z' });
  await mos.relate({ userId: owner, from: a, to: c, type: 'RELATE_TO', weight: 0.5 });
  await mos.shareCube({ userId: owner, cubeId: cube, withUserId: other, access: 'read' });
  const dump = join(scratch, 'seed-dump');
  await mos.dumpCube({ userId: owner, cubeId: cube, dir: dump });
  return { owner, other, cube, items: [a, b, c], dump, scratch };
}

type Input = Record<string, unknown>;
interface EntryPoint {
  base: (seed: FuzzSeed, n: number) => Input;
  call: (mos: MemOS, input: unknown) => Promise<unknown>;
}

const MISSING = 'fz-missing';
type AnyCall = (input: unknown) => Promise<unknown>;
const method = (name: string) => (mos: MemOS, input: unknown) => {
  const fn = (mos as unknown as Record<string, AnyCall | undefined>)[name];
  if (typeof fn !== 'function') throw new Error(`mos.${name} is not implemented yet`);
  return fn.call(mos, input);
};

/** Every public entry point with a valid base input (some aimed at missing ids, so that the base call is a rejection too). */
export const ENTRY_POINTS: Record<string, EntryPoint> = {
  createUser: { base: (_s, n) => ({ id: `fz-user-${n}`, name: 'fuzz user' }), call: method('createUser') },
  getUser: { base: (s) => ({ userId: s.owner }), call: method('getUser') },
  createCube: { base: (s, n) => ({ userId: s.owner, id: `fz-cube-${n}`, name: 'fuzz cube', description: 'd' }), call: method('createCube') },
  getCube: { base: (s) => ({ userId: s.other, cubeId: s.cube }), call: method('getCube') },
  listCubes: { base: (s) => ({ userId: s.other }), call: method('listCubes') },
  shareCube: { base: (s) => ({ userId: s.owner, cubeId: s.cube, withUserId: s.other, access: 'read' }), call: method('shareCube') },
  deleteCube: { base: (s) => ({ userId: s.owner, cubeId: MISSING }), call: method('deleteCube') },
  addText: { base: (s) => ({ userId: s.owner, cubeId: s.cube, text: 'fuzz text about coffee', tags: ['t'], metadata: { k: 'v' }, expiresAt: '2999-01-01T00:00:00Z' }), call: method('add') },
  addMessages: { base: (s) => ({ userId: s.owner, cubeId: s.cube, sessionId: 's2', sessionTime: '2024-03-01T10:00:00Z', messages: [{ role: 'user', content: 'hello there', speaker: 'Sam', time: '2024-03-01T10:00:00Z', messageId: 'm1' }] }), call: method('add') },
  addDocument: { base: (s) => ({ userId: s.owner, cubeId: s.cube, document: { text: 'A document about pianos.', path: 'doc.md', title: 'Doc' } }), call: method('add') },
  search: { base: (s) => ({ userId: s.other, query: 'coffee morning', topK: 5, cubeIds: [s.cube], filter: { statuses: ['active'], metadata: { k: 'v' }, tagsAny: ['t'] }, weights: { vector: 1 } }), call: method('search') },
  searchAsOf: { base: (s) => ({ userId: s.owner, query: 'piano teacher', asOf: '2024-01-15T00:00:00Z', knownAt: '2024-06-01T00:00:00Z' }), call: method('search') },
  get: { base: (s) => ({ userId: s.other, id: s.items[0] }), call: method('get') },
  getAll: { base: (s) => ({ userId: s.other, cubeIds: [s.cube], filter: { statuses: ['active'], createdFrom: '2000-01-01T00:00:00Z' }, limit: 10, offset: 0, order: 'createdAt', direction: 'asc' }), call: method('getAll') },
  update: { base: (s) => ({ userId: s.owner, id: s.items[0], text: 'I drink tea every morning in Porto', metadata: { k: 'w' } }), call: method('update') },
  delete: { base: (s) => ({ userId: s.owner, id: MISSING, reason: 'r' }), call: method('delete') },
  invalidate: { base: (s) => ({ userId: s.owner, id: MISSING, invalidAt: '2024-05-01T00:00:00Z' }), call: method('invalidate') },
  history: { base: (s) => ({ userId: s.other, id: s.items[0] }), call: method('history') },
  rollback: { base: (s) => ({ userId: s.other, id: s.items[0], version: 1 }), call: method('rollback') },
  relate: { base: (s) => ({ userId: s.owner, from: s.items[0], to: MISSING, type: 'RELATE_TO', weight: 0.5 }), call: method('relate') },
  audit: { base: (s) => ({ userId: s.owner, cubeId: s.cube, limit: 5 }), call: method('audit') },
  repair: { base: (s) => ({ userId: s.other }), call: method('repair') },
  dumpCube: { base: (s, n) => ({ userId: s.other, cubeId: MISSING, dir: join(s.scratch, `fz-dump-${n}`) }), call: method('dumpCube') },
  loadCube: { base: (s, n) => ({ userId: s.other, dir: s.dump, cubeId: `fz-load-${n}` }), call: method('loadCube') },
  forget: { base: (s) => ({ userId: s.other, ids: [MISSING] }), call: method('forget') },
  forgetUser: { base: (s) => ({ userId: s.other, forgetUserId: s.owner }), call: method('forget') },
  sweep: { base: () => ({}), call: method('sweep') },
};

/** Entry points the runtime does not have yet (issue 9 adds `forget` and `sweep`). */
export function missingEntryPoints(mos: MemOS): string[] {
  return [...new Set(['forget', 'sweep'].filter((name) => typeof (mos as unknown as Record<string, unknown>)[name] !== 'function'))];
}

/** One fuzz case: an entry point and how its input is made hostile. */
export interface FuzzCase {
  entry: string;
  mode: 'field' | 'extra' | 'whole' | 'nested';
  key: number;
  value: unknown;
}

/** Seeded fuzz cases over every entry point. */
export function fuzzCases(options: { seed: number; cases: number }): FuzzCase[] {
  const arb = fc.record({
    entry: fc.constantFrom(...Object.keys(ENTRY_POINTS)),
    mode: fc.constantFrom('field', 'field', 'field', 'extra', 'whole', 'nested'),
    key: fc.nat({ max: 1_000 }),
    value: hostileValue,
  }) as fc.Arbitrary<FuzzCase>;
  return fc.sample(arb, { seed: options.seed, numRuns: options.cases });
}

const NESTED_KEYS = ['filter', 'metadata', 'weights', 'document', 'messages'] as const;

/** The hostile input of a case. Strings aimed at `dir` stay inside the scratch directory. */
export function hostileInput(seed: FuzzSeed, c: FuzzCase, n: number): unknown {
  if (c.mode === 'whole') return c.value;
  const input: Input = { ...ENTRY_POINTS[c.entry]!.base(seed, n) };
  const keys = Object.keys(input);
  let key: string;
  let value = c.value;
  if (c.mode === 'field') key = keys[c.key % keys.length]!;
  else if (c.mode === 'extra') key = [...POLLUTION_KEYS, 'extra', ''][c.key % 5]!;
  else {
    key = NESTED_KEYS[c.key % NESTED_KEYS.length]!;
    const inner = (typeof input[key] === 'object' && input[key] !== null ? { ...(input[key] as Input) } : {}) as Input;
    Object.defineProperty(inner, [...POLLUTION_KEYS, 'statuses', 'k', 'ownerId'][c.key % 6]!, { value: c.value, enumerable: true, writable: true, configurable: true });
    value = Array.isArray(input[key]) ? [inner] : inner;
  }
  if (key === 'dir' && typeof value === 'string') value = join(seed.scratch, 'fz-dirs', value.slice(0, 200));
  Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
  return input;
}

/** Describes an input for a report (no JSON: inputs may hold BigInt, symbols, cycles). */
export function describeInput(input: unknown): string {
  return inspect(input, { depth: 3, maxArrayLength: 5, maxStringLength: 60, breakLength: Infinity });
}

const prototypeKeys = () => JSON.stringify([Object.getOwnPropertyNames(Object.prototype).sort(), Object.getOwnPropertyNames(Array.prototype).sort()]);

/** Runs a call with a deadline; returns the error it threw (undefined on success). */
export async function settle(call: () => Promise<unknown>, ms: number): Promise<{ error?: unknown; hung?: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    const outcome = await Promise.race([call().then(() => 'ok' as const), deadline]);
    return outcome === 'hung' ? { hung: true } : {};
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link runFuzzCases}. */
export interface RunFuzzOptions {
  mos: MemOS;
  seed: FuzzSeed;
  cases: FuzzCase[];
  /** The SQLite file (row-level comparison). */
  sqlitePath?: string;
  /** Per-call deadline (default 20 s). */
  deadlineMs?: number;
}

/** The store as both seeded users see what they own. */
export async function fuzzSnapshot(mos: MemOS, seed: FuzzSeed, sqlitePath?: string): Promise<string> {
  return (await storeSnapshot({ mos, userId: seed.owner, ...(sqlitePath ? { sqlitePath } : {}) })) + (await storeSnapshot({ mos, userId: seed.other }));
}

/** The last snapshot of each runtime's store, valid until a call succeeds. */
const snapshots = new WeakMap<MemOS, string>();

/** Checks one call: typed errors only, no hang, no pollution, unchanged after a rejection. */
export async function checkCall(options: { mos: MemOS; seed: FuzzSeed; entry: string; input: unknown; call: () => Promise<unknown>; sqlitePath?: string; deadlineMs?: number; stats: FuzzStats }): Promise<'ok' | 'rejected' | 'hung'> {
  const { mos, seed, entry, stats } = options;
  const input = describeInput(options.input);
  const protoBefore = prototypeKeys();
  // After a rejected call the store is as it was, so its snapshot is the next call's "before".
  const before = snapshots.get(mos) ?? (await fuzzSnapshot(mos, seed, options.sqlitePath));
  snapshots.delete(mos);
  stats.cases++;
  stats.byEntry[entry] = (stats.byEntry[entry] ?? 0) + 1;
  const outcome = await settle(options.call, options.deadlineMs ?? 20_000);
  const polluted = ({} as Record<string, unknown>)['polluted'] !== undefined || prototypeKeys() !== protoBefore;
  if (polluted) stats.violations.push({ kind: 'prototype-pollution', entry, input, detail: 'Object.prototype or Array.prototype changed' });
  if (outcome.hung) {
    stats.violations.push({ kind: 'hang', entry, input, detail: `no answer within ${options.deadlineMs ?? 20_000} ms` });
    return 'hung';
  }
  if (!('error' in outcome)) return 'ok';
  stats.rejected++;
  if (!MemosError.isInstance(outcome.error)) {
    const e = outcome.error;
    stats.violations.push({ kind: 'untyped-error', entry, input, detail: (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300) });
  }
  const after = await fuzzSnapshot(mos, seed, options.sqlitePath);
  snapshots.set(mos, after);
  if (after !== before) stats.violations.push({ kind: 'changed-after-rejection', entry, input, detail: firstDifference(before, after) });
  return 'rejected';
}

/** Stats before any case. */
export function emptyFuzzStats(): FuzzStats {
  return { cases: 0, rejected: 0, byEntry: {}, missing: [], violations: [] };
}

/** Runs the cases; every one is checked by {@link checkCall}. */
export async function runFuzzCases(options: RunFuzzOptions, stats: FuzzStats = emptyFuzzStats()): Promise<FuzzStats> {
  mkdirSync(join(options.seed.scratch, 'fz-dirs'), { recursive: true });
  const missing = missingEntryPoints(options.mos);
  stats.missing = [...new Set([...stats.missing, ...missing])];
  let n = 0;
  for (const c of options.cases) {
    if (missing.some((name) => c.entry.startsWith(name))) continue;
    const input = hostileInput(options.seed, c, ++n);
    await checkCall({ mos: options.mos, seed: options.seed, entry: c.entry, input, call: () => ENTRY_POINTS[c.entry]!.call(options.mos, input), stats, ...(options.sqlitePath ? { sqlitePath: options.sqlitePath } : {}), ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}) });
  }
  return stats;
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}: before ${JSON.stringify(a.slice(Math.max(0, i - 60), i + 120))} after ${JSON.stringify(b.slice(Math.max(0, i - 60), i + 120))}`;
}

/** A short, grouped description of violations. */
export function summarizeFuzz(violations: FuzzViolation[], examples = 3): string {
  const groups = Map.groupBy(violations, (v) => `${v.kind} in ${v.entry}`);
  return [...groups].map(([key, list]) => `${list.length}× ${key}\n${list.slice(0, examples).map((v) => `    - ${v.input.slice(0, 200)} → ${v.detail}`).join('\n')}`).join('\n');
}
