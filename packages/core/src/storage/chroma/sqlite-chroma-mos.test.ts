import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createMemOS, type MemOS } from '../../mos.ts';
import type { HybridSearchConfig } from '../../retrieval/hybrid-search.ts';
import type { SearchHit, SearchResult } from '../../spec/search.ts';
import { createRandom, uniqueSuffix } from '../../testing/fixtures.ts';
import { createSqliteStorage } from '../sqlite/create-sqlite-storage.ts';
import { createChromaVectorStore } from './create-chroma-vector-store.ts';

const url = inject('chromaUrl') || process.env.MEMOS_CHROMA_URL || '';
if (url === '') throw new Error('No Chroma server: run through vitest (test/global-setup.ts) or set MEMOS_CHROMA_URL');
const collectionPrefix = `t-mos-${uniqueSuffix()}`;

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
const OBJECTS = ['the lake at sunrise', 'a support group', 'the counseling course', 'Paris in spring', 'the old bookshop', 'a hiking trip', 'the piano recital', 'a pottery class'];
const WHEN = ['yesterday', 'last week', 'in May', 'on Sunday', 'after work', ''];

/** Deterministic, overlapping sentences (so vector and keyword rankings have near neighbours and ties). */
function sentences(seed: number, count: number): string[] {
  const random = createRandom(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  return Array.from({ length: count }, () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(WHEN)}`.trim());
}

const QUERIES = [
  'When did Caroline go to the support group?',
  'painting the lake at sunrise',
  'Paris',
  'hiking trip with my sister',
  'what did Bob write about the bookshop',
  'piano',
  'counseling course after work',
];

/** Runs the same operations on a MOS and returns the search results taken along the way. */
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
  for (const text of sentences(2, 16)) notes.push(...(await mos.add({ userId: 'alice', cubeId: C2, text, tags: ['note'] })).items.map((item) => item.id));
  // Duplicates: identical vectors, ranked by id.
  await mos.add({ userId: 'alice', cubeId: C2, text: 'Alice painted the lake at sunrise' });
  await mos.add({ userId: 'alice', cubeId: C2, text: 'Alice painted the lake at sunrise' });
  await searchAll();
  await searchAll({ cubeIds: [C2], topK: 3 });

  await mos.update({ userId: 'alice', id: chat[3]!.id, text: 'Caroline moved to Berlin and joined a support group', reason: 'moved' });
  await mos.update({ userId: 'alice', id: notes[2]!, tags: ['note', 'edited'], memoryType: 'fact' });
  await mos.delete({ userId: 'alice', id: chat[5]!.id, reason: 'user asked' });
  await mos.delete({ userId: 'alice', id: notes[0]!, reason: 'duplicate' });
  await mos.invalidate({ userId: 'alice', id: chat[7]!.id, invalidAt: '2023-06-01T00:00:00Z', reason: 'contradicted' });
  await mos.rollback({ userId: 'alice', id: chat[5]!.id, version: 1 });
  await searchAll();
  results.push(await mos.search({ userId: 'alice', query: 'support group', asOf: '2023-05-10T00:00:00Z' }));
  results.push(await mos.search({ userId: 'alice', query: 'lake sunrise', filter: { tagsAny: ['note'] } }));
  return results;
}

function signalsWithoutVector(hit: SearchHit): SearchHit['signals'] {
  const { vector: _vector, ...rest } = hit.signals;
  return rest;
}

/** Two MOS, all-SQLite and SQLite graph + Chroma vectors, after the same scenario. */
interface Pair {
  cubes: [string, string];
  sqlite: MemOS;
  chroma: MemOS;
  expected: SearchResult[];
  actual: SearchResult[];
}

const pairs: MemOS[] = [];

async function runPair(search: Partial<HybridSearchConfig>): Promise<Pair> {
  // Ids and cube ids unique to this pair: the lexical embedder's Chroma collection is shared by the file.
  const run = uniqueSuffix();
  const cubes: [string, string] = [`c1-${run}`, `c2-${run}`];
  const sqlite = createMemOS({ storage: { kind: 'sqlite', path: ':memory:' }, search, now: clock(), newId: counter(run) });
  const graph = createSqliteStorage({ path: ':memory:' }).graph;
  const vector = createChromaVectorStore({ url, collectionPrefix });
  const chroma = createMemOS({ storage: { kind: 'custom', graph, vector }, search, now: clock(), newId: counter(run) });
  pairs.push(sqlite, chroma);
  await sqlite.setup();
  await chroma.setup();
  return { cubes, sqlite, chroma, expected: await scenario(sqlite, cubes), actual: await scenario(chroma, cubes) };
}

/** Same hits in the same order with the same items and signals; vector scores within `vectorTolerance`. */
function expectSameResults(pair: Pair, fusedTolerance: number, vectorTolerance: number): void {
  expect(pair.actual).toHaveLength(pair.expected.length);
  let vectorSignals = 0;
  pair.expected.forEach((want, q) => {
    const got = pair.actual[q]!;
    expect(got.hits.map((h) => h.item.id), `search #${q}`).toStrictEqual(want.hits.map((h) => h.item.id));
    got.hits.forEach((hit, i) => {
      const ref = want.hits[i]!;
      if (fusedTolerance === 0) expect(hit.score, `search #${q} hit ${i} fused score`).toBe(ref.score);
      else expect(Math.abs(hit.score - ref.score), `search #${q} hit ${i} fused score`).toBeLessThanOrEqual(fusedTolerance);
      expect(hit.signals.vector?.rank).toBe(ref.signals.vector?.rank);
      if (ref.signals.vector) {
        vectorSignals += 1;
        expect(Math.abs(hit.signals.vector!.score - ref.signals.vector.score), `search #${q} hit ${i} vector score`).toBeLessThanOrEqual(vectorTolerance);
      }
      if (fusedTolerance === 0) expect(signalsWithoutVector(hit)).toStrictEqual(signalsWithoutVector(ref));
      else expect(Object.keys(hit.signals).sort()).toStrictEqual(Object.keys(ref.signals).sort());
      const { accessCount: _a, lastAccessedAt: _l, ...item } = hit.item;
      const { accessCount: _ra, lastAccessedAt: _rl, ...refItem } = ref.item;
      expect(item).toStrictEqual(refItem);
    });
  });
  expect(vectorSignals).toBeGreaterThan(50);
}

let scored: Pair;
let rrf: Pair;

beforeAll(async () => {
  scored = await runPair({});
  rrf = await runPair({ fusion: 'rrf' });
});

afterAll(async () => {
  for (const mos of pairs) await mos.close();
  const cleaner = createChromaVectorStore({ url, collectionPrefix });
  await cleaner.setup();
  await cleaner.dropCollections();
  await cleaner.close();
});

describe('MOS on SQLite graph + Chroma vectors vs all-SQLite', () => {
  it('stores the same vectors', async () => {
    for (const pair of [scored, rrf]) {
      for (const cubeId of pair.cubes) {
        const ids = await pair.sqlite.vector.listIds({ space: pair.sqlite.embedder, cubeIds: [cubeId] });
        expect(ids.length).toBeGreaterThan(10);
        expect(await pair.chroma.vector.listIds({ space: pair.chroma.embedder, cubeIds: [cubeId] })).toStrictEqual(ids);
      }
    }
  });

  it('ranks the same vectors identically at the store level (raw scores within 1e-6)', async () => {
    const { sqlite, chroma, cubes } = scored;
    for (const query of QUERIES) {
      const vector = (await sqlite.embedder.embed([query]))[0]!;
      const want = await sqlite.vector.query({ space: sqlite.embedder, vector, topK: 30, cubeIds: cubes });
      const got = await chroma.vector.query({ space: chroma.embedder, vector, topK: 30, cubeIds: cubes });
      expect(got.map((h) => h.id)).toStrictEqual(want.map((h) => h.id));
      got.forEach((hit, i) => expect(Math.abs(hit.score - want[i]!.score)).toBeLessThanOrEqual(1e-6));
    }
  });

  // Rank fusion sees only ranks: fused scores and every non-vector signal are bit-identical.
  it('returns identical search results with rrf fusion (fused scores equal)', () => {
    expectSameResults(rrf, 0, 1e-6 + 1e-12);
  });

  // Score fusion (the default) sums max-normalised scores. The MOS rounds vector scores to 1e-6
  // (roundVectorScore) but float32 noise (<4e-7 here) can straddle a rounding boundary, so one vector
  // score may differ by one step (1e-6) and the fused scores that include it by about as much.
  it('returns the same ranking with score fusion (fused scores within 1e-5)', () => {
    expectSameResults(scored, 1e-5, 1e-6 + 1e-12);
  });
});
