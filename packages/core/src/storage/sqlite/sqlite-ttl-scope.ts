import type { ItemFilter } from '../../spec/search.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';

/**
 * `filter` without its `expiresAfter` test when no item in its cubes and statuses is past its TTL
 * (the usual case once the sweep has run: swept items have status `expired`), so that the common
 * search and list filters keep their index-only plans; otherwise `filter` unchanged. One lookup in
 * the partial index `memory_expires`. The result matches exactly the same items.
 */
export function dropIdleTtl(conn: SqliteConnection, filter: ItemFilter): ItemFilter {
  if (filter.expiresAfter === undefined) return filter;
  const clauses = ['expires_at is not null', 'expires_at <= ?', 'coalesce(pinned, 0) = 0'];
  const params: string[] = [filter.expiresAfter];
  if (filter.cubeIds !== undefined) {
    clauses.push(inJsonList('cube_id'));
    params.push(JSON.stringify(filter.cubeIds));
  }
  if (filter.statuses !== undefined) {
    clauses.push(inJsonList('status'));
    params.push(JSON.stringify(filter.statuses));
  }
  const row = conn.statement(`select 1 as hit from memory where ${clauses.join(' and ')} limit 1`).get(...params);
  if (row !== undefined) return filter;
  const { expiresAfter: _ttl, ...rest } = filter;
  return rest;
}
