import type { Collection } from 'chromadb';
import type { ScoredId } from '../../spec/graph-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';

/** One nearest-neighbour request against a space's collection. */
export interface NearestRequest {
  vector: number[];
  topK: number;
  /** Distinct, non-empty. */
  cubeIds: string[];
  /** Cap on `nResults` per request (never below `topK + 1`). */
  maxResults: number;
}

/**
 * The `topK` nearest records of the cubes, best first, ties by id ascending; score = 1 - cosine
 * distance. HNSW is approximate and returns ties in no particular order, so this over-fetches
 * (`topK * 2 + 10`), re-sorts by (score desc, id asc), and while the last fetched record still ties
 * with the one at the cut (so more tied records may lie beyond) asks again for twice as many, up to
 * `maxResults`. A reply shorter than asked holds every match of the filter, so that ranking is exact
 * up to HNSW recall (Chroma searches small filtered sets and unindexed writes exhaustively).
 */
export async function queryNearest(collection: Collection, request: NearestRequest): Promise<ScoredId[]> {
  const { vector, topK, cubeIds } = request;
  const cap = Math.max(request.maxResults, topK + 1);
  const where = cubeIds.length === 1 ? { cubeId: cubeIds[0] as string } : { cubeId: { $in: cubeIds } };
  let nResults = Math.min(topK * 2 + 10, cap);
  for (;;) {
    const result = await collection.query({ queryEmbeddings: [vector], nResults, where, include: ['distances'] });
    const ids = result.ids[0] ?? [];
    const distances = result.distances[0] ?? [];
    const hits: ScoredId[] = [];
    ids.forEach((id, i) => {
      const distance = distances[i];
      if (typeof distance === 'number' && Number.isFinite(distance)) hits.push({ id, score: 1 - distance });
    });
    hits.sort((a, b) => b.score - a.score || compareStrings(a.id, b.id));
    if (ids.length < nResults || nResults >= cap) return hits.slice(0, topK);
    const cut = hits[topK - 1]?.score;
    if (cut === undefined || hits[hits.length - 1]?.score !== cut) return hits.slice(0, topK);
    nResults = Math.min(nResults * 2, cap);
  }
}
