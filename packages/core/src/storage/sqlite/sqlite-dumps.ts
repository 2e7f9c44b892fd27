import type { DumpRecord } from '../../spec/graph-store.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';

/** Registers a dump directory (replaces the record of the same directory). */
export function recordDump(conn: SqliteConnection, dump: DumpRecord): void {
  conn.transaction('recordDump', () => {
    conn
      .statement('insert into dumps (dir, cube_id, at) values (?, ?, ?) on conflict (dir) do update set cube_id = excluded.cube_id, at = excluded.at')
      .run(dump.dir, dump.cubeId, dump.at);
  });
}

/** Registered dumps of the cubes (all when absent), ordered by dir. */
export function listDumps(conn: SqliteConnection, query: { cubeIds?: readonly string[] }): DumpRecord[] {
  const rows =
    query.cubeIds === undefined
      ? conn.statement('select dir, cube_id, at from dumps order by dir').all()
      : conn.statement(`select dir, cube_id, at from dumps where ${inJsonList('cube_id')} order by dir`).all(JSON.stringify(query.cubeIds));
  return rows.map((row) => ({ dir: String(row['dir']), cubeId: String(row['cube_id']), at: String(row['at']) }));
}

/** Forgets the registration of these directories. */
export function removeDumps(conn: SqliteConnection, dirs: readonly string[]): void {
  if (dirs.length === 0) return;
  conn.transaction('removeDumps', () => {
    conn.statement(`delete from dumps where ${inJsonList('dir')}`).run(JSON.stringify(dirs));
  });
}
