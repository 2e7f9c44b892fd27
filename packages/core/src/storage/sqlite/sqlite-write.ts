import { StorageError } from '../../errors/storage-error.ts';
import type { ItemVersionRef, WriteBatch } from '../../spec/graph-store.ts';
import type { VectorSyncState } from '../../spec/memory-item.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';
import { UPSERT_ITEM_SQL, itemParams } from './sqlite-item-rows.ts';
import { duplicateVersion, versionMismatch } from '../validation/write-conflicts.ts';
import { insertAudit } from './sqlite-audit.ts';
import { requireCubesInTransaction } from './sqlite-forget.ts';

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
/** Insert-only: an existing (item id, version) row is a conflict, never replaced (`changes` is 0). */
const INSERT_VERSION_SQL =
  'insert into versions (item_id, version, cube_id, action, actor, at, reason, snapshot) values (?, ?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (item_id, version) do nothing';
const SELECT_ITEM_VERSION_SQL = 'select version from memory where id = ?';

/**
 * Applies a validated batch in one `BEGIN IMMEDIATE` transaction (the write lock comes first, so the
 * checks see the latest commit of every connection and process), in this order: expected versions
 * checked, items (upsert by id, keyword postings rebuilt), edge removals, edge upserts (by from,
 * to, type), versions (insert-only), audit records (append-only). A stale `expectedVersion` or an
 * existing version row / audit id throws `ConflictError`; any error rolls everything back.
 */
export function writeBatch(conn: SqliteConnection, batch: WriteBatch): void {
  conn.transaction('write', () => {
    requireCubesInTransaction(conn, batch.requireCubes);
    checkExpectedVersions(conn, batch);
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
      const insert = conn.statement(INSERT_VERSION_SQL);
      for (const v of batch.versions) {
        const { changes } = insert.run(v.itemId, v.version, v.cubeId, v.action, v.actor, v.at, v.reason ?? null, JSON.stringify(v.snapshot));
        if (Number(changes) === 0) throw duplicateVersion(v.itemId, v.version);
      }
    }
    if (batch.audit !== undefined) insertAudit(conn, batch.audit);
    if (batch.touch !== undefined) touchInTransaction(conn, batch.touch.ids, batch.touch.at);
  });
}

/** Throws `ConflictError` (`version-mismatch`) when a stored item is not at its write's `expectedVersion`. */
function checkExpectedVersions(conn: SqliteConnection, batch: WriteBatch): void {
  const select = conn.statement(SELECT_ITEM_VERSION_SQL);
  for (const { item, expectedVersion } of batch.items ?? []) {
    if (expectedVersion === undefined) continue;
    const actual = Number(select.get(item.id)?.['version'] ?? 0);
    if (actual !== expectedVersion) throw versionMismatch(item.id, expectedVersion, actual);
  }
}

/** Removes a cube and everything in it (items and their postings, edges, versions); audit rows stay (append-only). */
export function deleteCubeData(conn: SqliteConnection, cubeId: string): void {
  conn.transaction('deleteCube', () => {
    conn.statement('delete from postings where item_rid in (select rid from memory where cube_id = ?)').run(cubeId);
    conn.statement('delete from memory where cube_id = ?').run(cubeId);
    conn.statement('delete from edges where cube_id = ?').run(cubeId);
    conn.statement('delete from versions where cube_id = ?').run(cubeId);
    // Its postings are gone with it: a cube created again under this id gets a new key.
    conn.statement('delete from cube_keys where cube_id = ?').run(cubeId);
    conn.statement('delete from cubes where id = ?').run(cubeId);
  });
}

/** Increments `accessCount` and sets `lastAccessedAt` (no version, `updatedAt` unchanged). */
export function touchItems(conn: SqliteConnection, ids: readonly string[], at: string): void {
  if (ids.length === 0) return;
  conn.transaction('touch', () => touchInTransaction(conn, ids, at));
}

/** {@link touchItems} inside the caller's transaction. */
function touchInTransaction(conn: SqliteConnection, ids: readonly string[], at: string): void {
  if (ids.length === 0) return;
  conn
    .statement(`update memory set access_count = access_count + 1, last_accessed_at = ? where ${inJsonList('id')}`)
    .run(at, JSON.stringify([...new Set(ids)]));
}

const SET_SYNC_STATE_SQL = 'update memory set vector_sync_state = ?, embedding_model = coalesce(?, embedding_model) where id = ?';
const SET_SYNC_STATE_AT_VERSION_SQL = `${SET_SYNC_STATE_SQL} and version = ?`;

/**
 * Sets `vectorSyncState` (and `embeddingModel` when given) without a version record; a target
 * with a version only while the stored item is at that version. Returns the ids updated.
 */
export function updateVectorSyncState(
  conn: SqliteConnection,
  targets: readonly (string | ItemVersionRef)[],
  state: VectorSyncState,
  embeddingModel: string | undefined,
): string[] {
  if (targets.length === 0) return [];
  return conn.transaction('setVectorSyncState', () => {
    const updated = new Set<string>();
    const plain = conn.statement(SET_SYNC_STATE_SQL);
    const atVersion = conn.statement(SET_SYNC_STATE_AT_VERSION_SQL);
    const model = embeddingModel ?? null;
    for (const target of targets) {
      const { changes } = typeof target === 'string' ? plain.run(state, model, target) : atVersion.run(state, model, target.id, target.version);
      if (Number(changes) > 0) updated.add(typeof target === 'string' ? target : target.id);
    }
    return [...updated];
  });
}
