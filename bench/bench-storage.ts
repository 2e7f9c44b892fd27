import type { StorageOption } from '@memos-js/core';
import { createChromaVectorStore } from '@memos-js/core/chroma';
import { createNeo4jStorage } from '@memos-js/core/neo4j';

/** Storage settings a benchmark passes through to the backend (from the command line). */
export interface BenchStorageOptions {
  /** Neo4j keyword search's candidate pool (`--keyword-candidates`); default the store's. */
  keywordCandidates?: number;
}

/** The {@link BenchStorageOptions} of the parsed flags. */
export function benchStorageOptions(args: { 'keyword-candidates'?: string }): BenchStorageOptions {
  return args['keyword-candidates'] === undefined ? {} : { keywordCandidates: Number(args['keyword-candidates']) };
}

/** Share of the rankings identical (same entries, same order) to the reference's at the same position. */
export function shareIdentical(rankings: readonly (readonly string[])[], reference: readonly (readonly string[])[]): number {
  const same = rankings.filter((ranked, i) => JSON.stringify(ranked) === JSON.stringify(reference[i])).length;
  return rankings.length === 0 ? 0 : same / rankings.length;
}

/** Backends the benchmarks can run on. */
export const BENCH_BACKENDS = ['sqlite', 'neo4j-chroma', 'neo4j'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** Server URLs for the server backends. */
export interface BenchServers {
  neo4jUrl?: string;
  chromaUrl?: string;
  /** Stops servers this process started. */
  stop: () => Promise<void>;
}

/**
 * Servers for the named backends: `MEMOS_NEO4J_URL` / `MEMOS_CHROMA_URL` when set, otherwise
 * started by the project's own scripts (`scripts/services-lib.mjs`) and stopped by `stop()`.
 */
export async function benchServers(backends: string[]): Promise<BenchServers> {
  for (const b of backends) if (!(BENCH_BACKENDS as readonly string[]).includes(b)) throw new Error(`unknown --backend ${JSON.stringify(b)}; expected ${BENCH_BACKENDS.join(', ')}`);
  const needNeo4j = backends.some((b) => b.startsWith('neo4j'));
  const needChroma = backends.includes('neo4j-chroma');
  const servers: BenchServers = { stop: async () => {} };
  if (process.env.MEMOS_NEO4J_URL) servers.neo4jUrl = process.env.MEMOS_NEO4J_URL;
  if (process.env.MEMOS_CHROMA_URL) servers.chromaUrl = process.env.MEMOS_CHROMA_URL;
  const which = [...(needNeo4j && !servers.neo4jUrl ? ['neo4j'] : []), ...(needChroma && !servers.chromaUrl ? ['chroma'] : [])];
  if (which.length === 0) return servers;
  // @ts-expect-error -- plain JS module of the repository's scripts (no type declarations)
  const lib = (await import('../scripts/services-lib.mjs')) as { startServices: (o: object) => Promise<Record<string, { url: string }>>; stopServices: (s: object) => Promise<void> };
  const state = await lib.startServices({ which, runId: `bench-${process.pid}`, watchPid: process.pid });
  if (state['neo4j']) servers.neo4jUrl = state['neo4j'].url;
  if (state['chroma']) servers.chromaUrl = state['chroma'].url;
  servers.stop = () => lib.stopServices(state);
  return servers;
}

/**
 * Fresh, isolated storage for one benchmark run on the named backend: an in-memory SQLite
 * database, or a new Neo4j namespace (+ Chroma collection prefix), removed by `cleanup()`.
 */
export async function benchStorage(
  backend: string,
  servers?: BenchServers,
  options: BenchStorageOptions = {},
): Promise<{ storage: StorageOption; cleanup: () => Promise<void> }> {
  if (backend === 'sqlite') return { storage: { kind: 'sqlite', path: ':memory:' }, cleanup: async () => {} };
  const tag = `bench_${process.pid}_${Date.now().toString(36)}`;
  if (!servers?.neo4jUrl) throw new Error(`--backend ${backend} needs a Neo4j server (MEMOS_NEO4J_URL or benchServers)`);
  const neo4j = createNeo4jStorage({
    url: servers.neo4jUrl,
    namespace: tag,
    vectorIndex: backend === 'neo4j',
    ...(options.keywordCandidates === undefined ? {} : { keywordCandidates: options.keywordCandidates }),
  });
  // The MemOS closes its stores; cleanup opens fresh handles on the same namespace / prefix.
  const dropNeo4j = async () => {
    const handle = createNeo4jStorage({ url: servers.neo4jUrl!, namespace: tag });
    await handle.dropNamespace();
    await handle.close();
  };
  if (backend === 'neo4j' && neo4j.vector) {
    return { storage: { kind: 'custom', graph: neo4j.graph, vector: neo4j.vector }, cleanup: dropNeo4j };
  }
  if (backend === 'neo4j-chroma' && servers.chromaUrl) {
    const chromaUrl = servers.chromaUrl;
    const chroma = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
    return {
      storage: { kind: 'custom', graph: neo4j.graph, vector: chroma },
      cleanup: async () => {
        await dropNeo4j();
        const handle = createChromaVectorStore({ url: chromaUrl, collectionPrefix: tag });
        await handle.setup();
        await handle.dropCollections();
        await handle.close();
      },
    };
  }
  throw new Error(`--backend ${backend} needs ${backend === 'neo4j-chroma' ? 'a Chroma server' : 'Neo4j'}`);
}
