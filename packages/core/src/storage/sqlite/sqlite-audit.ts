import type { SQLInputValue } from 'node:sqlite';
import type { AuditQuery } from '../../spec/graph-store.ts';
import type { AuditRecord } from '../../spec/memory-item.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';
import { rowToAudit } from './sqlite-item-rows.ts';
import { duplicateAudit } from '../validation/write-conflicts.ts';

/**
 * Append-only: a record whose id is already stored is left as it was (never replaced; the write
 * fails with `ConflictError`), and no statement of the backend updates or deletes `audit` rows.
 */
const INSERT_AUDIT_SQL =
  'insert into audit (id, at, actor, action, cube_id, item_id, item_ids, result_count, details) values (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (id) do nothing';

/** Inserts audit records (inside the caller's transaction). */
export function insertAudit(conn: SqliteConnection, records: readonly AuditRecord[]): void {
  if (records.length === 0) return;
  const insert = conn.statement(INSERT_AUDIT_SQL);
  for (const a of records) {
    const { changes } = insert.run(
      a.id, a.at, a.actor, a.action, a.cubeId ?? null, a.itemId ?? null,
      a.itemIds === undefined ? null : JSON.stringify(a.itemIds),
      a.resultCount ?? null,
      a.details === undefined ? null : JSON.stringify(a.details),
    );
    if (Number(changes) === 0) throw duplicateAudit(a.id);
  }
}

/** Audit records matching every condition of the query, by (`at`, id) in `direction`, at most `limit`. */
export function listAudit(conn: SqliteConnection, query: AuditQuery): AuditRecord[] {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (query.cubeId !== undefined) {
    clauses.push('a.cube_id = ?');
    params.push(query.cubeId);
  }
  if (query.itemId !== undefined) {
    clauses.push('(a.item_id = ? or (a.item_ids is not null and exists (select 1 from json_each(a.item_ids) where value = ?)))');
    params.push(query.itemId, query.itemId);
  }
  if (query.actor !== undefined) {
    clauses.push('a.actor = ?');
    params.push(query.actor);
  }
  if (query.actions !== undefined) {
    if (query.actions.length === 0) return [];
    clauses.push(inJsonList('a.action'));
    params.push(JSON.stringify(query.actions));
  }
  if (query.since !== undefined) {
    clauses.push('a.at >= ?');
    params.push(query.since);
  }
  if (query.until !== undefined) {
    clauses.push('a.at < ?');
    params.push(query.until);
  }
  const where = clauses.length === 0 ? '' : `where ${clauses.join(' and ')}`;
  const direction = query.direction === 'desc' ? 'desc' : 'asc';
  const sql =
    `select a.id, a.at, a.actor, a.action, a.cube_id, a.item_id, a.item_ids, a.result_count, a.details from audit a ${where} ` +
    `order by a.at ${direction}, a.id ${direction} limit ?`;
  return conn.statement(sql).all(...params, query.limit ?? -1).map(rowToAudit);
}
