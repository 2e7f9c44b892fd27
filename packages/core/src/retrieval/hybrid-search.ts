import type { EdgeType, Embedder, GraphStore, ItemFilter, MemoryItem, ScoredId, SearchHit, SignalWeights, VectorStore } from '../spec/index.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import { keywordSearch, type Bm25Params } from './bm25.ts';
import { compareScored, reciprocalRankFusion, roundScore, type FusedEntry } from './reciprocal-rank-fusion.ts';
import { scoreFusion, type ScoredList } from './score-fusion.ts';

/**
 * Tuning of the hybrid retriever. Every field has a default, chosen on LoCoMo with a tune/check
 * split of the conversations (`bench/locomo-sweep.ts`); the vector weight defaults to 1 for
 * semantic embedders and {@link LEXICAL_VECTOR_WEIGHT} for lexical ones.
 */
export interface HybridSearchConfig {
  /** Signal weights in fusion. */
  weights: SignalWeights;
  /**
   * How signals combine: `score` (default) sums each signal's max-normalised score times its
   * weight; `rrf` is weighted reciprocal rank fusion with constant `rrfK`.
   */
  fusion: 'score' | 'rrf';
  /** RRF constant k (default 60; only for `fusion: 'rrf'`). */
  rrfK: number;
  /** Candidates taken from each signal (default max(50, 3 * topK)). */
  candidates?: number;
  /** Best fused results whose graph neighbours are expanded (default 5: neighbours of weak hits are noise). */
  graphSeeds?: number;
  /** Edge types followed for the graph signal (default FOLLOWS, RELATE_TO). */
  graphEdgeTypes: EdgeType[];
  /** Hops of graph expansion (default 1). */
  graphHops: number;
  bm25?: Bm25Params;
}

export const DEFAULT_HYBRID_CONFIG: HybridSearchConfig = {
  weights: { vector: 1, keyword: 1, graph: 0.75 },
  fusion: 'score',
  rrfK: 60,
  graphSeeds: 5,
  graphEdgeTypes: ['FOLLOWS', 'RELATE_TO'],
  graphHops: 1,
};

/** Default vector weight for a `lexical` embedder (it mostly repeats what BM25 already knows). */
export const LEXICAL_VECTOR_WEIGHT = 0.2;

/** The graph-store reads hybrid search makes (a live store, or a snapshot index for time travel). */
export type SearchGraph = Pick<GraphStore, 'keywordStats' | 'keywordSearch' | 'neighbors' | 'listEdges' | 'getItems'>;

/** The vector-store read hybrid search makes. */
export interface SearchVectors {
  query(request: { space: Embedder; vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]>;
}

/** Inputs of one hybrid search (already validated and scoped by the MOS). */
export interface HybridSearchRequest {
  graph: SearchGraph;
  vector: SearchVectors | VectorStore;
  embedder: Embedder;
  query: string;
  /** Full filter, cubeIds and statuses included. */
  filter: ItemFilter & { cubeIds: string[] };
  topK: number;
  config: HybridSearchConfig;
}

/** Result of {@link hybridSearch}. */
export interface HybridSearchResult {
  hits: SearchHit[];
  timings: { embedMs: number; storeMs: number; totalMs: number };
}

/**
 * Hybrid retrieval: vector top-k ∪ BM25 top-k, fused (score or rank fusion); then the graph
 * neighbours (adjacent turns, related items) of the best fused results form a third list, scored
 * by their seed's fused score times the edge weight, and all three are fused again (with score
 * fusion a neighbour thus inherits a share of its seed's relevance). Deterministic: ties break on id.
 */
export async function hybridSearch(request: HybridSearchRequest): Promise<HybridSearchResult> {
  const started = performance.now();
  const { graph, filter, topK, config } = request;
  const candidates = config.candidates ?? Math.max(50, 3 * topK);

  const embedStarted = performance.now();
  const queryVector = config.weights.vector > 0 ? await embedQuery(request.embedder, request.query) : undefined;
  const embedMs = performance.now() - embedStarted;

  const items = new Map<string, MemoryItem>();
  const [keywordHits, vectorHits] = await Promise.all([
    config.weights.keyword > 0 || config.weights.graph > 0
      ? keywordSearch({ graph, query: request.query, filter, limit: candidates, ...(config.bm25 ? { params: config.bm25 } : {}) })
      : Promise.resolve([]),
    queryVector ? filteredVectorSearch(request, queryVector, candidates, items) : Promise.resolve([]),
  ]);

  const lists: ScoredList[] = [
    { name: 'vector', weight: config.weights.vector, hits: vectorHits },
    { name: 'keyword', weight: config.weights.keyword, hits: keywordHits },
  ];
  let fused = fuse(lists, config);

  const via = new Map<string, { seed: string; score: number }>();
  if (config.weights.graph > 0 && fused.length > 0) {
    const graphHits = await graphSignal(request, fused.slice(0, config.graphSeeds ?? 5), candidates);
    for (const hit of graphHits) via.set(hit.id, { seed: hit.seed, score: hit.score });
    fused = fuse([...lists, { name: 'graph', weight: config.weights.graph, hits: graphHits }], config);
  }

  const top = fused.slice(0, topK);
  const missing = top.map((e) => e.id).filter((id) => !items.has(id));
  if (missing.length > 0) for (const item of await graph.getItems(missing)) items.set(item.id, item);

  const vectorScore = new Map(vectorHits.map((h) => [h.id, h.score]));
  const keywordScore = new Map(keywordHits.map((h) => [h.id, h.score]));
  const hits: SearchHit[] = [];
  for (const entry of top) {
    const item = items.get(entry.id);
    if (!item) continue;
    const signals: SearchHit['signals'] = {};
    const { vector: vRank, keyword: kRank, graph: gRank } = entry.ranks;
    if (vRank !== undefined) signals.vector = { score: vectorScore.get(entry.id) ?? 0, rank: vRank };
    if (kRank !== undefined) signals.keyword = { score: keywordScore.get(entry.id) ?? 0, rank: kRank };
    const path = via.get(entry.id);
    if (gRank !== undefined && path) signals.graph = { score: path.score, rank: gRank, via: path.seed };
    hits.push({ item, score: entry.score, signals });
  }
  const totalMs = performance.now() - started;
  return { hits, timings: { embedMs, storeMs: totalMs - embedMs, totalMs } };
}

/**
 * The graph signal: items linked to the best fused results (seeds) get the seed's relevance
 * (relative to the best seed) times the edge weight. Non-seed neighbours come from the store's
 * `neighbors` expansion; a seed linked to a stronger seed also gets credit (adjacent turns that
 * both match reinforce each other). Sorted by score, then id.
 */
async function graphSignal(request: HybridSearchRequest, seeds: FusedEntry[], candidates: number): Promise<{ id: string; seed: string; score: number }[]> {
  const { graph, filter, config } = request;
  const relevance = new Map(seeds.map((s) => [s.id, s.score / (seeds[0]?.score || 1)]));
  const seedIds = seeds.map((s) => s.id);
  const [neighbors, seedEdges] = await Promise.all([
    graph.neighbors({ ids: seedIds, types: config.graphEdgeTypes, hops: config.graphHops, filter, limit: candidates }),
    seeds.length > 1 ? graph.listEdges({ cubeIds: filter.cubeIds, ids: seedIds, types: config.graphEdgeTypes }) : Promise.resolve([]),
  ]);
  const best = new Map<string, { id: string; seed: string; score: number }>();
  const offer = (id: string, seed: string, score: number) => {
    const current = best.get(id);
    if (!current || score > current.score) best.set(id, { id, seed, score: roundScore(score) });
  };
  for (const n of neighbors) offer(n.id, n.seed, (relevance.get(n.seed) ?? 0) * n.weight);
  for (const edge of seedEdges) {
    const [a, b] = [relevance.get(edge.from), relevance.get(edge.to)];
    if (a === undefined || b === undefined) continue;
    if (a > b) offer(edge.to, edge.from, a * edge.weight);
    else if (b > a) offer(edge.from, edge.to, b * edge.weight);
  }
  return [...best.values()].sort(compareScored);
}

function fuse(lists: ScoredList[], config: HybridSearchConfig): FusedEntry[] {
  if (config.fusion === 'rrf') return reciprocalRankFusion(lists.map((l) => ({ name: l.name, weight: l.weight, ids: l.hits.map((h) => h.id) })), config.rrfK);
  return scoreFusion(lists);
}

async function embedQuery(embedder: Embedder, query: string): Promise<number[]> {
  if (embedder.embedQuery) return embedder.embedQuery(query);
  const [vector] = await embedder.embed([query]);
  return vector ?? [];
}

/**
 * Vector top-k restricted to items that pass the full filter: over-fetches from the vector
 * store (which filters only by cube), reads the items from the graph store and applies the filter, widening the
 * fetch until enough candidates pass or the cubes are exhausted. The fetched items are kept for the hits.
 */
async function filteredVectorSearch(request: HybridSearchRequest, vector: number[], candidates: number, items: Map<string, MemoryItem>) {
  const { graph, filter } = request;
  // Most candidates pass the filter (it mostly repeats the cube scope): start just above `candidates`.
  let fetch = candidates + 10;
  for (;;) {
    const raw = await request.vector.query({ space: request.embedder, vector, topK: fetch, cubeIds: filter.cubeIds });
    if (raw.length === 0) return [];
    // Items by id (one index lookup each), filtered here with the reference semantics every store implements.
    const passing = (await graph.getItems(raw.map((r) => r.id))).filter((item) => matchesFilter(item, filter));
    for (const item of passing) items.set(item.id, item);
    const allowed = new Set(passing.map((i) => i.id));
    const kept = raw.filter((r) => allowed.has(r.id)).map((r) => ({ id: r.id, score: roundVectorScore(r.score) }));
    if (kept.length >= candidates || raw.length < fetch || fetch >= 100_000) return kept.sort(compareScored).slice(0, candidates);
    fetch *= 4;
  }
}

/**
 * Vector backends compute cosine in float32 with different summation orders; rounding to 1e-6
 * (below float32 noise) keeps the ranking identical across backends.
 */
export function roundVectorScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}
