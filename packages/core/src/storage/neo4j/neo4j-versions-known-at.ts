import type { KnownAtQuery } from '../../spec/graph-store.ts';
import type { VersionRecord } from '../../spec/memory-item.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { propsToVersion } from './neo4j-item-props.ts';

/**
 * The version of each item of the cubes that was current at `knownAt`: its highest version with
 * `at <= knownAt` (`:Version` nodes are insert-only, so a version's system time runs from its `at`
 * to the next version's `at`). Ordered by item id. Seeks `memos_version_cube_at`.
 */
export async function listVersionsKnownAt(conn: Neo4jConnection, query: KnownAtQuery): Promise<VersionRecord[]> {
  if (query.cubeIds.length === 0) return [];
  const rows = await conn.query(
    'listVersionsKnownAt',
    'MATCH (x:Version) WHERE x.cubeId IN $cubeIds AND x.at <= $knownAt AND x.ns = $ns ' +
      'WITH x.itemUid AS item, max(x.version) AS latest ' +
      'MATCH (v:Version {uid: item + "#" + toString(latest)}) RETURN v {.*} AS v ORDER BY v.itemId ASC',
    { cubeIds: [...new Set(query.cubeIds)], knownAt: query.knownAt, ns: conn.namespace },
  );
  return rows.map((row) => propsToVersion(row['v'] as Record<string, unknown>));
}
