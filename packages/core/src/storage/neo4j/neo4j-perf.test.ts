/**
 * Store-level latency and throughput of the Neo4j backend next to SQLite, on a synthetic chat corpus.
 * Opt-in (minutes at 100k items): `MEMOS_NEO4J_PERF=10000,100000 npx vitest run packages/core/src/storage/neo4j/neo4j-perf.test.ts`
 * (`MEMOS_NEO4J_PERF_BACKENDS=neo4j` to skip SQLite). Prints one table row per backend and size.
 */
import { describe, expect, inject, it } from 'vitest';
import { createLexicalEmbedder } from '../../embedding/lexical-embedder.ts';
import { keywordSearch } from '../../retrieval/bm25.ts';
import type { GraphStore } from '../../spec/graph-store.ts';
import type { MemoryEdge, MemoryItem } from '../../spec/memory-item.ts';
import type { VectorStore } from '../../spec/vector-store.ts';
import { createRandom, isoAt, itemTerms, uniqueSuffix } from '../../testing/fixtures.ts';
import { createSqliteStorage } from '../sqlite/create-sqlite-storage.ts';
import { createNeo4jStorage } from './create-neo4j-storage.ts';

const sizes = (process.env.MEMOS_NEO4J_PERF ?? '').split(',').filter((s) => s.trim() !== '').map(Number);
const backends = (process.env.MEMOS_NEO4J_PERF_BACKENDS ?? 'sqlite,neo4j').split(',');
const QUERIES = Number(process.env.MEMOS_NEO4J_PERF_QUERIES ?? 200);
const BATCH = 500;

const SUBJECTS = ['I', 'My sister', 'Our team', 'My neighbour', 'The coach', 'My friend Sam', 'Grandma', 'The new manager'];
const VERBS = ['visited', 'painted', 'cooked', 'booked', 'fixed', 'planned', 'found', 'started', 'finished', 'adopted', 'bought', 'lost'];
const OBJECTS = ['a small garden', 'the old bicycle', 'a trip to Lisbon', 'a birthday cake', 'the kitchen sink', 'a pottery class', 'a rescue dog',
  'the marathon plan', 'a jazz concert', 'a camping weekend', 'the science project', 'a vegan recipe', 'a wedding album', 'the piano lesson'];
const TAILS = ['yesterday', 'last weekend', 'after work', 'with the kids', 'in the rain', 'for the first time', 'again', 'before the holidays',
  'near the lake', 'downtown', 'at the community centre', 'on Sunday morning'];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** The scale benchmark's corpus shape: one chat turn per item, sessions of 50 turns linked by FOLLOWS. */
function corpus(size: number, cubeId: string, prefix: string): { items: MemoryItem[]; edges: MemoryEdge[] } {
  const random = createRandom(42);
  const items: MemoryItem[] = [];
  const edges: MemoryEdge[] = [];
  for (let i = 0; i < size; i += 1) {
    const text = `${pick(random, SUBJECTS)} ${pick(random, VERBS)} ${pick(random, OBJECTS)} ${pick(random, TAILS)} (note ${i.toString(36)}).`;
    const at = isoAt(i);
    items.push({
      id: `${prefix}-${String(i).padStart(7, '0')}`, cubeId, ownerId: 'perf', sessionId: `s${Math.floor(i / 50)}`, kind: 'plaintext',
      memoryType: 'long_term', text, key: text.split(' ').slice(0, 3).join(' '), tags: [], metadata: { turn: i % 50 }, confidence: 1,
      status: i % 10 === 0 ? 'archived' : 'active', version: 1, sources: [{ role: 'user' }], createdAt: at, updatedAt: at,
      accessCount: 0, importance: 0.5, vectorSyncState: 'synced',
    });
    if (i % 50 !== 0) edges.push({ from: items[i]!.id, to: items[i - 1]!.id, type: 'FOLLOWS', cubeId, weight: 1, createdAt: at });
  }
  return { items, edges };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await fn();
  samples.push(performance.now() - started);
  return result;
}

interface Stores {
  graph: GraphStore;
  vector: VectorStore;
  close(): Promise<void>;
}

async function open(backend: string, url: string): Promise<Stores> {
  if (backend === 'sqlite') {
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.graph.setup();
    await storage.vector.setup();
    return storage;
  }
  const storage = createNeo4jStorage({ url, namespace: `perf_${uniqueSuffix()}`, vectorIndex: true });
  await storage.graph.setup();
  const vector = storage.vector!;
  await vector.setup();
  return {
    graph: storage.graph,
    vector,
    async close() {
      await storage.dropNamespace();
      await storage.close();
    },
  };
}

async function measure(backend: string, size: number, url: string): Promise<Record<string, string | number>> {
  const stores = await open(backend, url);
  const embedder = createLexicalEmbedder();
  const space = { fingerprint: embedder.fingerprint, dimension: embedder.dimension };
  const cubeId = `perf-${uniqueSuffix()}`;
  const { items, edges } = corpus(size, cubeId, cubeId);
  try {
    let writeMs = 0;
    let vectorMs = 0;
    for (let i = 0; i < items.length; i += BATCH) {
      const slice = items.slice(i, i + BATCH);
      const ids = new Set(slice.map((item) => item.id));
      const batchEdges = edges.filter((edge) => ids.has(edge.from));
      let started = performance.now();
      await stores.graph.write({ items: slice.map((item) => ({ item, terms: itemTerms(item) })), edges: batchEdges });
      writeMs += performance.now() - started;
      const vectors = await embedder.embed(slice.map((item) => item.text));
      started = performance.now();
      await stores.vector.upsert({
        space,
        records: slice.map((item, j) => ({ id: item.id, vector: vectors[j]!, cubeId, ownerId: item.ownerId, memoryType: item.memoryType, createdAt: item.createdAt })),
      });
      vectorMs += performance.now() - started;
    }
    const random = createRandom(7);
    const queries = Array.from({ length: QUERIES + 10 }, () => `Who ${pick(random, VERBS)} ${pick(random, OBJECTS)} ${pick(random, TAILS)}?`);
    const filter = { cubeIds: [cubeId], statuses: ['active' as const] };
    const samples = { keyword: [] as number[], vector: [] as number[], listIds: [] as number[], neighbors: [] as number[], getItems: [] as number[], all: [] as number[] };
    for (const [n, query] of queries.entries()) {
      const warm = n < 10;
      const run = { keyword: [] as number[], vector: [] as number[], listIds: [] as number[], neighbors: [] as number[], getItems: [] as number[], all: [] as number[] };
      const keywordHits = await timed(run.keyword, () => keywordSearch({ graph: stores.graph, query, filter, limit: 50 }));
      const [vector] = await embedder.embed([query]);
      const vectorHits = await timed(run.vector, () => stores.vector.query({ space, vector: vector!, topK: 100, cubeIds: [cubeId] }));
      await timed(run.listIds, () => stores.graph.listItems({ filter: { ...filter, ids: vectorHits.map((h) => h.id) }, limit: 100, offset: 0 }));
      const seeds = [...keywordHits.slice(0, 3), ...vectorHits.slice(0, 2)].map((h) => h.id);
      await timed(run.neighbors, () => stores.graph.neighbors({ ids: seeds, types: ['FOLLOWS', 'RELATE_TO'], hops: 1, filter, limit: 50 }));
      await timed(run.getItems, () => stores.graph.getItems(keywordHits.slice(0, 10).map((h) => h.id)));
      // Store time of the whole sequence (embedding excluded; the MOS runs keyword and vector in parallel).
      run.all.push([run.keyword, run.vector, run.listIds, run.neighbors, run.getItems].reduce((sum, list) => sum + (list[0] ?? 0), 0));
      expect(keywordHits.length).toBeGreaterThan(0);
      if (!warm) for (const key of Object.keys(samples) as (keyof typeof samples)[]) samples[key].push(...run[key]);
    }
    const row: Record<string, string | number> = { backend, items: size, 'write items/s': Math.round(size / (writeMs / 1000)), 'vector upsert/s': Math.round(size / (vectorMs / 1000)) };
    for (const [key, values] of Object.entries(samples)) row[`${key} p50/p95 ms`] = `${percentile(values, 0.5).toFixed(1)} / ${percentile(values, 0.95).toFixed(1)}`;
    return row;
  } finally {
    await stores.close();
  }
}

describe.skipIf(sizes.length === 0)('Neo4j vs SQLite store performance', () => {
  it('measures writes, keyword search, vector query and neighbours', async () => {
    const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
    const rows: Record<string, string | number>[] = [];
    for (const size of sizes) for (const backend of backends) rows.push(await measure(backend, size, url));
    console.table(rows);
  }, 3_600_000);
});
