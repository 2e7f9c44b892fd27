import type { ScoredId } from '../../spec/graph-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import type { Neo4jVectorSpace } from './neo4j-vector-store.ts';

/** Fewest neighbours asked from the index (small `k`s make HNSW less exact). */
const MIN_K = 20;
/** Beyond this `k` the cubes are scanned exactly instead (the index returns a whole-database top-k). */
const MAX_K = 4096;

/**
 * Share of an index's neighbours that passed the namespace/cube filter in the last query, per
 * index (kept by the store): the next query asks for `(topK + 1) / share` neighbours, so one round
 * trip usually suffices both for a store that holds only the queried cubes (share 1) and for a
 * shared database.
 */
export type ShareMemory = Map<string, number>;

/** Neo4j's cosine score is `(1 + cos) / 2`; MemOS scores are cosine similarity. */
function toCosine(score: number): number {
  return 2 * score - 1;
}

/**
 * The `topK` nearest vectors of the space within `cubeIds` (namespace of `conn`), best first, ties
 * by id. The vector index is global (every namespace and cube), so it is asked for more neighbours
 * than `topK` (scaled by the share that passed the filter last time), which are then filtered; `k`
 * grows 4x while fewer than `topK` hits remain or the hit after the cut ties with the last one (so
 * ties are ordered by id exactly), until the index runs out of vectors or `k` reaches
 * {@link MAX_K}. There, a tie that still runs on is cut by id among the vectors found, and a cube
 * filter so selective that fewer than `topK` hits were found is answered by scanning the cubes'
 * vectors with `vector.similarity.cosine`. The index is HNSW: approximate, like every vector index,
 * though exact on small sets.
 */
export async function knnQuery(
  conn: Neo4jConnection,
  space: Neo4jVectorSpace,
  request: { vector: number[]; topK: number; cubeIds: string[] },
  lastShare: ShareMemory,
): Promise<ScoredId[]> {
  const { vector, topK, cubeIds } = request;
  const ns = conn.namespace;
  const share = lastShare.get(space.index) ?? 1;
  let k = Math.min(Math.max(MIN_K, Math.ceil(((topK + 1) / share) * 1.1)), MAX_K);
  for (;;) {
    const [row] = await conn.query(
      'query',
      'CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score ' +
        'WITH count(*) AS raw, collect(CASE WHEN node.ns = $ns AND node.cubeId IN $cubeIds THEN {id: node.id, score: score} END) AS hits ' +
        'RETURN raw, hits',
      { index: space.index, k: conn.neo4j.int(k), vector, ns, cubeIds },
    );
    const raw = Number(row?.['raw'] ?? 0);
    const hits = (row?.['hits'] as { id: string; score: number }[] | undefined) ?? [];
    if (raw > 0) lastShare.set(space.index, Math.max(hits.length / raw, 0.001));
    const scored = hits.map((hit) => ({ id: String(hit.id), score: toCosine(Number(hit.score)) })).sort(byScore);
    const exhausted = raw < k;
    const tiedAtCut = scored.length > topK && scored[topK]?.score === scored[topK - 1]?.score;
    if (exhausted || (scored.length >= topK && !tiedAtCut)) return scored.slice(0, topK);
    if (k >= MAX_K) {
      // A tie still running at MAX_K: order the tied vectors found by id (an HNSW top-k is approximate anyway);
      // too few hits in the cubes: they are a small part of the space, so scanning them exactly is cheap.
      return scored.length >= topK ? scored.slice(0, topK) : exactScan(conn, space, request);
    }
    k = Math.min(k * 4, MAX_K);
  }
}

/** Exact cosine over every vector of the cubes (no index). */
async function exactScan(conn: Neo4jConnection, space: Neo4jVectorSpace, request: { vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]> {
  const rows = await conn.query(
    'query',
    'MATCH (v:MemoryVector) WHERE v.cubeId IN $cubeIds AND v.ns = $ns AND v.space = $space AND v[$property] IS NOT NULL ' +
      'RETURN v.id AS id, vector.similarity.cosine(v[$property], $vector) AS score',
    { cubeIds: request.cubeIds, ns: conn.namespace, space: space.key, property: space.property, vector: request.vector },
  );
  return rows
    .map((row) => ({ id: String(row['id']), score: toCosine(Number(row['score'])) }))
    .sort(byScore)
    .slice(0, request.topK);
}

function byScore(a: ScoredId, b: ScoredId): number {
  return b.score - a.score || compareStrings(a.id, b.id);
}
