/**
 * Scale benchmark (`npm run bench:scale`): add throughput (items/s) and search latency p50/p95
 * at several corpus sizes, with embedding time separated from store time.
 *
 * Flags: --backend sqlite|neo4j-chroma|neo4j (comma-separated: side by side), --sizes 1000,10000, --queries 200, --batch 500,
 * --keyword-candidates N (Neo4j keyword candidate pool), --out FILE.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLexicalEmbedder, createMemOS, type Embedder } from '@memos-js/core';
import { benchArgs, printTable } from './bench-args.ts';
import { benchServers, benchStorage, benchStorageOptions, shareIdentical, type BenchServers, type BenchStorageOptions } from './bench-storage.ts';
import { syntheticQueries, syntheticTurns } from './synthetic-corpus.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Wraps an embedder and accumulates the time spent embedding. */
export function timedEmbedder(inner: Embedder): Embedder & { spentMs: number } {
  const timed = {
    fingerprint: inner.fingerprint,
    dimension: inner.dimension,
    spentMs: 0,
    async embed(texts: string[]) {
      const t = performance.now();
      try {
        return await inner.embed(texts);
      } finally {
        timed.spentMs += performance.now() - t;
      }
    },
  };
  return timed;
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

export interface ScaleRow {
  backend: string;
  items: number;
  addTotalItemsPerSec: number;
  addStoreItemsPerSec: number;
  embedMsPerItem: number;
  searchStoreP50: number;
  searchStoreP95: number;
  searchTotalP95: number;
  /** Share of queries whose top 10 (by text: ids differ between runs) equals the first backend's at this size; 1 for the first. */
  sameTop10?: number;
  /** Top-10 texts of each query (not written to the JSON). */
  rankings: string[][];
}

/** Runs one size on one backend. */
export async function runScale(options: { backend: string; size: number; queries: number; batch: number; servers?: BenchServers; storageOptions?: BenchStorageOptions }): Promise<ScaleRow> {
  const { storage, cleanup } = await benchStorage(options.backend, options.servers, options.storageOptions);
  const embedder = timedEmbedder(createLexicalEmbedder());
  const mos = createMemOS({ storage, embedder, trackAccess: false });
  await mos.setup();
  try {
    await mos.createUser({ id: 'bench', name: 'bench' });
    const cube = await mos.createCube({ userId: 'bench', id: `scale-${options.size}-${Date.now()}`, name: 'scale' });
    const turns = syntheticTurns(options.size);
    const started = performance.now();
    for (let i = 0; i < turns.length; i += options.batch) {
      const messages = turns.slice(i, i + options.batch).map((content) => ({ role: 'user' as const, content }));
      await mos.add({ userId: 'bench', cubeId: cube.id, sessionId: `s${Math.floor(i / 50)}`, messages });
    }
    const addMs = performance.now() - started;
    const addEmbedMs = embedder.spentMs;
    const store: number[] = [];
    const total: number[] = [];
    const rankings: string[][] = [];
    const queries = syntheticQueries(options.queries);
    for (const q of queries.slice(0, 10)) await mos.search({ userId: 'bench', query: q, cubeIds: [cube.id] });
    for (const q of queries) {
      const { hits, timings } = await mos.search({ userId: 'bench', query: q, cubeIds: [cube.id], topK: 10 });
      rankings.push(hits.map((hit) => hit.item.text));
      store.push(timings.storeMs);
      total.push(timings.totalMs);
    }
    return {
      backend: options.backend,
      items: options.size,
      addTotalItemsPerSec: options.size / (addMs / 1000),
      addStoreItemsPerSec: options.size / ((addMs - addEmbedMs) / 1000),
      embedMsPerItem: addEmbedMs / options.size,
      searchStoreP50: percentile(store, 0.5),
      searchStoreP95: percentile(store, 0.95),
      searchTotalP95: percentile(total, 0.95),
      rankings,
    };
  } finally {
    await mos.close();
    await cleanup();
  }
}

async function main(): Promise<void> {
  const args = benchArgs(['sizes', 'queries', 'batch', 'keyword-candidates']);
  const storageOptions = benchStorageOptions(args);
  const sizes = (args.sizes ?? '1000,10000').split(',').map(Number);
  const backends = args.backend.split(',');
  const servers = await benchServers(backends);
  const rows: ScaleRow[] = [];
  try {
    for (const size of sizes) {
      const first = rows.length;
      for (const backend of backends) {
        const row = await runScale({ backend, size, queries: Number(args.queries ?? 200), batch: Number(args.batch ?? 500), servers, storageOptions });
        const reference = rows[first]?.rankings ?? row.rankings;
        row.sameTop10 = shareIdentical(row.rankings, reference);
        rows.push(row);
      }
    }
  } finally {
    await servers.stop();
  }
  console.log(`Scale benchmark — lexical embedder, synthetic chat turns, add batches of ${args.batch ?? 500}, node ${process.version}\n`);
  printTable(
    ['backend', 'items', 'add items/s (total)', 'add items/s (store)', 'embed ms/item', 'search store p50 ms', 'store p95 ms', 'total p95 ms', `same top 10 as ${backends[0]}`],
    rows.map((r) => [r.backend, r.items, r.addTotalItemsPerSec, r.addStoreItemsPerSec, r.embedMsPerItem, r.searchStoreP50, r.searchStoreP95, r.searchTotalP95, r.sameTop10 ?? 1]),
  );
  const out = resolve(args.out ?? join(repoRoot, 'bench', 'results', `scale-${backends.join('+')}.json`));
  await mkdir(dirname(out), { recursive: true });
  const summary = rows.map(({ rankings: _rankings, ...rest }) => rest);
  await writeFile(out, `${JSON.stringify({ benchmark: 'scale', date: new Date().toISOString(), rows: summary }, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
