import type { KeywordQuery, KeywordStats, Neighbor, NeighborQuery, ScoredId } from '../spec/graph-store.ts';
import { EDGE_TYPES, type EdgeType, type MemoryEdge, type MemoryItem } from '../spec/memory-item.ts';
import type { ItemFilter } from '../spec/search.ts';
import { compareStrings } from '../storage/item-filter/compare-items.ts';
import { matchesFilter } from '../storage/item-filter/matches-filter.ts';
import type { SearchGraph, SearchVectors } from './hybrid-search.ts';

/** Options of {@link createSnapshotIndex}. */
export interface SnapshotIndexOptions {
  /** The item snapshots to search (e.g. the versions known at an instant). */
  items: MemoryItem[];
  /** BM25 document of each snapshot (item id -> terms, as the write path tokenises them). */
  terms: Map<string, string[]>;
  /** Vector of each snapshot (item id -> vector); snapshots without one are not vector candidates. */
  vectors: Map<string, number[]>;
  /** Edges between the snapshots (others are ignored). */
  edges: MemoryEdge[];
}

const TYPE_RANK = new Map<string, number>(EDGE_TYPES.map((type, index) => [type, index]));

/**
 * An in-memory index over item snapshots that answers the store reads of `hybridSearch` (keyword
 * statistics and BM25, neighbour expansion, edges, items by id, cosine nearest neighbours) with the
 * documented semantics every backend implements, so a search over past versions runs the same
 * vector + BM25 + graph pipeline as a search over the live store. Built per query (time travel is
 * rare): cost is linear in the snapshots.
 */
export function createSnapshotIndex(options: SnapshotIndexOptions): { graph: SearchGraph; vector: SearchVectors } {
  const byId = new Map(options.items.map((item) => [item.id, item]));
  const terms = (id: string) => options.terms.get(id) ?? [];
  const matching = (filter: ItemFilter) => options.items.filter((item) => matchesFilter(item, filter));
  const edges = options.edges.filter((edge) => byId.has(edge.from) && byId.has(edge.to));

  const graph: SearchGraph = {
    async keywordStats(query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
      const docs = matching(query.filter);
      const df: Record<string, number> = {};
      for (const term of new Set(query.terms)) df[term] = docs.filter((item) => terms(item.id).includes(term)).length;
      return { docCount: docs.length, totalLength: docs.reduce((sum, item) => sum + terms(item.id).length, 0), df };
    },
    async keywordSearch(query: KeywordQuery): Promise<ScoredId[]> {
      const { k1, b, avgDocLength } = query;
      const scored: ScoredId[] = [];
      for (const item of matching(query.filter)) {
        const doc = terms(item.id);
        let score: number | undefined;
        for (const [term, idf] of Object.entries(query.weights)) {
          const tf = doc.filter((t) => t === term).length;
          if (tf === 0) continue;
          const part = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * doc.length) / avgDocLength));
          score = score === undefined ? part : score + part;
        }
        if (score !== undefined) scored.push({ id: item.id, score });
      }
      return scored.sort((x, y) => y.score - x.score || compareStrings(x.id, y.id)).slice(0, query.limit);
    },
    async neighbors(query: NeighborQuery): Promise<Neighbor[]> {
      return expandNeighbors(byId, edges, query);
    },
    async listEdges(query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]> {
      const ids = query.ids === undefined ? undefined : new Set(query.ids);
      return edges
        .filter((e) => query.cubeIds.includes(e.cubeId) && (query.types === undefined || query.types.includes(e.type)))
        .filter((e) => ids === undefined || ids.has(e.from) || ids.has(e.to))
        .sort((x, y) => compareStrings(x.from, y.from) || compareStrings(x.to, y.to) || compareStrings(x.type, y.type));
    },
    async getItems(ids: string[], scope?: { cubeIds?: string[] }): Promise<MemoryItem[]> {
      return ids.flatMap((id) => {
        const item = byId.get(id);
        return item === undefined || (scope?.cubeIds !== undefined && !scope.cubeIds.includes(item.cubeId)) ? [] : [item];
      });
    },
  };

  const vector: SearchVectors = {
    async query(request: { vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]> {
      const scored: ScoredId[] = [];
      for (const item of options.items) {
        const stored = options.vectors.get(item.id);
        if (stored === undefined || !request.cubeIds.includes(item.cubeId)) continue;
        scored.push({ id: item.id, score: cosine(request.vector, stored) });
      }
      return scored.sort((x, y) => y.score - x.score || compareStrings(x.id, y.id)).slice(0, request.topK);
    },
  };
  return { graph, vector };
}

/** Cosine similarity (0 for a zero vector). */
function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * `GraphStore.neighbors` over in-memory edges, with the backends' semantics: both directions, up to
 * `hops` steps, every node stepped on matches the filter and is not a seed; best path = highest
 * weight, then fewest hops, then the seed first in `ids`; ordered by weight desc, hops asc, id asc.
 */
function expandNeighbors(byId: Map<string, MemoryItem>, edges: MemoryEdge[], query: NeighborQuery): Neighbor[] {
  const seeds = new Map<string, number>();
  query.ids.forEach((id, index) => {
    if (!seeds.has(id)) seeds.set(id, index);
  });
  const types = new Set(query.types);
  const allowed = edges.filter((edge) => types.has(edge.type));
  const passes = (id: string) => {
    const item = byId.get(id);
    return item !== undefined && matchesFilter(item, query.filter);
  };
  const best = new Map<string, Neighbor & { seedIndex: number }>();
  // Simple paths from each seed, depth-first (snapshot sets are small; hops are 1..3).
  const walk = (node: string, seedIndex: number, visited: Set<string>, weight: number, hops: number) => {
    if (hops === query.hops) return;
    for (const edge of allowed) {
      const next = edge.from === node ? edge.to : edge.to === node ? edge.from : undefined;
      if (next === undefined || next === node || visited.has(next) || seeds.has(next) || !passes(next)) continue;
      const candidate = { seed: query.ids[seedIndex] as string, id: next, type: edge.type, hops: hops + 1, weight: weight * edge.weight, seedIndex };
      const current = best.get(next);
      if (current === undefined || better(candidate, current)) best.set(next, candidate);
      walk(next, seedIndex, new Set([...visited, next]), candidate.weight, hops + 1);
    }
  };
  for (const [id, index] of seeds) walk(id, index, new Set([id]), 1, 0);
  return [...best.values()]
    .sort((a, b) => b.weight - a.weight || a.hops - b.hops || compareStrings(a.id, b.id))
    .slice(0, query.limit)
    .map(({ seed, id, type, hops, weight }) => ({ seed, id, type, hops, weight }));
}

function better(a: Neighbor & { seedIndex: number }, b: Neighbor & { seedIndex: number }): boolean {
  if (a.weight !== b.weight) return a.weight > b.weight;
  if (a.hops !== b.hops) return a.hops < b.hops;
  if (a.seedIndex !== b.seedIndex) return a.seedIndex < b.seedIndex;
  return (TYPE_RANK.get(a.type) ?? 99) < (TYPE_RANK.get(b.type) ?? 99);
}
