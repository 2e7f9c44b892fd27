import type { SQLInputValue } from 'node:sqlite';
import type { EdgeType, MemoryEdge, MemoryItem, VersionRecord } from '../../spec/memory-item.ts';
import type { ItemFilter, ListQuery } from '../../spec/search.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { compileItemFilter, inJsonList } from './sqlite-filter-sql.ts';
import { itemColumns, rowToEdge, rowToItem, rowToVersion } from './sqlite-item-rows.ts';

/** Items by id in the order asked (repeats repeated); unknown ids, and ids outside `cubeIds` when given, are left out. */
export function getItems(conn: SqliteConnection, ids: readonly string[], cubeIds?: readonly string[]): MemoryItem[] {
  if (ids.length === 0 || cubeIds?.length === 0) return [];
  const rows =
    cubeIds === undefined
      ? conn.statement(`select ${itemColumns()} from memory m where ${inJsonList('m.id')}`).all(JSON.stringify(ids))
      : conn
          .statement(`select ${itemColumns()} from memory m where ${inJsonList('m.id')} and ${inJsonList('m.cube_id')}`)
          .all(JSON.stringify(ids), JSON.stringify(cubeIds));
  const byId = new Map<string, MemoryItem>();
  for (const row of rows) {
    const item = rowToItem(row);
    byId.set(item.id, item);
  }
  const out: MemoryItem[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (item !== undefined) out.push(item);
  }
  return out;
}

/**
 * Matching items ordered by `order` `direction`, then id in the same direction; `limit`/`offset` paginate.
 * Two phases: the page's rowids (sorted from the covering index where the filter allows), then
 * only those rows, so sorting never drags whole rows along.
 */
export function listItems(conn: SqliteConnection, query: ListQuery): MemoryItem[] {
  if (query.limit <= 0) return [];
  const where = compileItemFilter(query.filter);
  const column = query.order === 'updatedAt' ? 'updated_at' : 'created_at';
  const direction = query.direction === 'desc' ? 'desc' : 'asc';
  const sql = `select m.rid as rid from memory m where ${where.sql} order by m.${column} ${direction}, m.id ${direction} limit ? offset ?`;
  const rids = conn.statement(sql).all(...where.params, query.limit, query.offset).map((row) => Number(row['rid']));
  if (rids.length === 0) return [];
  const byRid = new Map<number, MemoryItem>();
  for (const row of conn.statement(`select ${itemColumns()} from memory m where ${inJsonList('m.rid')}`).all(JSON.stringify(rids))) {
    byRid.set(Number(row['rid']), rowToItem(row));
  }
  return rids.flatMap((rid) => {
    const item = byRid.get(rid);
    return item === undefined ? [] : [item];
  });
}

/** Number of items matching the filter. */
export function countItems(conn: SqliteConnection, filter: ItemFilter): number {
  const where = compileItemFilter(filter);
  const row = conn.statement(`select count(*) as n from memory m where ${where.sql}`).get(...where.params);
  return Number(row?.['n'] ?? 0);
}

/** Versions of one item of one cube, oldest (lowest version) first. */
export function listVersions(conn: SqliteConnection, query: { cubeId: string; itemId: string }): VersionRecord[] {
  return conn
    .statement('select item_id, version, cube_id, action, actor, at, reason, snapshot from versions where item_id = ? and cube_id = ? order by version asc')
    .all(query.itemId, query.cubeId)
    .map(rowToVersion);
}

/**
 * Edges of the cubes, optionally only those touching `ids` (either end) and of `types`,
 * ordered by (from, to, type).
 */
export function listEdges(conn: SqliteConnection, query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): MemoryEdge[] {
  const columns = 'e.from_id, e.to_id, e.type, e.cube_id, e.weight, e.created_at';
  // With ids, the unary `+` keeps SQLite on the (from_id) / (to_id) indexes instead of scanning the cube.
  const scope = (cube: string) => [inJsonList(cube), ...(query.types !== undefined ? [inJsonList('e.type')] : [])];
  const scopeParams: SQLInputValue[] = [JSON.stringify(query.cubeIds), ...(query.types !== undefined ? [JSON.stringify(query.types)] : [])];
  if (query.ids === undefined) {
    const sql = `select ${columns} from edges e where ${scope('e.cube_id').join(' and ')} order by e.from_id, e.to_id, e.type`;
    return conn.statement(sql).all(...scopeParams).map(rowToEdge);
  }
  const ids = JSON.stringify(query.ids);
  const side = (column: string) => `select ${columns} from edges e where ${[inJsonList(column), ...scope('+e.cube_id')].join(' and ')}`;
  const sql = `${side('e.from_id')} union ${side('e.to_id')} order by 1, 2, 3`;
  return conn.statement(sql).all(ids, ...scopeParams, ids, ...scopeParams).map(rowToEdge);
}
