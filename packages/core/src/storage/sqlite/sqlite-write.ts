import { StorageError } from '../../errors/storage-error.ts';
import type { WriteBatch } from '../../spec/graph-store.ts';
import type { VectorSyncState } from '../../spec/memory-item.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';
import { UPSERT_ITEM_SQL, itemParams } from './sqlite-item-rows.ts';

const DELETE_POSTINGS_SQL = 'delete from postings where item_rid = ?';
/**
 * Term frequencies are counted by SQLite from the JSON array of terms: one call per item.
 * Parameters: cube key, item rid, doc length, status, terms JSON.
 */
const INSERT_POSTINGS_SQL =
  'insert into postings (term, ck, item_rid, tf, doc_length, status) select value, ?, ?, count(*), ?, ? from json_each(?) group by value';
const INSERT_CUBE_KEY_SQL = 'insert into cube_keys (cube_id) values (?) on conflict (cube_id) do nothing';
const SELECT_CUBE_KEY_SQL = 'select ck from cube_keys where cube_id = ?';
const DELETE_EDGE_SQL = 'delete from edges where from_id = ? and to_id = ? and type = ?';
const UPSERT_EDGE_SQL =
  'insert into edges (from_id, to_id, type, cube_id, weight, created_at) values (?, ?, ?, ?, ?, ?) ' +
  'on conflict (from_id, to_id, type) do update set cube_id = excluded.cube_id, weight = excluded.weight, created_at = excluded.created_at';
const UPSERT_VERSION_SQL =
  'insert into versions (item_id, version, cube_id, action, actor, at, reason, snapshot) values (?, ?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (item_id, version) do update set cube_id = excluded.cube_id, action = excluded.action, actor = excluded.actor, ' +
  'at = excluded.at, reason = excluded.reason, snapshot = excluded.snapshot';
const UPSERT_AUDIT_SQL =
  'insert into audit (id, at, actor, action, cube_id, item_id, details) values (?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (id) do update set at = excluded.at, actor = excluded.actor, action = excluded.action, ' +
  'cube_id = excluded.cube_id, item_id = excluded.item_id, details = excluded.details';

/**
 * Applies a validated batch in one `BEGIN IMMEDIATE` transaction, in this order: items (upsert by id,
 * keyword postings rebuilt), edge removals, edge upserts (by from, to, type), versions (by item id
 * and version), audit records (by id). Any error rolls everything back.
 */
export function writeBatch(conn: SqliteConnection, batch: WriteBatch): void {
  conn.transaction('write', () => {
    if (batch.items !== undefined && batch.items.length > 0) {
      const upsert = conn.statement(UPSERT_ITEM_SQL);
      const deletePostings = conn.statement(DELETE_POSTINGS_SQL);
      const insertPostings = conn.statement(INSERT_POSTINGS_SQL);
      const cubeKeys = new Map<string, number>();
      const cubeKey = (cubeId: string): number => {
        let key = cubeKeys.get(cubeId);
        if (key === undefined) {
          conn.statement(INSERT_CUBE_KEY_SQL).run(cubeId);
          key = Number(conn.statement(SELECT_CUBE_KEY_SQL).get(cubeId)?.['ck']);
          cubeKeys.set(cubeId, key);
        }
        return key;
      };
      for (const { item, terms } of batch.items) {
        const row = upsert.get(...itemParams(item, terms.length));
        const rid = row?.['rid'];
        if (typeof rid !== 'number') throw new StorageError('sqlite', 'write', `upsert of item ${item.id} returned no rowid`);
        deletePostings.run(rid);
        if (terms.length > 0) insertPostings.run(cubeKey(item.cubeId), rid, terms.length, item.status, JSON.stringify(terms));
      }
    }
    if (batch.removeEdges !== undefined && batch.removeEdges.length > 0) {
      const remove = conn.statement(DELETE_EDGE_SQL);
      for (const edge of batch.removeEdges) remove.run(edge.from, edge.to, edge.type);
    }
    if (batch.edges !== undefined && batch.edges.length > 0) {
      const upsert = conn.statement(UPSERT_EDGE_SQL);
      for (const e of batch.edges) upsert.run(e.from, e.to, e.type, e.cubeId, e.weight, e.createdAt);
    }
    if (batch.versions !== undefined && batch.versions.length > 0) {
      const upsert = conn.statement(UPSERT_VERSION_SQL);
      for (const v of batch.versions) {
        upsert.run(v.itemId, v.version, v.cubeId, v.action, v.actor, v.at, v.reason ?? null, JSON.stringify(v.snapshot));
      }
    }
    if (batch.audit !== undefined && batch.audit.length > 0) {
      const upsert = conn.statement(UPSERT_AUDIT_SQL);
      for (const a of batch.audit) {
        const details = a.details === undefined ? null : JSON.stringify(a.details);
        upsert.run(a.id, a.at, a.actor, a.action, a.cubeId ?? null, a.itemId ?? null, details);
      }
    }
  });
}

/** Removes a cube and everything in it (items and their postings, edges, versions, audit). */
export function deleteCubeData(conn: SqliteConnection, cubeId: string): void {
  conn.transaction('deleteCube', () => {
    conn.statement('delete from postings where item_rid in (select rid from memory where cube_id = ?)').run(cubeId);
    conn.statement('delete from memory where cube_id = ?').run(cubeId);
    conn.statement('delete from edges where cube_id = ?').run(cubeId);
    conn.statement('delete from versions where cube_id = ?').run(cubeId);
    conn.statement('delete from audit where cube_id = ?').run(cubeId);
    conn.statement('delete from cubes where id = ?').run(cubeId);
  });
}

/** Increments `accessCount` and sets `lastAccessedAt` (no version, `updatedAt` unchanged). */
export function touchItems(conn: SqliteConnection, ids: readonly string[], at: string): void {
  if (ids.length === 0) return;
  conn.transaction('touch', () => {
    conn
      .statement(`update memory set access_count = access_count + 1, last_accessed_at = ? where ${inJsonList('id')}`)
      .run(at, JSON.stringify([...new Set(ids)]));
  });
}

/** Sets `vectorSyncState` (and `embeddingModel` when given) without a version record. */
export function updateVectorSyncState(
  conn: SqliteConnection,
  ids: readonly string[],
  state: VectorSyncState,
  embeddingModel: string | undefined,
): void {
  if (ids.length === 0) return;
  conn.transaction('setVectorSyncState', () => {
    conn
      .statement(`update memory set vector_sync_state = ?, embedding_model = coalesce(?, embedding_model) where ${inJsonList('id')}`)
      .run(state, embeddingModel ?? null, JSON.stringify(ids));
  });
}
