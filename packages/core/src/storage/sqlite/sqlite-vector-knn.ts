import type { SqliteConnection } from './sqlite-connection.ts';

/** One nearest-neighbour candidate: vec0 rowid and cosine distance. */
export interface Hit {
  rid: number;
  distance: number;
}

/** sqlite-vec's largest `k`. */
const MAX_K = 4096;

/**
 * The `topK` nearest vectors of one cube partition of `table`, plus every vector tied with the
 * last one (so that ties can then be ordered by id exactly). Uses the vec0 KNN; asks for one more
 * than needed and widens `k` while the tie at the cut continues; beyond sqlite-vec's `k` limit it
 * scans the partition with `vec_distance_cosine`.
 */
export function knnInCube(conn: SqliteConnection, table: string, vector: Float32Array, cubeId: string, topK: number): Hit[] {
  const knn = conn.statement(`select rowid as rid, distance from ${table} where embedding match ? and k = ? and cube_id = ?`);
  let k = topK + 1;
  while (k <= MAX_K) {
    const hits = toHits(knn.all(vector, k, cubeId));
    if (hits.length < k) return hits;
    const cut = hits[topK - 1]?.distance;
    if (hits[hits.length - 1]?.distance !== cut) return hits;
    if (k === MAX_K) break;
    k = Math.min(k * 2, MAX_K);
  }
  const scan = conn.statement(`select rowid as rid, vec_distance_cosine(embedding, ?) as distance from ${table} where cube_id = ?`);
  const all = toHits(scan.all(vector, cubeId)).sort((a, b) => a.distance - b.distance);
  const cut = all[Math.min(topK, all.length) - 1]?.distance;
  let end = Math.min(topK, all.length);
  while (end < all.length && all[end]?.distance === cut) end += 1;
  return all.slice(0, end);
}

function toHits(rows: Record<string, unknown>[]): Hit[] {
  const hits: Hit[] = [];
  for (const row of rows) {
    const distance = row['distance'];
    if (typeof distance !== 'number' || Number.isNaN(distance)) continue; // zero vectors have no distance
    hits.push({ rid: Number(row['rid']), distance });
  }
  return hits;
}
