/**
 * A full picture of a store, to prove that a rejected call changed nothing: through the MOS
 * (every cube's items of every status, every item's history, every cube's audit trail, users) and,
 * for SQLite files, every row of every table read with node:sqlite. Audit records of reads (issue 9
 * records searches, gets and dumps) are left out: the snapshot's own reads would add them.
 */
import { sqliteFileRows } from '@memos-js/core/sqlite';
import { MEMORY_STATUSES, type MemOS } from '@memos-js/core';

/** Audit actions that record a read (the snapshot's own calls make some of them). */
const READ_ACTIONS = /^(search|get|getAll|list.*|history|audit|read|dump.*|getCube|getUser)$/i;

/** The picture of everything `userId` owns (plus, for SQLite files, the raw rows). */
export async function storeSnapshot(options: { mos: MemOS; userId: string; sqlitePath?: string }): Promise<string> {
  const { mos, userId } = options;
  const raw = options.sqlitePath ? sqliteRows(options.sqlitePath) : '';
  const cubes = (await mos.listCubes({ userId })).filter((c) => c.ownerId === userId);
  const parts: unknown[] = [await mos.listUsers(), cubes];
  for (const cube of cubes) {
    const { items, total } = await mos.getAll({ userId, cubeIds: [cube.id], filter: { statuses: [...MEMORY_STATUSES] }, limit: 1_000 });
    parts.push(total, items);
    for (const item of items) parts.push(await mos.history({ userId, id: item.id }).catch((error: unknown) => `history failed: ${String(error)}`));
    const audit = await mos.audit({ userId, cubeId: cube.id, limit: 10_000 });
    parts.push(audit.filter((record) => !READ_ACTIONS.test(record.action)));
  }
  return `${JSON.stringify(parts)}\n${raw}`;
}

/** Every row of every table of the SQLite file, sorted (blobs as hex); audit rows of reads left out. */
export function sqliteRows(path: string): string {
  const rows = sqliteFileRows(path, { keep: (table, row) => table !== 'audit' || !READ_ACTIONS.test(String(row['action'])) });
  return Object.entries(rows).map(([name, lines]) => `${name}: ${lines.join('\n')}`).join('\n');
}
