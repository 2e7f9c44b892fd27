import { EDGE_TYPES, type EdgeType, type MemoryEdge, type MemoryItem, type VersionRecord } from '../../spec/memory-item.ts';
import type { ItemFilter, ListQuery } from '../../spec/search.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { matchItems } from './neo4j-filter-cypher.ts';
import { itemProjection, propsToEdge, propsToItem, propsToVersion, uid } from './neo4j-item-props.ts';

type Row = Record<string, unknown>;

/** Items by id in the order asked (repeats repeated); unknown ids, and ids outside `cubeIds` when given, are left out. */
export async function getItems(conn: Neo4jConnection, ids: readonly string[], cubeIds?: readonly string[]): Promise<MemoryItem[]> {
  if (ids.length === 0 || cubeIds?.length === 0) return [];
  const uids = [...new Set(ids)].map((id) => uid(conn.namespace, id));
  const scoped = cubeIds === undefined ? '' : ' AND m.cubeId IN $cubeIds';
  const rows = await conn.query('getItems', `UNWIND $uids AS u MATCH (m:MemoryNode {uid: u}) WHERE m:Memory${scoped} RETURN ${itemProjection('m')} AS item`, {
    uids,
    ...(cubeIds === undefined ? {} : { cubeIds: [...cubeIds] }),
  });
  const byId = new Map<string, MemoryItem>();
  for (const row of rows) {
    const item = propsToItem(row['item'] as Row);
    byId.set(item.id, item);
  }
  return ids.flatMap((id) => {
    const item = byId.get(id);
    return item === undefined ? [] : [item];
  });
}

/** Matching items ordered by `order` `direction`, then id in the same direction; `limit`/`offset` paginate. */
export async function listItems(conn: Neo4jConnection, query: ListQuery): Promise<MemoryItem[]> {
  if (query.limit <= 0) return [];
  const match = matchItems(conn.namespace, query.filter);
  if (match.empty) return [];
  const field = query.order === 'updatedAt' ? 'updatedAt' : 'createdAt';
  const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
  const int = conn.neo4j.int;
  const rows = await conn.query(
    'listItems',
    `${match.where} WITH m ORDER BY m.${field} ${direction}, m.id ${direction} SKIP $offset LIMIT $limit RETURN ${itemProjection('m')} AS item`,
    { ...match.params, offset: int(query.offset), limit: int(query.limit) },
  );
  return rows.map((row) => propsToItem(row['item'] as Row));
}

/** Number of items matching the filter. */
export async function countItems(conn: Neo4jConnection, filter: ItemFilter): Promise<number> {
  const match = matchItems(conn.namespace, filter);
  if (match.empty) return 0;
  const rows = await conn.query('countItems', `${match.where} RETURN count(m) AS n`, match.params);
  return Number(rows[0]?.['n'] ?? 0);
}

/** Versions of one item of one cube, oldest (lowest version) first. */
export async function listVersions(conn: Neo4jConnection, query: { cubeId: string; itemId: string }): Promise<VersionRecord[]> {
  const rows = await conn.query('listVersions', 'MATCH (x:Version) WHERE x.itemUid = $itemUid AND x.cubeId = $cubeId RETURN x {.*} AS v ORDER BY x.version ASC', {
    itemUid: uid(conn.namespace, query.itemId),
    cubeId: query.cubeId,
  });
  return rows.map((row) => propsToVersion(row['v'] as Row));
}

const EDGE_RETURN = 'a.id AS from, b.id AS to, type(r) AS type, r.cubeId AS cubeId, r.weight AS weight, r.createdAt AS createdAt';

/**
 * Edges of the cubes, optionally only those touching `ids` (either end) and of `types`, ordered by
 * (from, to, type). Without `ids`, one relationship-index seek per type (fixed statements).
 */
export async function listEdges(conn: Neo4jConnection, query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]> {
  const ns = conn.namespace;
  if (query.cubeIds.length === 0 || query.ids?.length === 0 || query.types?.length === 0) return [];
  const types = EDGE_TYPES.filter((type) => query.types === undefined || query.types.includes(type));
  const rows =
    query.ids !== undefined
      ? await conn.query(
          'listEdges',
          // Typed pattern (types from EDGE_TYPES): the items' keyword postings and versions are not expanded.
          `UNWIND $uids AS u MATCH (n:MemoryNode {uid: u})-[r:${types.join('|')}]-() WHERE r.cubeId IN $cubeIds ` +
            `WITH DISTINCT r MATCH (a)-[r]->(b) RETURN ${EDGE_RETURN}`,
          { uids: [...new Set(query.ids)].map((id) => uid(ns, id)), cubeIds: query.cubeIds },
        )
      : await conn.query(
          'listEdges',
          // One relationship-index seek per type (types cannot be parameters; they come from EDGE_TYPES).
          `CALL () { ${types
            .map((type) => `MATCH (a)-[r:${type}]->(b) WHERE r.cubeId IN $cubeIds AND a.ns = $ns RETURN ${EDGE_RETURN}`)
            .join(' UNION ALL ')} } RETURN *`,
          { cubeIds: query.cubeIds, ns },
        );
  return rows
    .map(propsToEdge)
    .sort((x, y) => compareStrings(x.from, y.from) || compareStrings(x.to, y.to) || compareStrings(x.type, y.type));
}

/** Upserts a `:User` or `:Cube` record (stored as JSON) by id. */
export async function putRecord(conn: Neo4jConnection, label: 'User' | 'Cube', id: string, record: unknown): Promise<void> {
  await conn.write(`put${label}`, async (tx) => {
    await tx.run(`MERGE (x:${label} {uid: $uid}) SET x.ns = $ns, x.id = $id, x.record = $record`, {
      uid: uid(conn.namespace, id),
      ns: conn.namespace,
      id,
      record: JSON.stringify(record),
    });
  });
}

/** A `:User` or `:Cube` record by id, or undefined. */
export async function getRecord<T>(conn: Neo4jConnection, label: 'User' | 'Cube', id: string): Promise<T | undefined> {
  const rows = await conn.query(`get${label}`, `MATCH (x:${label} {uid: $uid}) WHERE x.deleting IS NULL RETURN x.record AS record`, { uid: uid(conn.namespace, id) });
  const record = rows[0]?.['record'];
  return typeof record === 'string' ? (JSON.parse(record) as T) : undefined;
}

/** Every `:User` or `:Cube` record of the namespace, ordered by id. */
export async function listRecords<T>(conn: Neo4jConnection, label: 'User' | 'Cube'): Promise<T[]> {
  const rows = await conn.query(`list${label}s`, `MATCH (x:${label}) WHERE x.ns = $ns AND x.deleting IS NULL RETURN x.record AS record ORDER BY x.id`, { ns: conn.namespace });
  return rows.map((row) => JSON.parse(String(row['record'])) as T);
}
