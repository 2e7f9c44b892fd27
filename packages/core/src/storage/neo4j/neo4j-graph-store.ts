import { ClosedError } from '../../errors/closed-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { GraphStore, ItemScope, KeywordQuery, KeywordStats, Neighbor, NeighborQuery, ScoredId, VersionQuery, WriteBatch, KnownAtQuery } from '../../spec/graph-store.ts';
import { requireVersionQuery } from '../validation/require-version-query.ts';
import type { MemCubeConfig, UserRecord } from '../../spec/mem-cube.ts';
import type { AuditRecord, EdgeType, MemoryEdge, MemoryItem, VectorSyncState, VersionRecord } from '../../spec/memory-item.ts';
import type { ItemFilter, ListQuery } from '../../spec/search.ts';
import { isIsoTimestamp, validateItemFilter } from '../item-filter/validate-item-filter.ts';
import { validateWriteBatch } from '../validation/validate-write-batch.ts';
import { validateSyncTargets } from '../validation/validate-sync-targets.ts';
import type { ItemVersionRef, PutCubeOptions, PutUserOptions } from '../../spec/graph-store.ts';
import { cubePutCondition, userPutCondition } from '../validation/record-put-conditions.ts';
import { compareAndSetCube, createRecord } from './neo4j-record-puts.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { countItems, getItems, getRecord, listEdges, listItems, listRecords, listVersions, putRecord } from './neo4j-item-queries.ts';
import { listAudit } from './neo4j-audit.ts';
import { listDumps, recordDump, removeDumps } from './neo4j-dumps.ts';
import { forgetItems, purgeUser } from './neo4j-forget.ts';
import type { AuditQuery, DumpRecord, ForgetItemsResult, PurgeUserResult } from '../../spec/graph-store.ts';
import {
  requireStrings as requireStringList, validateAuditQuery, validateDumpRecord, validateForgetItems, validateUserQuery,
} from '../validation/validate-governance-queries.ts';
import { DEFAULT_KEYWORD_CANDIDATES, keywordSearch, keywordStats } from './neo4j-keyword.ts';
import { neighbors } from './neo4j-neighbors.ts';
import { listVersionsKnownAt } from './neo4j-versions-known-at.ts';
import { requireKnownAtQuery } from '../validation/require-known-at-query.ts';
import { requireCount, requireId, requireStrings } from './neo4j-validate.ts';
import { deleteCubeData, touchItems, updateVectorSyncState, writeBatch } from './neo4j-write.ts';

/** Options of {@link Neo4jGraphStore}. */
export interface Neo4jGraphStoreOptions {
  /** The shared connection (see `createNeo4jStorage`). */
  connection: Neo4jConnection;
  /**
   * Least number of candidates the full-text index proposes to each keyword search before they are
   * scored exactly (at least `4 * limit` are asked for in any case). Results equal an exhaustive
   * BM25 scan whenever no more items than this match; raise it to trade speed for that guarantee
   * on larger partitions. Default {@link DEFAULT_KEYWORD_CANDIDATES} (250).
   */
  keywordCandidates?: number;
}

const SYNC_STATES = new Set<string>(['pending', 'synced', 'failed', 'none']);

/**
 * The production {@link GraphStore} on Neo4j 5.26+ (Community is enough): memory items as
 * `:Memory` nodes, typed relationships for edges, `:Version` / `:Audit` / `:User` / `:Cube` nodes,
 * BM25 over a whitespace full-text index plus per-node term counts, graph expansion in one Cypher
 * query. Every query is parameterised and restricted to the connection's namespace; `write` is one
 * managed transaction (all or nothing). See `neo4j-schema.ts` for the data layout.
 */
export class Neo4jGraphStore implements GraphStore {
  readonly backend = 'neo4j';
  readonly #conn: Neo4jConnection;
  readonly #keywordCandidates: number;
  #state: 'new' | 'open' | 'closed' = 'new';

  constructor(options: Neo4jGraphStoreOptions) {
    this.#conn = options.connection;
    const candidates = options.keywordCandidates ?? DEFAULT_KEYWORD_CANDIDATES;
    if (!Number.isSafeInteger(candidates) || candidates < 1) throw new ValidationError('keywordCandidates', 'must be an integer >= 1');
    this.#keywordCandidates = candidates;
  }

  /** Connects and creates the schema (idempotent; after a failure it can be called again). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('Neo4jGraphStore', 'closed');
    await this.#conn.open(this);
    this.#state = 'open';
  }

  /** Closes the store (idempotent); the driver closes when its last store does. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#conn.release(this);
  }

  async putUser(user: UserRecord, options?: PutUserOptions): Promise<void> {
    const conn = this.#open();
    requireId(user, 'user');
    if (userPutCondition(options) === 'absent') await createRecord(conn, 'User', user.id, user);
    else await putRecord(conn, 'User', user.id, user);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return getRecord<UserRecord>(this.#open(), 'User', id);
  }

  async listUsers(): Promise<UserRecord[]> {
    return listRecords<UserRecord>(this.#open(), 'User');
  }

  async putCube(cube: MemCubeConfig, options?: PutCubeOptions): Promise<void> {
    const conn = this.#open();
    requireId(cube, 'cube');
    const condition = cubePutCondition(options, cube);
    if (condition === undefined) await putRecord(conn, 'Cube', cube.id, cube);
    else if (condition === 'absent') await createRecord(conn, 'Cube', cube.id, cube);
    else await compareAndSetCube(conn, cube.id, condition.updatedAt, cube);
  }

  async getCube(id: string): Promise<MemCubeConfig | undefined> {
    return getRecord<MemCubeConfig>(this.#open(), 'Cube', id);
  }

  async listCubes(): Promise<MemCubeConfig[]> {
    return listRecords<MemCubeConfig>(this.#open(), 'Cube');
  }

  async deleteCube(id: string): Promise<void> {
    const conn = this.#open();
    if (typeof id !== 'string') throw new ValidationError('id', 'must be a string');
    await deleteCubeData(conn, id);
  }

  async write(batch: WriteBatch): Promise<void> {
    const conn = this.#open();
    validateWriteBatch(batch);
    await writeBatch(conn, batch);
  }

  async getItems(ids: string[], options?: ItemScope): Promise<MemoryItem[]> {
    const conn = this.#open();
    requireStrings(ids, 'ids');
    const cubeIds = options?.cubeIds;
    if (cubeIds !== undefined) requireStrings(cubeIds, 'cubeIds');
    return getItems(conn, ids, cubeIds);
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
    return listItems(conn, query);
  }

  async countItems(filter: ItemFilter): Promise<number> {
    const conn = this.#open();
    validateItemFilter(filter);
    return countItems(conn, filter);
  }

  async listVersions(query: VersionQuery): Promise<VersionRecord[]> {
    const conn = this.#open();
    requireVersionQuery(query);
    return listVersions(conn, query);
  }

  async listVersionsKnownAt(query: KnownAtQuery): Promise<VersionRecord[]> {
    const conn = this.#open();
    requireKnownAtQuery(query);
    return listVersionsKnownAt(conn, query);
  }

  async listEdges(query: { cubeIds: string[]; ids?: string[]; types?: EdgeType[] }): Promise<MemoryEdge[]> {
    const conn = this.#open();
    requireStrings(query.cubeIds, 'cubeIds');
    if (query.ids !== undefined) requireStrings(query.ids, 'ids');
    if (query.types !== undefined) requireStrings(query.types, 'types');
    return listEdges(conn, query);
  }

  async listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const conn = this.#open();
    validateAuditQuery(query);
    return listAudit(conn, query);
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

  /** Nothing to do on a server: removed nodes are gone from every query (see neo4j-forget.ts). */
  async compact(): Promise<boolean> {
    this.#open();
    return true;
  }

  async recordDump(dump: DumpRecord): Promise<void> {
    const conn = this.#open();
    validateDumpRecord(dump);
    await recordDump(conn, dump);
  }

  async listDumps(query: { cubeIds?: string[] }): Promise<DumpRecord[]> {
    const conn = this.#open();
    if (query.cubeIds !== undefined) requireStringList(query.cubeIds, 'cubeIds');
    return listDumps(conn, query);
  }

  async removeDumps(dirs: string[]): Promise<void> {
    const conn = this.#open();
    requireStringList(dirs, 'dirs');
    await removeDumps(conn, dirs);
  }

  async keywordStats(query: { terms: string[]; filter: ItemFilter }): Promise<KeywordStats> {
    return keywordStats(this.#open(), query);
  }

  async keywordSearch(query: KeywordQuery): Promise<ScoredId[]> {
    return keywordSearch(this.#open(), query, this.#keywordCandidates);
  }

  async neighbors(query: NeighborQuery): Promise<Neighbor[]> {
    return neighbors(this.#open(), query);
  }

  async setVectorSyncState(ids: readonly (string | ItemVersionRef)[], state: VectorSyncState, embeddingModel?: string): Promise<string[]> {
    const conn = this.#open();
    validateSyncTargets(ids);
    if (!SYNC_STATES.has(state)) throw new ValidationError('state', 'must be pending, synced, failed or none');
    if (embeddingModel !== undefined && typeof embeddingModel !== 'string') throw new ValidationError('embeddingModel', 'must be a string');
    return await updateVectorSyncState(conn, ids, state, embeddingModel);
  }

  async touch(ids: string[], at: string): Promise<void> {
    const conn = this.#open();
    requireStrings(ids, 'ids');
    if (!isIsoTimestamp(at)) throw new ValidationError('at', 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
    await touchItems(conn, ids, at);
  }

  #open(): Neo4jConnection {
    if (this.#state !== 'open') throw new ClosedError('Neo4jGraphStore', this.#state === 'new' ? 'not set up' : 'closed');
    return this.#conn;
  }
}
