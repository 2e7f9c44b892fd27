import { ClosedError } from '../../errors/closed-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type {
  GraphStore,
  KeywordQuery,
  KeywordStats,
  Neighbor,
  NeighborQuery,
  ScoredId,
  WriteBatch,
  AuditQuery,
  DumpRecord,
  ForgetItemsResult,
  PurgeUserResult,
  ItemScope,
  VersionQuery,
  KnownAtQuery,
} from '../../spec/graph-store.ts';
import { requireVersionQuery } from '../validation/require-version-query.ts';
import type { MemCubeConfig, UserRecord } from '../../spec/mem-cube.ts';
import type { AuditRecord, EdgeType, MemoryEdge, MemoryItem, VectorSyncState, VersionRecord } from '../../spec/memory-item.ts';
import type { ItemFilter, ListQuery } from '../../spec/search.ts';
import { isIsoTimestamp, validateItemFilter } from '../item-filter/validate-item-filter.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { countItems, getItems, listEdges, listItems, listVersions } from './sqlite-item-queries.ts';
import { listAudit } from './sqlite-audit.ts';
import { listDumps, recordDump, removeDumps } from './sqlite-dumps.ts';
import { compactSqlite, forgetItems, purgeUser } from './sqlite-forget.ts';
import {
  requireStrings as requireStringList, validateAuditQuery, validateDumpRecord, validateForgetItems, validateUserQuery,
} from '../validation/validate-governance-queries.ts';
import { listVersionsKnownAt } from './sqlite-versions-known-at.ts';
import { dropIdleTtl } from './sqlite-ttl-scope.ts';
import { requireKnownAtQuery } from '../validation/require-known-at-query.ts';
import { keywordSearch, keywordStats } from './sqlite-keyword.ts';
import { neighbors } from './sqlite-neighbors.ts';
import { deleteCubeData, touchItems, updateVectorSyncState, writeBatch } from './sqlite-write.ts';
import { validateWriteBatch } from '../validation/validate-write-batch.ts';
import { validateSyncTargets } from '../validation/validate-sync-targets.ts';
import type { ItemVersionRef, PutCubeOptions, PutUserOptions } from '../../spec/graph-store.ts';
import { cubePutCondition, duplicateRecord, staleCube, userPutCondition } from '../validation/record-put-conditions.ts';

/** Options of {@link SqliteGraphStore}. */
export interface SqliteGraphStoreOptions {
  /** The shared connection (see `createSqliteStorage`). */
  connection: SqliteConnection;
}

const SYNC_STATES = new Set<string>(['pending', 'synced', 'failed', 'none']);

/**
 * The embedded default {@link GraphStore}: items, edges, versions, audit, users and cubes in one
 * SQLite file (`node:sqlite`), keyword search over a postings table, graph expansion hop by hop.
 * Every call is synchronous underneath (wrapped in a promise); `write` is one transaction.
 */
export class SqliteGraphStore implements GraphStore {
  readonly backend = 'sqlite';
  readonly #conn: SqliteConnection;
  #state: 'new' | 'open' | 'closed' = 'new';

  constructor(options: SqliteGraphStoreOptions) {
    this.#conn = options.connection;
  }

  /** Opens the connection and migrates the schema (idempotent). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('SqliteGraphStore', 'closed');
    this.#conn.open(this);
    this.#state = 'open';
  }

  /** Closes the store (idempotent); the connection closes when its last store does. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#conn.release(this);
  }

  async putUser(user: UserRecord, options?: PutUserOptions): Promise<void> {
    const conn = this.#open();
    requireId(user, 'user');
    const condition = userPutCondition(options);
    conn.transaction('putUser', () => {
      if (condition === 'absent') {
        const inserted = conn.statement('insert into users (id, record) values (?, ?) on conflict (id) do nothing').run(user.id, JSON.stringify(user));
        if (Number(inserted.changes) === 0) throw duplicateRecord('user', user.id);
        return;
      }
      conn.statement('insert into users (id, record) values (?, ?) on conflict (id) do update set record = excluded.record').run(user.id, JSON.stringify(user));
    });
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const conn = this.#open();
    const row = conn.read('getUser', () => conn.statement('select record from users where id = ?').get(id));
    return row === undefined ? undefined : (JSON.parse(String(row['record'])) as UserRecord);
  }

  async listUsers(): Promise<UserRecord[]> {
    const conn = this.#open();
    const rows = conn.read('listUsers', () => conn.statement('select record from users order by id').all());
    return rows.map((row) => JSON.parse(String(row['record'])) as UserRecord);
  }

  /** The condition is checked inside the write's `BEGIN IMMEDIATE` transaction (writers of the file are serialised). */
  async putCube(cube: MemCubeConfig, options?: PutCubeOptions): Promise<void> {
    const conn = this.#open();
    requireId(cube, 'cube');
    const condition = cubePutCondition(options, cube);
    const record = JSON.stringify(cube);
    conn.transaction('putCube', () => {
      if (condition === 'absent') {
        const inserted = conn.statement('insert into cubes (id, record) values (?, ?) on conflict (id) do nothing').run(cube.id, record);
        if (Number(inserted.changes) === 0) throw duplicateRecord('cube', cube.id);
        return;
      }
      if (condition !== undefined) {
        const row = conn.statement('select record from cubes where id = ?').get(cube.id);
        const actual = row === undefined ? undefined : (JSON.parse(String(row['record'])) as MemCubeConfig).updatedAt;
        if (actual !== condition.updatedAt) throw staleCube(cube.id, condition.updatedAt, actual);
        conn.statement('update cubes set record = ? where id = ?').run(record, cube.id);
        return;
      }
      conn.statement('insert into cubes (id, record) values (?, ?) on conflict (id) do update set record = excluded.record').run(cube.id, record);
    });
  }

  async getCube(id: string): Promise<MemCubeConfig | undefined> {
    const conn = this.#open();
    const row = conn.read('getCube', () => conn.statement('select record from cubes where id = ?').get(id));
    return row === undefined ? undefined : (JSON.parse(String(row['record'])) as MemCubeConfig);
  }

  async listCubes(): Promise<MemCubeConfig[]> {
    const conn = this.#open();
    const rows = conn.read('listCubes', () => conn.statement('select record from cubes order by id').all());
    return rows.map((row) => JSON.parse(String(row['record'])) as MemCubeConfig);
  }

  async deleteCube(id: string): Promise<void> {
    deleteCubeData(this.#open(), id);
  }

  async write(batch: WriteBatch): Promise<void> {
    const conn = this.#open();
    validateWriteBatch(batch);
    writeBatch(conn, batch);
  }

  async getItems(ids: string[], options?: ItemScope): Promise<MemoryItem[]> {
    const conn = this.#open();
    requireStrings(ids, 'ids');
    const cubeIds = options?.cubeIds;
    if (cubeIds !== undefined) requireStrings(cubeIds, 'cubeIds');
    return conn.read('getItems', () => getItems(conn, ids, cubeIds));
  }

  async listItems(query: ListQuery): Promise<MemoryItem[]> {
    const conn = this.#open();
    validateItemFilter(query.filter);
    requireCount(query.limit, 'limit');
    requireCount(query.offset, 'offset');
    if (query.order !== undefined && query.order !== 'createdAt' && query.order !== 'updatedAt') {
      throw new ValidationError('order', 'must be createdAt or updatedAt');
    }
    if (query.direction !== undefined && query.direction !== 'asc' && query.direction !== 'desc') {
      throw new ValidationError('direction', 'must be asc or desc');
    }
    return conn.read('listItems', () => listItems(conn, { ...query, filter: dropIdleTtl(conn, query.filter) }));
  }

  async countItems(filter: ItemFilter): Promise<number> {
    const conn = this.#open();
    validateItemFilter(filter);
    return conn.read('countItems', () => countItems(conn, dropIdleTtl(conn, filter)));
  }

  async listVersions(query: VersionQuery): Promise<VersionRecord[]> {
    const conn = this.#open();
    requireVersionQuery(query);
    return conn.read('listVersions', () => listVersions(conn, query));
  }

  async listVersionsKnownAt(query: KnownAtQuery): Promise<VersionRecord[]> {
    const conn = this.#open();
    requireKnownAtQuery(query);
    return conn.read('listVersionsKnownAt', () => listVersionsKnownAt(conn, query));
  }

  async listEdges(query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]> {
    const conn = this.#open();
    requireStrings(query.cubeIds, 'cubeIds');
    if (query.ids !== undefined) requireStrings(query.ids, 'ids');
    if (query.types !== undefined) requireStrings(query.types, 'types');
    return conn.read('listEdges', () => listEdges(conn, query));
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const conn = this.#open();
    validateAuditQuery(query);
    return conn.read('listAudit', () => listAudit(conn, query));
  }

  async forgetItems(query: { cubeId: string; ids: string[] }): Promise<ForgetItemsResult> {
    const conn = this.#open();
    validateForgetItems(query);
    return forgetItems(conn, query);
  }

  async purgeUser(query: { userId: string }): Promise<PurgeUserResult> {
    const conn = this.#open();
    validateUserQuery(query);
    return purgeUser(conn, query.userId);
  }

  async compact(): Promise<boolean> {
    return compactSqlite(this.#open());
  }

  async recordDump(dump: DumpRecord): Promise<void> {
    const conn = this.#open();
    validateDumpRecord(dump);
    recordDump(conn, dump);
  }

  async listDumps(query: { cubeIds?: string[] }): Promise<DumpRecord[]> {
    const conn = this.#open();
    if (query.cubeIds !== undefined) requireStringList(query.cubeIds, 'cubeIds');
    return conn.read('listDumps', () => listDumps(conn, query));
  }

  async removeDumps(dirs: string[]): Promise<void> {
    const conn = this.#open();
    requireStringList(dirs, 'dirs');
    removeDumps(conn, dirs);
  }

  async keywordStats(query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
    const conn = this.#open();
    return conn.read('keywordStats', () => keywordStats(conn, query));
  }

  async keywordSearch(query: KeywordQuery): Promise<ScoredId[]> {
    const conn = this.#open();
    return conn.read('keywordSearch', () => keywordSearch(conn, query));
  }

  async neighbors(query: NeighborQuery): Promise<Neighbor[]> {
    const conn = this.#open();
    return conn.read('neighbors', () => neighbors(conn, query));
  }

  async setVectorSyncState(ids: readonly (string | ItemVersionRef)[], state: VectorSyncState, embeddingModel?: string): Promise<string[]> {
    const conn = this.#open();
    validateSyncTargets(ids);
    if (!SYNC_STATES.has(state)) throw new ValidationError('state', 'must be pending, synced, failed or none');
    if (embeddingModel !== undefined && typeof embeddingModel !== 'string') throw new ValidationError('embeddingModel', 'must be a string');
    return updateVectorSyncState(conn, ids, state, embeddingModel);
  }

  async touch(ids: string[], at: string): Promise<void> {
    const conn = this.#open();
    requireStrings(ids, 'ids');
    if (!isIsoTimestamp(at)) throw new ValidationError('at', 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
    touchItems(conn, ids, at);
  }

  #open(): SqliteConnection {
    if (this.#state !== 'open') throw new ClosedError('SqliteGraphStore', this.#state === 'new' ? 'not set up' : 'closed');
    return this.#conn;
  }
}

function requireId(value: { id?: unknown } | null | undefined, field: string): void {
  if (typeof value !== 'object' || value === null || typeof value.id !== 'string' || value.id.length === 0) {
    throw new ValidationError(`${field}.id`, 'must be a non-empty string');
  }
}

function requireStrings(value: unknown, field: string): void {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw new ValidationError(field, 'must be an array of strings');
  }
}

function requireCount(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ValidationError(field, 'must be an integer >= 0');
}
