/**
 * Fuzzing `loadCube` (fast-check): a valid dump of a real cube is mutated at random — ids swapped
 * for a victim's, cube ids for other cubes', fields corrupted or removed, rows dropped or
 * duplicated, prototype-pollution keys, huge strings, lone surrogates, truncated files, invalid
 * UTF-8 — and loaded into a SQLite file that holds a victim's and the attacker's own cubes.
 * Invariant: either the dump loaded, and then nothing outside the new cube changed (every row of
 * the file is still there, every other cube reads back identically) and the new cube is the
 * attacker's alone; or a MemosError subclass was thrown and the file is row-for-row unchanged.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemosError } from '../errors/memos-error.ts';
import { createMemOS, type MemOS } from '../mos.ts';
import { sqliteFileRows } from '../storage/sqlite/sqlite-file-rows.ts';
import { DEFAULT_LIMITS } from '../mos/limits.ts';
import { silentLogger } from '../mos/silent-logger.ts';
import type { MemCubeConfig } from '../spec/index.ts';
import { DUMP_FILES } from './dump-format.ts';
import { loadCube } from './load-cube.ts';

type Row = Record<string, unknown>;
type LineFile = 'memories' | 'versions' | 'edges' | 'embeddings';
const LINE_FILES: LineFile[] = ['memories', 'versions', 'edges', 'embeddings'];
const ALL_STATUSES = ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'] as const;

interface Dump {
  manifest: Row;
  rows: Record<LineFile, Row[]>;
}

/** One random change; indexes are taken modulo what is there when it is applied. */
type Mutation =
  | { kind: 'id'; file: LineFile; row: number; field: number; to: number }
  | { kind: 'renameItem'; row: number; to: number }
  | { kind: 'cube'; file: LineFile | 'manifest'; row: number; field: number; to: number }
  | { kind: 'field'; file: LineFile | 'manifest'; row: number; key: number; value: unknown }
  | { kind: 'dropKey'; file: LineFile; row: number; key: number }
  | { kind: 'dropRow' | 'duplicateRow'; file: LineFile; row: number }
  | { kind: 'metadataKey'; row: number; key: string; value: unknown }
  | { kind: 'count'; file: LineFile; delta: number }
  | { kind: 'text'; row: number; text: string }
  | { kind: 'metadataValue'; row: number; key: string; value: string | number | boolean | null };

type TextMutation =
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'bytes'; file: number; at: number; bytes: number[] }
  | { kind: 'remove'; file: number };

const ID_FIELDS: Record<LineFile, string[]> = { memories: ['id'], versions: ['itemId', 'snapshot.id'], edges: ['from', 'to'], embeddings: ['id'] };
const CUBE_FIELDS: Record<LineFile | 'manifest', string[]> = { memories: ['cubeId'], versions: ['cubeId', 'snapshot.cubeId'], edges: ['cubeId'], embeddings: [], manifest: ['cube.id'] };

function getPath(row: Row, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Row | undefined)?.[key], row);
}

function setPath(row: Row, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const target = keys.reduce<Row | undefined>((obj, key) => obj?.[key] as Row | undefined, row);
  if (target && typeof target === 'object') target[last] = value;
}

/** Sets an own enumerable property even for `__proto__` (so JSON.stringify writes the key). */
function defineKey(target: Row, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
}

function applyMutation(dump: Dump, m: Mutation, targets: { ids: string[]; cubes: string[] }): void {
  const rowsOf = (file: LineFile) => dump.rows[file];
  const pick = <T,>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
  switch (m.kind) {
    case 'id': {
      const row = pick(rowsOf(m.file), m.row);
      const field = pick(ID_FIELDS[m.file], m.field);
      if (row && field) setPath(row, field, pick(targets.ids, m.to));
      return;
    }
    case 'renameItem': {
      // Consistently renames one item of the dump (everywhere it is named) to a victim's id.
      const item = pick(rowsOf('memories'), m.row);
      const to = pick(targets.ids, m.to);
      if (!item || !to) return;
      const from = item['id'];
      for (const file of LINE_FILES) for (const row of rowsOf(file)) for (const field of ID_FIELDS[file]) if (getPath(row, field) === from) setPath(row, field, to);
      return;
    }
    case 'cube': {
      const row = m.file === 'manifest' ? dump.manifest : pick(rowsOf(m.file), m.row);
      const field = pick(CUBE_FIELDS[m.file], m.field);
      if (row && field) setPath(row, field, pick(targets.cubes, m.to));
      return;
    }
    case 'field': {
      const row = m.file === 'manifest' ? dump.manifest : pick(rowsOf(m.file), m.row);
      if (!row) return;
      const nested = m.file === 'versions' && m.key % 2 === 1 ? (row['snapshot'] as Row) : m.file === 'manifest' && m.key % 2 === 1 ? (row['cube'] as Row) : row;
      const key = pick(Object.keys(nested), Math.floor(m.key / 2));
      if (key) nested[key] = m.value;
      return;
    }
    case 'dropKey': {
      const row = pick(rowsOf(m.file), m.row);
      const key = row && pick(Object.keys(row), m.key);
      if (row && key) delete row[key];
      return;
    }
    case 'dropRow':
    case 'duplicateRow': {
      const rows = rowsOf(m.file);
      if (rows.length === 0) return;
      const at = m.row % rows.length;
      if (m.kind === 'dropRow') rows.splice(at, 1);
      else rows.splice(at, 0, structuredClone(rows[at]!));
      return;
    }
    case 'metadataKey': {
      const item = pick(rowsOf('memories'), m.row);
      const versions = rowsOf('versions').filter((v) => item && v['itemId'] === item['id']);
      for (const target of [item, ...versions.map((v) => v['snapshot'] as Row)]) {
        if (target && typeof target['metadata'] === 'object' && target['metadata'] !== null) defineKey(target['metadata'] as Row, m.key, m.value);
      }
      return;
    }
    case 'text': {
      const item = pick(rowsOf('memories'), m.row);
      if (item) item['text'] = m.text;
      return;
    }
    case 'metadataValue': {
      const item = pick(rowsOf('memories'), m.row);
      if (item) item['metadata'] = { ...(item['metadata'] as Row), [m.key]: m.value };
      return;
    }
    case 'count': {
      const counts = dump.manifest['counts'] as Row | undefined;
      if (counts && typeof counts[m.file] === 'number') counts[m.file] = (counts[m.file] as number) + m.delta;
      return;
    }
  }
}

const nastyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 0, 1.5, 2, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, '', ' ', '2024-01-01', '2024-01-01T00:00:00+02:00', '__proto__', 'constructor', 'vault', 'mal-own', '../../etc/passwd', "'; drop table memory; --", 'MATCH (n) DETACH DELETE n', '\u0000\u001f', '\ud800', 'x'.repeat(DEFAULT_LIMITS.maxTextChars + 1), 'y'.repeat(200_000), null, true, [], {}),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function mutationArb(): fc.Arbitrary<Mutation> {
  const file = fc.constantFrom<LineFile>(...LINE_FILES);
  const fileOrManifest = fc.constantFrom<LineFile | 'manifest'>(...LINE_FILES, 'manifest');
  const n = fc.nat({ max: 1_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('id' as const), file, row: n, field: n, to: n }),
    fc.record({ kind: fc.constant('renameItem' as const), row: n, to: n }),
    fc.record({ kind: fc.constant('cube' as const), file: fileOrManifest, row: n, field: n, to: n }),
    fc.record({ kind: fc.constant('field' as const), file: fileOrManifest, row: n, key: n, value: nastyValue }),
    fc.record({ kind: fc.constant('dropKey' as const), file, row: n, key: n }),
    fc.record({ kind: fc.constantFrom('dropRow' as const, 'duplicateRow' as const), file, row: n }),
    fc.record({ kind: fc.constant('metadataKey' as const), row: n, key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), value: nastyValue }),
    fc.record({ kind: fc.constant('count' as const), file, delta: fc.constantFrom(-1, 1) }),
  );
}

/** Changes a dump may legitimately carry (so that the "loaded" side of the invariant is exercised too). */
function benignMutationArb(): fc.Arbitrary<Mutation> {
  const n = fc.nat({ max: 1_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('text' as const), row: n, text: fc.string({ unit: 'grapheme', maxLength: 200 }) }),
    fc.record({ kind: fc.constant('metadataValue' as const), row: n, key: fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), value: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 50 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)) }),
    fc.record({ kind: fc.constant('renameItem' as const), row: n, to: n }),
    fc.record({ kind: fc.constant('metadataKey' as const), row: n, key: fc.constantFrom('constructor', 'prototype', 'toString', 'hasOwnProperty'), value: fc.constantFrom('x', 1, null) }),
  );
}

function textMutationArb(): fc.Arbitrary<TextMutation> {
  const n = fc.nat({ max: 1_000_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), file: n, at: n }),
    fc.record({ kind: fc.constant('bytes' as const), file: n, at: n, bytes: fc.array(fc.constantFrom(0xff, 0xc3, 0xed, 0xa0, 0x80, 0x0a, 0x00, 0x7b, 0x22), { minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('remove' as const), file: n }),
  );
}

const FILE_NAMES = [DUMP_FILES.manifest, DUMP_FILES.memories, DUMP_FILES.versions, DUMP_FILES.edges, DUMP_FILES.embeddings];

async function writeMutated(dir: string, dump: Dump, text: TextMutation[]): Promise<void> {
  const files = new Map<string, Buffer | undefined>([
    [DUMP_FILES.manifest, Buffer.from(JSON.stringify(dump.manifest))],
    ...LINE_FILES.map((file) => [DUMP_FILES[file], Buffer.from(dump.rows[file].map((row) => `${JSON.stringify(row)}\n`).join(''))] as const),
  ]);
  for (const m of text) {
    const name = FILE_NAMES[m.file % FILE_NAMES.length]!;
    const content = files.get(name);
    if (!content) continue;
    if (m.kind === 'remove') files.set(name, undefined);
    else if (m.kind === 'truncate') files.set(name, content.subarray(0, m.at % (content.length + 1)));
    else {
      const at = m.at % (content.length + 1);
      files.set(name, Buffer.concat([content.subarray(0, at), Buffer.from(m.bytes), content.subarray(at)]));
    }
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, content] of files) if (content) await writeFile(join(dir, name), content);
}


async function cubeState(mos: MemOS, cube: MemCubeConfig) {
  const items = await mos.graph.listItems({ filter: { cubeIds: [cube.id], statuses: [...ALL_STATUSES] }, limit: 10_000, offset: 0, order: 'createdAt', direction: 'asc' });
  const histories = [];
  for (const it of items) histories.push(await mos.graph.listVersions({ cubeId: cube.id, itemId: it.id }));
  return { cube, items, histories, vectors: await mos.vector.get({ space: cube.embedder, ids: items.map((it) => it.id) }), edges: await mos.graph.listEdges({ cubeIds: [cube.id] }), audit: await mos.graph.listAudit({ cubeId: cube.id }) };
}

async function storeState(mos: MemOS) {
  const cubes = (await mos.graph.listCubes()).sort((a, b) => a.id.localeCompare(b.id));
  return { users: await mos.graph.listUsers(), cubes: await Promise.all(cubes.map((cube) => cubeState(mos, cube))) };
}

let scratch: string;
let dbPath: string;
let mos: MemOS;
let valid: Dump;
let victimIds: string[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'memos-load-fuzz-'));
  dbPath = join(scratch, 'memos.db');
  mos = createMemOS({ storage: { kind: 'sqlite', path: dbPath }, vectorRetry: false, trackAccess: false });
  await mos.setup();
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createUser({ id: 'mallory', name: 'Mallory' });
  await mos.createCube({ userId: 'alice', id: 'vault', name: 'Alice private' });
  await mos.createCube({ userId: 'mallory', id: 'mal-own', name: 'Mallory notes' });
  const { items: secrets } = await mos.add({ userId: 'alice', cubeId: 'vault', sessionId: 's', messages: [
    { role: 'user', content: 'alice secret: my bank PIN is 4711' }, { role: 'assistant', content: 'noted, I will keep it private' }, { role: 'user', content: 'alice secret: the spare key is under the mat' },
  ] });
  await mos.update({ userId: 'alice', id: secrets[0]!.id, text: 'alice secret: my bank PIN is 0815' });
  await mos.delete({ userId: 'alice', id: secrets[2]!.id });
  await mos.add({ userId: 'mallory', cubeId: 'mal-own', text: 'mallory shopping list: rope, gloves' });
  victimIds = secrets.map((s) => s.id);

  // The attacker's valid dump: a real cube with updates, an invalidation, a delete, edges and vectors.
  const source = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' } });
  await source.setup();
  await source.createUser({ id: 'mallory', name: 'Mallory' });
  await source.createCube({ userId: 'mallory', id: 'evil', name: 'Evil' });
  const { items } = await source.add({ userId: 'mallory', cubeId: 'evil', sessionId: 's', messages: [
    { role: 'user', content: 'the harbour opens at six', speaker: 'Mal', time: '2024-05-01T10:00:00Z' },
    { role: 'assistant', content: 'and closes at ten' }, { role: 'user', content: 'the ferry to the island leaves at noon' },
  ], tags: ['trip'], metadata: { topic: 'harbour', n: 3 } });
  await source.update({ userId: 'mallory', id: items[0]!.id, text: 'the harbour opens at seven' });
  await source.invalidate({ userId: 'mallory', id: items[1]!.id });
  await source.delete({ userId: 'mallory', id: items[2]!.id });
  await source.relate({ userId: 'mallory', from: items[0]!.id, to: items[2]!.id, type: 'RELATE_TO' });
  const dir = join(scratch, 'valid');
  await source.dumpCube({ userId: 'mallory', cubeId: 'evil', dir, includeEmbeddings: true });
  await source.close();
  const lines = async (file: LineFile) => (await readFile(join(dir, DUMP_FILES[file]), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
  valid = { manifest: JSON.parse(await readFile(join(dir, DUMP_FILES.manifest), 'utf8')) as Row, rows: { memories: await lines('memories'), versions: await lines('versions'), edges: await lines('edges'), embeddings: await lines('embeddings') } };
  expect(valid.rows.embeddings.length).toBeGreaterThan(0);
  expect(valid.rows.edges.length).toBeGreaterThan(0);
}, 60_000);

afterAll(async () => {
  await mos?.close();
  await rm(scratch, { recursive: true, force: true });
});

let run = 0;

/** Loads the mutated dump as mallory; checks the invariant; removes a loaded cube again. */
async function loadAndCheck(mutations: Mutation[], text: TextMutation[], remintIds: boolean): Promise<'loaded' | 'refused'> {
  const dump = structuredClone(valid);
  for (const m of mutations) applyMutation(dump, m, { ids: [...victimIds, ...valid.rows.memories.map((r) => r['id'] as string)], cubes: ['vault', 'mal-own', 'evil', 'nope'] });
  const dir = join(scratch, `run-${++run}`);
  await writeMutated(dir, dump, text);
  const before = await storeState(mos);
  const rows = sqliteFileRows(dbPath);
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let cube: MemCubeConfig | undefined;
  let error: unknown;
  try {
    cube = await mos.loadCube({ userId: 'mallory', dir, remintIds });
  } catch (e) {
    error = e;
  }
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
  expect(({} as Row)['polluted']).toBeUndefined();
  await rm(dir, { recursive: true, force: true });
  if (!cube) {
    if (!MemosError.isInstance(error)) throw new Error(`loadCube threw a non-MemosError: ${String(error)}`, { cause: error });
    expect(sqliteFileRows(dbPath)).toEqual(rows);
    expect(await storeState(mos)).toEqual(before);
    return 'refused';
  }
  // Loaded: every data row that was there is still there (SQLite's own counters and the vec0
  // chunk tables, whose bitmaps change with any insert, are checked through the vectors below),
  // and every other cube reads back identically, vectors included.
  const after = sqliteFileRows(dbPath);
  for (const [table, old] of Object.entries(rows)) {
    if (table === 'sqlite_sequence' || table.startsWith('vec_')) continue;
    const now = new Set(after[table]);
    for (const row of old) expect(now.has(row), `a row of ${table} changed or vanished`).toBe(true);
  }
  const state = await storeState(mos);
  expect(state.users).toEqual(before.users);
  expect(before.cubes.some((c) => c.cube.id === cube.id)).toBe(false);
  expect(state.cubes.filter((c) => c.cube.id !== cube.id)).toEqual(before.cubes);
  const loaded = state.cubes.find((c) => c.cube.id === cube.id)!;
  expect(loaded.cube).toMatchObject({ ownerId: 'mallory', acl: [] });
  const oldIds = new Set(before.cubes.flatMap((c) => c.items.map((i) => i.id)));
  const newIds = new Set(loaded.items.map((i) => i.id));
  for (const item of loaded.items) {
    expect(oldIds.has(item.id)).toBe(false);
    expect(item).toMatchObject({ cubeId: cube.id, ownerId: 'mallory' });
    expect(item.payloadRef).toBeUndefined();
  }
  for (const history of loaded.histories) {
    expect(history.length).toBeGreaterThan(0);
    for (const v of history) expect(v).toMatchObject({ cubeId: cube.id, snapshot: { id: v.itemId, cubeId: cube.id, ownerId: 'mallory' } });
  }
  for (const edge of loaded.edges) expect(newIds.has(edge.from) && newIds.has(edge.to)).toBe(true);
  await mos.deleteCube({ userId: 'mallory', cubeId: cube.id });
  return 'loaded';
}

describe('loadCube fuzzing', () => {
  it('the unmutated dump loads (with and without remintIds)', async () => {
    expect(await loadAndCheck([], [], false)).toBe('loaded');
    expect(await loadAndCheck([], [], true)).toBe('loaded');
    expect(await loadAndCheck([{ kind: 'renameItem', row: 0, to: 0 }], [], false)).toBe('refused');
    expect(await loadAndCheck([{ kind: 'renameItem', row: 0, to: 0 }], [], true)).toBe('loaded');
  });

  it('a mutated dump either loads without touching anything outside its new cube, or is refused with a MemosError and writes nothing', async () => {
    const outcomes = { loaded: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 3, arbitrary: fc.tuple(fc.array(mutationArb(), { minLength: 1, maxLength: 4 }), fc.array(textMutationArb(), { maxLength: 1 })) },
          { weight: 1, arbitrary: fc.tuple(fc.array(benignMutationArb(), { minLength: 1, maxLength: 3 }), fc.constant<TextMutation[]>([])) },
        ),
        fc.boolean(),
        async ([mutations, text], remintIds) => {
          outcomes[await loadAndCheck(mutations, text, remintIds)] += 1;
        },
      ),
      // More runs (e.g. in the reliability benchmark): MEMOS_FUZZ_RUNS=2000.
      { numRuns: Number(process.env['MEMOS_FUZZ_RUNS'] ?? 100) },
    );
    // Both sides of the invariant were exercised.
    console.info(`loadCube fuzzing: ${outcomes.loaded} loaded, ${outcomes.refused} refused`);
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 300_000);
});
