import type { ItemFilter } from '../../spec/search.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';

/**
 * `filter` without its `expiresAfter` test when no item in its cubes and statuses is past its TTL
 * (the usual case once the sweep has run: swept items have status `expired`), so that keyword
 * statistics and search keep their counter-only fast paths; otherwise `filter` unchanged. One index
 * seek (`memos_memory_ttl`, else `memos_memory_expires`). The result matches exactly the same items.
 */
export async function dropIdleTtl(conn: Neo4jConnection, filter: ItemFilter): Promise<ItemFilter> {
  if (filter.expiresAfter === undefined) return filter;
  const scoped = filter.cubeIds !== undefined && filter.statuses !== undefined;
  const rows = await conn.query(
    'ttlScope',
    // The usual filter (cubes and statuses) seeks the composite index memos_memory_ttl; swept items
    // (status expired) are not even read.
    scoped
      ? 'MATCH (m:Memory) WHERE m.cubeId IN $cubeIds AND m.status IN $statuses AND m.expiresAt <= $at AND m.ns = $ns ' +
          'AND coalesce(m.pinned, false) = false RETURN 1 AS hit LIMIT 1'
      : 'MATCH (m:Memory) WHERE m.expiresAt <= $at AND m.ns = $ns AND ($cubeIds IS NULL OR m.cubeId IN $cubeIds) ' +
          'AND ($statuses IS NULL OR m.status IN $statuses) AND coalesce(m.pinned, false) = false RETURN 1 AS hit LIMIT 1',
    { at: filter.expiresAfter, ns: conn.namespace, cubeIds: filter.cubeIds ?? null, statuses: filter.statuses ?? null },
  );
  if (rows.length > 0) return filter;
  const { expiresAfter: _ttl, ...rest } = filter;
  return rest;
}
