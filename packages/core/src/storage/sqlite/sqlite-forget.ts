import { NotFoundError } from '../../errors/not-found-error.ts';
import type { ForgetItemsResult, PurgeUserResult } from '../../spec/graph-store.ts';
import type { MemCubeConfig } from '../../spec/mem-cube.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';

/*
 * Hard deletion (governance: forget). Audit rows are never touched. The connection runs with
 * `secure_delete = ON`, so freed pages are zeroed; `compactSqlite` then checkpoints the WAL and
 * VACUUMs so that no copy of removed rows survives in the file or its WAL.
 */

/**
 * Inside a write transaction: throws `NotFoundError('cube', id)` unless every cube exists. SQLite
 * serialises writers, so a batch that passes commits before, or fails after, a `deleteCube`.
 */
export function requireCubesInTransaction(conn: SqliteConnection, cubeIds: readonly string[] | undefined): void {
  if (cubeIds === undefined) return;
  const find = conn.statement('select 1 as found from cubes where id = ?');
  for (const cubeId of new Set(cubeIds)) if (find.get(cubeId) === undefined) throw new NotFoundError('cube', cubeId);
}

/** Removes items of `cubeId` among `ids` with their postings, edges and versions (inside a transaction). */
function removeItems(conn: SqliteConnection, cubeId: string, ids: readonly string[]): ForgetItemsResult {
  const idsJson = JSON.stringify([...new Set(ids)]);
  const found = conn
    .statement(`select rid, id from memory where cube_id = ? and ${inJsonList('id')} order by id`)
    .all(cubeId, idsJson)
    .map((row) => ({ rid: Number(row['rid']), id: String(row['id']) }));
  const deletePostings = conn.statement('delete from postings where item_rid = ?');
  for (const { rid } of found) deletePostings.run(rid);
  conn.statement(`delete from memory where cube_id = ? and ${inJsonList('id')}`).run(cubeId, idsJson);
  const edges = conn
    .statement(`delete from edges where cube_id = ? and (${inJsonList('from_id')} or ${inJsonList('to_id')})`)
    .run(cubeId, idsJson, idsJson).changes;
  const versions = conn.statement(`delete from versions where cube_id = ? and ${inJsonList('item_id')}`).run(cubeId, idsJson).changes;
  return { ids: found.map((f) => f.id), versions: Number(versions), edges: Number(edges) };
}

/** Hard-deletes items of one cube (see `GraphStore.forgetItems`). */
export function forgetItems(conn: SqliteConnection, query: { cubeId: string; ids: readonly string[] }): ForgetItemsResult {
  if (query.ids.length === 0) return { ids: [], versions: 0, edges: 0 };
  return conn.transaction('forgetItems', () => removeItems(conn, query.cubeId, query.ids));
}

/** Removes a user's items (any cube), access-list entries and record, in one transaction (see `GraphStore.purgeUser`). */
export function purgeUser(conn: SqliteConnection, userId: string): PurgeUserResult {
  return conn.transaction('purgeUser', () => {
    const owned = conn
      .statement('select cube_id, id from memory where owner_id = ? order by cube_id, id')
      .all(userId)
      .map((row) => ({ cubeId: String(row['cube_id']), id: String(row['id']) }));
    const byCube = Map.groupBy(owned, (entry) => entry.cubeId);
    for (const [cubeId, entries] of byCube) removeItems(conn, cubeId, entries.map((e) => e.id));
    const aclCubes: string[] = [];
    const update = conn.statement('update cubes set record = ? where id = ?');
    for (const row of conn.statement('select id, record from cubes order by id').all()) {
      const cube = JSON.parse(String(row['record'])) as MemCubeConfig;
      if (!cube.acl.some((entry) => entry.userId === userId)) continue;
      update.run(JSON.stringify({ ...cube, acl: cube.acl.filter((entry) => entry.userId !== userId), updatedAt: laterThan(cube.updatedAt) }), cube.id);
      aclCubes.push(cube.id);
    }
    const user = Number(conn.statement('delete from users where id = ?').run(userId).changes) > 0;
    return { items: owned, aclCubes, user };
  });
}

/**
 * Checkpoints the WAL into the database and truncates it, VACUUMs (rebuilds the file without free
 * pages) and truncates the WAL again. Returns false when a checkpoint could not complete (another
 * connection was reading); removed rows are zeroed in any case (`secure_delete`).
 */
export function compactSqlite(conn: SqliteConnection): boolean {
  return conn.read('compact', () => {
    const db = conn.db;
    const checkpoint = (): boolean => Number(db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get()?.['busy'] ?? 0) === 0;
    const first = checkpoint();
    try {
      db.exec('VACUUM');
    } catch (error) {
      // Another connection kept the database busy past busy_timeout: report "not yet", do not fail.
      const primary = Number((error as { errcode?: unknown }).errcode) & 0xff;
      if (primary === 5 /* SQLITE_BUSY */ || primary === 6 /* SQLITE_LOCKED */) return false;
      throw error;
    }
    return checkpoint() && first;
  });
}

/** Now, or 1 ms after `previous` when the clock has not passed it (a changed cube's `updatedAt` always moves forward). */
function laterThan(previous: string): string {
  const now = Date.now();
  const before = Date.parse(previous);
  return new Date(Number.isFinite(before) && now <= before ? before + 1 : now).toISOString();
}
