import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DUMP_FILES } from '../../cube/dump-format.ts';
import { createMemOS, type MemOS } from '../../mos.ts';
import type { HybridSearchConfig } from '../../retrieval/hybrid-search.ts';
import type { SearchHit, SearchResult } from '../../spec/search.ts';
import { createRandom, uniqueSuffix } from '../../testing/fixtures.ts';
import { createNeo4jStorage } from './create-neo4j-storage.ts';

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');

function clock(start = Date.parse('2024-01-01T00:00:00.000Z')) {
  let t = start;
  return () => new Date((t += 1_000));
}

function counter(run: string) {
  let n = 0;
  return () => `id-${run}-${String(++n).padStart(5, '0')}`;
}

const SUBJECTS = ['Caroline', 'Melanie', 'Alice', 'Bob', 'the team', 'my sister'];
const VERBS = ['went to', 'painted', 'talked about', 'planned', 'remembered', 'wrote about', 'visited'];
const OBJECTS = ['the lake at sunrise', 'a support group', 'the counseling course', 'Paris in spring', 'the old bookshop', 'a hiking trip', 'a pottery class'];
const WHEN = ['yesterday', 'last week', 'in May', 'on Sunday', 'after work', ''];

/** Deterministic, overlapping sentences (near neighbours and ties in both rankings). */
function sentences(seed: number, count: number): string[] {
  const random = createRandom(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: count }, () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(WHEN)}`.trim());
}

const STATUSES = ['active', 'archived', 'merged', 'invalidated', 'expired', 'deleted'] as const;
const QUERIES = ['When did Caroline go to the support group?', 'painting the lake at sunrise', 'Paris', 'hiking trip with my sister', 'what did Bob write about the bookshop'];

const namespaces: string[] = [];
const dirs: string[] = [];
const opened: MemOS[] = [];

/** A MOS on the named backend; Neo4j stores get a namespace of their own (graph and vectors both in Neo4j). */
async function mosOn(backend: 'sqlite' | 'neo4j', run: string, search: Partial<HybridSearchConfig>): Promise<MemOS> {
  let mos: MemOS;
  if (backend === 'sqlite') {
    mos = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, search, now: clock(), newId: counter(run) });
  } else {
    const namespace = `tmos_${uniqueSuffix()}`;
    namespaces.push(namespace);
    const { graph, vector } = createNeo4jStorage({ url, namespace, vectorIndex: true });
    if (vector === undefined) throw new Error('vectorIndex: true must give a vector store');
    mos = createMemOS({ storage: { kind: 'custom', graph, vector }, search, now: clock(), newId: counter(run) });
  }
  opened.push(mos);
  await mos.setup();
  return mos;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memos-neo4j-mos-'));
  dirs.push(dir);
  return join(dir, 'dump');
}

/** The same MOS operations on any backend; returns every search result taken along the way. */
async function scenario(mos: MemOS, [C1, C2]: [string, string]): Promise<SearchResult[]> {
  const results: SearchResult[] = [];
  const searchAll = async (extra: { cubeIds?: string[]; topK?: number } = {}) => {
    for (const query of QUERIES) results.push(await mos.search({ userId: 'alice', query, topK: extra.topK ?? 8, ...(extra.cubeIds ? { cubeIds: extra.cubeIds } : {}) }));
  };
  await mos.createUser({ id: 'alice', name: 'Alice' });
  await mos.createCube({ userId: 'alice', id: C1, name: 'one' });
  await mos.createCube({ userId: 'alice', id: C2, name: 'two' });
  const messages = sentences(1, 24).map((content, i) => ({ role: (i % 2 === 0 ? 'user' : 'assistant') as 'user' | 'assistant', content, time: `2023-05-${String(1 + i).padStart(2, '0')}T10:00:00Z` }));
  const { items: chat } = await mos.add({ userId: 'alice', cubeId: C1, sessionId: 's1', messages });
  const notes: string[] = [];
  for (const text of sentences(2, 14)) notes.push(...(await mos.add({ userId: 'alice', cubeId: C2, text, tags: ['note'] })).items.map((item) => item.id));
  await mos.add({ userId: 'alice', cubeId: C2, text: 'Alice painted the lake at sunrise' });
  await mos.add({ userId: 'alice', cubeId: C2, text: 'Alice painted the lake at sunrise' });
  await searchAll();
  await searchAll({ cubeIds: [C2], topK: 3 });
  await mos.update({ userId: 'alice', id: chat[3]!.id, text: 'Caroline moved to Berlin and joined a support group', reason: 'moved' });
  await mos.update({ userId: 'alice', id: notes[2]!, tags: ['note', 'edited'], memoryType: 'fact' });
  await mos.delete({ userId: 'alice', id: chat[5]!.id, reason: 'user asked' });
  await mos.invalidate({ userId: 'alice', id: chat[7]!.id, invalidAt: '2023-06-01T00:00:00Z', reason: 'contradicted' });
  await mos.rollback({ userId: 'alice', id: chat[5]!.id, version: 1 });
  await searchAll();
  results.push(await mos.search({ userId: 'alice', query: 'support group', asOf: '2023-05-10T00:00:00Z' }));
  results.push(await mos.search({ userId: 'alice', query: 'support group', asOf: '2023-07-01T00:00:00Z' }));
  results.push(await mos.search({ userId: 'alice', query: 'lake sunrise', filter: { tagsAny: ['note'] } }));
  return results;
}

function withoutVector(hit: SearchHit): SearchHit['signals'] {
  const { vector: _vector, ...rest } = hit.signals;
  return rest;
}

/** Same hits, same order, same items and signals; fused scores within `fused`, vector scores within 1e-6. */
function expectSameResults(actual: SearchResult[], expected: SearchResult[], fused: number): void {
  expect(actual).toHaveLength(expected.length);
  let vectorSignals = 0;
  expected.forEach((want, q) => {
    const got = actual[q]!;
    expect(got.hits.map((h) => h.item.id), `search #${q}`).toStrictEqual(want.hits.map((h) => h.item.id));
    got.hits.forEach((hit, i) => {
      const ref = want.hits[i]!;
      expect(Math.abs(hit.score - ref.score), `search #${q} hit ${i} fused score`).toBeLessThanOrEqual(fused);
      expect(hit.signals.vector?.rank).toBe(ref.signals.vector?.rank);
      if (ref.signals.vector) {
        vectorSignals += 1;
        expect(Math.abs(hit.signals.vector!.score - ref.signals.vector.score), `search #${q} hit ${i} vector score`).toBeLessThanOrEqual(1e-6 + 1e-12);
      }
      if (fused <= 1e-9) expect(withoutVector(hit)).toStrictEqual(withoutVector(ref));
      const { accessCount: _a, lastAccessedAt: _l, ...item } = hit.item;
      const { accessCount: _ra, lastAccessedAt: _rl, ...refItem } = ref.item;
      expect(item).toStrictEqual(refItem);
    });
  });
  expect(vectorSignals).toBeGreaterThan(40);
}

interface Pair {
  cubes: [string, string];
  sqlite: MemOS;
  neo4j: MemOS;
  expected: SearchResult[];
  actual: SearchResult[];
}

async function runPair(search: Partial<HybridSearchConfig>): Promise<Pair> {
  const run = uniqueSuffix();
  const cubes: [string, string] = [`c1-${run}`, `c2-${run}`];
  const [sqlite, neo4j] = [await mosOn('sqlite', run, search), await mosOn('neo4j', run, search)];
  return { cubes, sqlite, neo4j, expected: await scenario(sqlite, cubes), actual: await scenario(neo4j, cubes) };
}

let rrf: Pair;
let scored: Pair;

beforeAll(async () => {
  rrf = await runPair({ fusion: 'rrf' });
  scored = await runPair({});
}, 300_000);

afterAll(async () => {
  for (const mos of opened) await mos.close();
  for (const namespace of namespaces) {
    const storage = createNeo4jStorage({ url, namespace });
    await storage.dropNamespace();
    await storage.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('MOS on Neo4j (graph + vector index) vs all-SQLite', () => {
  // Rank fusion sees only ranks: with the same rankings, fused scores and every non-vector signal are identical.
  it('returns identical search results with rrf fusion (fused scores equal to 1e-9)', () => {
    expectSameResults(rrf.actual, rrf.expected, 1e-9);
  });

  // Score fusion sums max-normalised scores; vector scores are float32 cosines rounded to 1e-6, so
  // one may land one rounding step (1e-6) apart, and so may a fused score that includes it.
  it('returns the same ranking with score fusion (fused scores within 1e-5)', () => {
    expectSameResults(scored.actual, scored.expected, 1e-5);
  });

  it('keeps the same items and versions', async () => {
    for (const cubeId of rrf.cubes) {
      const query = { userId: 'alice', cubeIds: [cubeId], limit: 100, filter: { statuses: [...STATUSES] } };
      const want = await rrf.sqlite.getAll(query);
      const got = await rrf.neo4j.getAll(query);
      expect(got).toStrictEqual(want);
      for (const item of want.items.slice(0, 12)) {
        expect(await rrf.neo4j.history({ userId: 'alice', id: item.id })).toStrictEqual(await rrf.sqlite.history({ userId: 'alice', id: item.id }));
      }
    }
  });

  it('dumps identically and migrates a cube SQLite -> Neo4j -> SQLite with the same search results', async () => {
    const [C1] = rrf.cubes;
    const [fromSqlite, fromNeo4j] = [tempDir(), tempDir()];
    await rrf.sqlite.dumpCube({ userId: 'alice', cubeId: C1, dir: fromSqlite });
    await rrf.neo4j.dumpCube({ userId: 'alice', cubeId: C1, dir: fromNeo4j });
    for (const file of [DUMP_FILES.memories, DUMP_FILES.edges, DUMP_FILES.versions]) {
      expect(readFileSync(join(fromNeo4j, file), 'utf8'), file).toBe(readFileSync(join(fromSqlite, file), 'utf8'));
    }
    const run = uniqueSuffix();
    const neo4j = await mosOn('neo4j', run, { fusion: 'rrf' });
    const sqlite = await mosOn('sqlite', run, { fusion: 'rrf' });
    for (const mos of [neo4j, sqlite]) await mos.createUser({ id: 'bob', name: 'Bob' });
    await neo4j.loadCube({ userId: 'bob', dir: fromSqlite, cubeId: 'migrated' });
    const again = tempDir();
    await neo4j.dumpCube({ userId: 'bob', cubeId: 'migrated', dir: again });
    await sqlite.loadCube({ userId: 'bob', dir: again, cubeId: 'migrated' });
    const all = { userId: 'bob', cubeIds: ['migrated'], limit: 100, filter: { statuses: [...STATUSES] } };
    expect(await neo4j.getAll(all)).toStrictEqual(await sqlite.getAll(all));
    const want: SearchResult[] = [];
    const got: SearchResult[] = [];
    for (const query of QUERIES) {
      want.push(await sqlite.search({ userId: 'bob', query, topK: 8 }));
      got.push(await neo4j.search({ userId: 'bob', query, topK: 8 }));
    }
    expect(want.some((result) => result.hits.length > 3)).toBe(true);
    expectSameResultsLoose(got, want);
  });
});

/** Same ids in the same order with the same fused scores (rrf), for the migration check. */
function expectSameResultsLoose(actual: SearchResult[], expected: SearchResult[]): void {
  expected.forEach((want, q) => {
    expect(actual[q]!.hits.map((h) => [h.item.id, h.score])).toStrictEqual(want.hits.map((h) => [h.item.id, h.score]));
  });
}
