import { DatabaseSync } from 'node:sqlite';

/**
 * Every row of every ordinary table of a SQLite file, read through a read-only connection of its own:
 * table name -> rows as JSON strings (blobs as hex), sorted. Virtual tables are left out (their shadow
 * tables hold the data); `keep` drops rows. For tests that assert a store is row-for-row unchanged.
 */
export function sqliteFileRows(path: string, options: { keep?: (table: string, row: Record<string, unknown>) => boolean } = {}): Record<string, string[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("select name, sql from sqlite_master where type = 'table' order by name").all() as { name: string; sql: string | null }[];
    const rows: Record<string, string[]> = {};
    for (const { name, sql } of tables) {
      if (sql === null || /^\s*create\s+virtual/i.test(sql)) continue;
      const all = db.prepare(`select * from "${name.replaceAll('"', '""')}"`).all() as Record<string, unknown>[];
      const kept = options.keep ? all.filter((row) => options.keep!(name, row)) : all;
      rows[name] = kept.map((row) => JSON.stringify(row, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))).sort();
    }
    return rows;
  } finally {
    db.close();
  }
}
