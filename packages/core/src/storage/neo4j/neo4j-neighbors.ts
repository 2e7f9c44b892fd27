import type { Neighbor, NeighborQuery } from '../../spec/graph-store.ts';
import { EDGE_TYPES, type EdgeType } from '../../spec/memory-item.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { compileItemFilter } from './neo4j-filter-cypher.ts';
import { uid } from './neo4j-item-props.ts';
import { validateNeighborQuery } from './neo4j-validate.ts';

const TYPE_RANK = Object.fromEntries(EDGE_TYPES.map((type, index) => [type, index])) as Record<EdgeType, number>;

/**
 * Neighbourhood expansion in one Cypher query, with the semantics of the SQLite store (see
 * `sqlite-neighbors.ts` and `NeighborQuery`): edges of the given types are followed in both
 * directions, 1..`hops` steps from any seed; every node stepped on must be a `:Memory` item matching
 * the filter and must not be a seed; paths are simple. Each neighbour keeps its best path: highest
 * weight (product of edge weights, multiplied in path order), then fewest hops, then the seed that
 * comes first in `ids`, then the last edge's type first in `EDGE_TYPES`. Results are ordered by
 * weight desc, hops asc, id asc and cut at `limit`.
 *
 * The pattern is a quantified path pattern whose node predicate (the filter) prunes the expansion
 * as it goes. Relationship types and the hop bound are not parameters in Cypher: the types come
 * from EDGE_TYPES (validated) and the bound is a validated integer.
 */
export async function neighbors(conn: Neo4jConnection, query: NeighborQuery): Promise<Neighbor[]> {
  validateNeighborQuery(query);
  const { ids, hops, limit } = query;
  if (ids.length === 0 || query.types.length === 0 || hops < 1 || limit === 0) return [];
  const ns = conn.namespace;
  const seeds: { uid: string; index: number }[] = [];
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) return;
    seen.add(id);
    seeds.push({ uid: uid(ns, id), index });
  });
  const types = EDGE_TYPES.filter((type) => query.types.includes(type));
  const filter = compileItemFilter(ns, query.filter, { variable: 'x' });
  if (filter.empty) return [];
  const cypher =
    'UNWIND $seeds AS seed MATCH (s:MemoryNode {uid: seed.uid}) ' +
    `MATCH p = (s) (()-[:${types.join('|')}]-(x:Memory WHERE NOT x.uid IN $seedUids AND ${filter.where})){1,${hops}} ` +
    'WITH seed, p, nodes(p) AS pn, relationships(p) AS rs ' +
    'WHERE all(i IN range(0, size(pn) - 2) WHERE NOT pn[i] IN pn[i + 1..]) ' +
    'WITH last(pn) AS n, seed.index AS si, reduce(w = 1.0, r IN rs | w * r.weight) AS weight, size(rs) AS hops, type(last(rs)) AS type ' +
    'ORDER BY weight DESC, hops ASC, si ASC, $ranks[type] ASC ' +
    'WITH n, head(collect({si: si, weight: weight, hops: hops, type: type})) AS best ' +
    'RETURN n.id AS id, best.si AS si, best.weight AS weight, best.hops AS hops, best.type AS type ' +
    'ORDER BY weight DESC, hops ASC, id ASC LIMIT $limit';
  const rows = await conn.query('neighbors', cypher, {
    ...filter.params,
    seeds,
    seedUids: seeds.map((seed) => seed.uid),
    ranks: TYPE_RANK,
    limit: conn.neo4j.int(limit),
  });
  return rows
    .map((row) => ({
      seed: ids[Number(row['si'])] as string,
      id: String(row['id']),
      type: String(row['type']) as EdgeType,
      hops: Number(row['hops']),
      weight: Number(row['weight']),
    }))
    .sort((a, b) => b.weight - a.weight || a.hops - b.hops || compareStrings(a.id, b.id));
}
