import { ValidationError } from '../../errors/validation-error.ts';
import type { Neighbor, NeighborQuery } from '../../spec/graph-store.ts';
import { EDGE_TYPES, type EdgeType } from '../../spec/memory-item.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { compileItemFilter, inJsonList } from './sqlite-filter-sql.ts';

const TYPE_RANK = new Map<string, number>(EDGE_TYPES.map((type, index) => [type, index]));

/** Best known path to a node from one seed after exactly `hops` steps. */
interface PathState {
  weight: number;
  type: EdgeType;
}

/**
 * Neighbourhood expansion, hop by hop (one edge query and one filter query per hop).
 *
 * Semantics: edges of the given types are followed in both directions, up to `hops` steps from any
 * seed; every node stepped on must match the filter and must not be a seed (seeds are neither
 * returned nor traversed). Each neighbour keeps its best path: highest weight (product of edge
 * weights), then fewest hops, then the seed that comes first in `ids`; `type` is the last edge's
 * type (among equally good paths, the type first in `EDGE_TYPES`). Results are ordered by weight
 * desc, hops asc, id asc and cut at `limit`.
 *
 * Per (node, seed) the walk keeps only the heaviest path of each length and drops a path that a
 * shorter one already beats; with weights in [0, 1] this equals the best simple path.
 */
export function neighbors(conn: SqliteConnection, query: NeighborQuery): Neighbor[] {
  validateNeighborQuery(query);
  const { ids, types, hops, limit } = query;
  if (ids.length === 0 || types.length === 0 || hops < 1 || limit === 0) return [];
  const seedIndex = new Map<string, number>();
  ids.forEach((id, index) => {
    if (!seedIndex.has(id)) seedIndex.set(id, index);
  });
  const typesJson = JSON.stringify([...new Set(types)]);
  const where = compileItemFilter(query.filter, { byIds: true });
  const matches = new Map<string, boolean>();
  const heaviest = new Map<string, Map<number, number>>();
  const best = new Map<string, Neighbor & { seedIndex: number }>();
  const edgeSql =
    `select e.from_id as src, e.to_id as dst, e.type as type, e.weight as weight from edges e where ${inJsonList('e.from_id')} and ${inJsonList('e.type')} ` +
    `union all select e.to_id, e.from_id, e.type, e.weight from edges e where ${inJsonList('e.to_id')} and ${inJsonList('e.type')}`;
  const matchSql = `select m.id as id from memory m where ${inJsonList('m.id')} and ${where.sql}`;

  let frontier = new Map<string, Map<number, PathState>>();
  for (const [id, index] of seedIndex) frontier.set(id, new Map([[index, { weight: 1, type: 'RELATE_TO' }]]));

  for (let hop = 1; hop <= hops && frontier.size > 0; hop += 1) {
    const frontierJson = JSON.stringify([...frontier.keys()]);
    const edges = conn.statement(edgeSql).all(frontierJson, typesJson, frontierJson, typesJson);
    const unknown = new Set<string>();
    for (const edge of edges) {
      const dst = String(edge['dst']);
      if (!seedIndex.has(dst) && !matches.has(dst)) unknown.add(dst);
    }
    if (unknown.size > 0) {
      for (const id of unknown) matches.set(id, false);
      for (const row of conn.statement(matchSql).all(JSON.stringify([...unknown]), ...where.params)) matches.set(String(row['id']), true);
    }
    const next = new Map<string, Map<number, PathState>>();
    for (const edge of edges) {
      const src = String(edge['src']);
      const dst = String(edge['dst']);
      if (src === dst || seedIndex.has(dst) || matches.get(dst) !== true) continue;
      const type = String(edge['type']) as EdgeType;
      const edgeWeight = Number(edge['weight']);
      for (const [seed, state] of frontier.get(src) ?? []) {
        const weight = state.weight * edgeWeight;
        let states = next.get(dst);
        if (states === undefined) next.set(dst, (states = new Map()));
        const current = states.get(seed);
        if (current === undefined || weight > current.weight || (weight === current.weight && rank(type) < rank(current.type))) {
          states.set(seed, { weight, type });
        }
      }
    }
    for (const [id, states] of next) {
      let seen = heaviest.get(id);
      if (seen === undefined) heaviest.set(id, (seen = new Map()));
      for (const [seed, state] of states) {
        const earlier = seen.get(seed);
        if (earlier !== undefined && earlier >= state.weight) {
          states.delete(seed); // a shorter path from the same seed is at least as heavy
          continue;
        }
        seen.set(seed, state.weight);
        const candidate = { seed: ids[seed] ?? '', id, type: state.type, hops: hop, weight: state.weight, seedIndex: seed };
        const current = best.get(id);
        if (current === undefined || isBetter(candidate, current)) best.set(id, candidate);
      }
      if (states.size === 0) next.delete(id);
    }
    frontier = next;
  }
  return [...best.values()]
    .sort((a, b) => b.weight - a.weight || a.hops - b.hops || compareStrings(a.id, b.id))
    .slice(0, limit)
    .map(({ seed, id, type, hops: pathHops, weight }) => ({ seed, id, type, hops: pathHops, weight }));
}

function isBetter(a: { weight: number; hops: number; seedIndex: number }, b: { weight: number; hops: number; seedIndex: number }): boolean {
  if (a.weight !== b.weight) return a.weight > b.weight;
  if (a.hops !== b.hops) return a.hops < b.hops;
  return a.seedIndex < b.seedIndex;
}

function rank(type: string): number {
  return TYPE_RANK.get(type) ?? Number.MAX_SAFE_INTEGER;
}

function validateNeighborQuery(query: NeighborQuery): void {
  if (!Array.isArray(query.ids) || !query.ids.every((id) => typeof id === 'string')) {
    throw new ValidationError('ids', 'must be an array of strings');
  }
  if (!Array.isArray(query.types) || !query.types.every((type) => TYPE_RANK.has(type))) {
    throw new ValidationError('types', `must be an array of ${EDGE_TYPES.join(', ')}`);
  }
  if (!Number.isSafeInteger(query.hops) || query.hops < 0) throw new ValidationError('hops', 'must be an integer >= 0');
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new ValidationError('limit', 'must be an integer >= 0');
  validateItemFilter(query.filter);
}
