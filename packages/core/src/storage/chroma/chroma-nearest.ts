import type { Collection, Where } from 'chromadb';
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
  /** Most ids per `get` request. */
  batchSize: number;
  /** Told how many records the index did not return although they match (see below). */
  onMissed?: (count: number) => void;
}

/**
 * The `topK` nearest records of the cubes, best first, ties by id ascending; score = 1 - cosine
 * distance. HNSW is approximate and returns ties in no particular order, so this over-fetches
 * (`topK * 2 + 10`), re-sorts by (score desc, id asc), and while the last fetched record still ties
 * with the one at the cut (so more tied records may lie beyond) asks again for twice as many, up to
 * `maxResults`.
 *
 * A reply shorter than asked should hold every record of the cubes, but an HNSW graph can leave
 * records unreachable (seen with many exact-duplicate vectors: the best match of 41 records missing).
 * So after a short reply the cubes' ids are listed and, when the index skipped any, all of them are
 * scored here from their stored vectors (one computation for all, so ties stay ties). Small cubes are
 * therefore exact; larger ones are as good as HNSW recall.
 */
export async function queryNearest(collection: Collection, request: NearestRequest): Promise<ScoredId[]> {
  const { vector, topK, cubeIds } = request;
  const cap = Math.max(request.maxResults, topK + 1);
  const where: Where = cubeIds.length === 1 ? { cubeId: cubeIds[0] as string } : { cubeId: { $in: cubeIds } };
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
    const rescored = ids.length < nResults ? await rescoreIfMissed(collection, request, where, new Set(ids), cap) : undefined;
    if (rescored !== undefined) hits.splice(0, hits.length, ...rescored);
    hits.sort((a, b) => b.score - a.score || compareStrings(a.id, b.id));
    if (ids.length < nResults || nResults >= cap) return hits.slice(0, topK);
    const cut = hits[topK - 1]?.score;
    if (cut === undefined || hits[hits.length - 1]?.score !== cut) return hits.slice(0, topK);
    nResults = Math.min(nResults * 2, cap);
  }
}

/**
 * When the index skipped records of the cubes (at most `limit` listed), scores every listed record
 * here from its stored vector, so that all scores come from one computation and ties stay exact;
 * undefined when nothing was skipped.
 */
async function rescoreIfMissed(
  collection: Collection, request: NearestRequest, where: Where, returned: Set<string>, limit: number,
): Promise<ScoredId[] | undefined> {
  const listed = await collection.get({ where, include: [], limit });
  const missed = listed.ids.filter((id) => !returned.has(id)).length;
  if (missed === 0) return undefined;
  request.onMissed?.(missed);
  const scored: ScoredId[] = [];
  for (let i = 0; i < listed.ids.length; i += request.batchSize) {
    const page = await collection.get({ ids: listed.ids.slice(i, i + request.batchSize), include: ['embeddings'] });
    page.ids.forEach((id, j) => {
      const embedding = page.embeddings[j];
      if (embedding !== undefined && embedding !== null) scored.push({ id, score: cosine(request.vector, embedding) });
    });
  }
  return scored;
}

/** Cosine similarity of the float32 vectors (as stored and searched), summed in double precision. */
function cosine(a: readonly number[], b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = Math.fround(a[i] as number);
    const y = Math.fround(b[i] ?? 0);
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
