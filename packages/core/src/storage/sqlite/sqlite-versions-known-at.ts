import type { KnownAtQuery } from '../../spec/graph-store.ts';
import type { VersionRecord } from '../../spec/memory-item.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';
import { rowToVersion } from './sqlite-item-rows.ts';

/**
 * The version of each item of the cubes that was current at `knownAt`: its highest version with
 * `at <= knownAt` (version rows are insert-only, so a version's system time runs from its `at` to
 * the next version's `at`). Ordered by item id. Reads `versions_cube_at` for the candidates and
 * the primary key (item_id, version) for the "no later version known then" test.
 */
export function listVersionsKnownAt(conn: SqliteConnection, query: KnownAtQuery): VersionRecord[] {
  if (query.cubeIds.length === 0) return [];
  const sql =
    'select v.item_id, v.version, v.cube_id, v.action, v.actor, v.at, v.reason, v.snapshot from versions v ' +
    `where ${inJsonList('v.cube_id')} and v.at <= ? ` +
    'and not exists (select 1 from versions n where n.item_id = v.item_id and n.version > v.version and n.at <= ?) ' +
    'order by v.item_id asc';
  return conn.statement(sql).all(JSON.stringify([...new Set(query.cubeIds)]), query.knownAt, query.knownAt).map(rowToVersion);
}
