import { createHash } from 'node:crypto';
import { ClosedError } from '../../errors/closed-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { ScoredId } from '../../spec/graph-store.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';
import type { VectorRecord, VectorStore } from '../../spec/vector-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { inJsonList } from './sqlite-filter-sql.ts';
import { knnInCube, type Hit } from './sqlite-vector-knn.ts';
import { MAX_VECTOR_DIMENSION, toFloat32, validateSpace, validateVector } from '../validation/validate-vector.ts';

/** Options of {@link SqliteVectorStore}. */
export interface SqliteVectorStoreOptions {
  /** The shared connection (see `createSqliteStorage`). */
  connection: SqliteConnection;
}

/** A vector space: one `vec0` table per embedder fingerprint + dimension. */
interface Space {
  table: string;
  dimension: number;
}

/**
 * The embedded default {@link VectorStore}, on `sqlite-vec`. Each embedder space (fingerprint +
 * dimension) gets its own `vec0` table named `vec_<sha1 prefix>` (recorded in `vector_spaces`),
 * partitioned by cube id, with cosine distance; `vector_records` maps item ids to the integer
 * rowids and holds the record metadata. Queries run an exact KNN per cube partition and merge;
 * score = 1 - cosine distance. Vectors are stored as float32.
 */
export class SqliteVectorStore implements VectorStore {
  readonly backend = 'sqlite';
  readonly #conn: SqliteConnection;
  #state: 'new' | 'open' | 'closed' = 'new';
  readonly #spaces = new Map<string, Space>();

  constructor(options: SqliteVectorStoreOptions) {
    this.#conn = options.connection;
  }

  /** Opens the connection and migrates the schema (idempotent). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('SqliteVectorStore', 'closed');
    this.#conn.open(this);
    this.#state = 'open';
  }

  /** Closes the store (idempotent); the connection closes when its last store does. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#spaces.clear();
    this.#conn.release(this);
  }

  async upsert(request: { space: EmbedderInfo; records: VectorRecord[] }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    if (!Array.isArray(request.records)) throw new ValidationError('records', 'must be an array');
    const { dimension } = request.space;
    const vectors = request.records.map((record, i) => {
      validateRecord(record, `records[${i}]`);
      validateVector(record.vector, dimension, `records[${i}].vector`);
      return toFloat32(record.vector);
    });
    if (request.records.length === 0) return;
    const known = this.#find(request.space);
    const created = conn.transaction('upsert', () => {
      // Looked up again inside the transaction: another process may have created the space meanwhile.
      const space = known ?? this.#read(request.space) ?? this.#create(request.space);
      const find = conn.statement('select rid from vector_records where space = ? and item_id = ?');
      const insert = conn.statement(
        'insert into vector_records (space, item_id, cube_id, owner_id, memory_type, created_at) values (?, ?, ?, ?, ?, ?) returning rid',
      );
      const update = conn.statement('update vector_records set cube_id = ?, owner_id = ?, memory_type = ?, created_at = ? where rid = ?');
      const deleteVector = conn.statement(`delete from ${space.table} where rowid = ?`);
      const insertVector = conn.statement(`insert into ${space.table} (rowid, cube_id, embedding) values (?, ?, ?)`);
      request.records.forEach((record, i) => {
        const existing = find.get(space.table, record.id);
        let rid: number;
        if (existing === undefined) {
          rid = Number(insert.get(space.table, record.id, record.cubeId, record.ownerId, record.memoryType, record.createdAt)?.['rid']);
        } else {
          rid = Number(existing['rid']);
          update.run(record.cubeId, record.ownerId, record.memoryType, record.createdAt, rid);
          deleteVector.run(BigInt(rid));
        }
        insertVector.run(BigInt(rid), record.cubeId, vectors[i] as Float32Array);
      });
      return known === undefined ? space : undefined;
    });
    if (created !== undefined) this.#spaces.set(spaceKey(request.space), created);
  }

  async query(request: { space: EmbedderInfo; vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]> {
    const conn = this.#open();
    validateSpace(request.space);
    validateVector(request.vector, request.space.dimension, 'vector');
    if (!Number.isSafeInteger(request.topK) || request.topK < 0) throw new ValidationError('topK', 'must be an integer >= 0');
    requireStrings(request.cubeIds, 'cubeIds');
    const space = this.#find(request.space);
    if (space === undefined || request.topK === 0 || request.cubeIds.length === 0) return [];
    const vector = toFloat32(request.vector);
    return conn.read('query', () => {
      const hits: Hit[] = [];
      for (const cubeId of new Set(request.cubeIds)) hits.push(...knnInCube(conn, space.table, vector, cubeId, request.topK));
      if (hits.length === 0) return [];
      const ids = new Map<number, string>();
      const rows = conn.statement(`select rid, item_id from vector_records where ${inJsonList('rid')}`).all(JSON.stringify(hits.map((hit) => hit.rid)));
      for (const row of rows) ids.set(Number(row['rid']), String(row['item_id']));
      return hits
        .map((hit) => ({ id: ids.get(hit.rid) ?? '', score: 1 - hit.distance }))
        .sort((a, b) => b.score - a.score || compareStrings(a.id, b.id))
        .slice(0, request.topK);
    });
  }

  async delete(request: { space: EmbedderInfo; ids: string[] }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.ids, 'ids');
    const space = this.#find(request.space);
    if (space === undefined || request.ids.length === 0) return;
    this.#deleteWhere(conn, space, inJsonList('item_id'), JSON.stringify(request.ids), 'delete');
  }

  async deleteCube(request: { space: EmbedderInfo; cubeId: string }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    if (typeof request.cubeId !== 'string') throw new ValidationError('cubeId', 'must be a string');
    const space = this.#find(request.space);
    if (space === undefined) return;
    this.#deleteWhere(conn, space, 'cube_id = ?', request.cubeId, 'deleteCube');
  }

  async listIds(request: { space: EmbedderInfo; cubeIds: string[] }): Promise<string[]> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.cubeIds, 'cubeIds');
    const space = this.#find(request.space);
    if (space === undefined) return [];
    return conn.read('listIds', () =>
      conn
        .statement(`select item_id from vector_records where space = ? and ${inJsonList('cube_id')} order by item_id`)
        .all(space.table, JSON.stringify(request.cubeIds))
        .map((row) => String(row['item_id'])),
    );
  }

  async get(request: { space: EmbedderInfo; ids: string[] }): Promise<VectorRecord[]> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.ids, 'ids');
    const space = this.#find(request.space);
    if (space === undefined || request.ids.length === 0) return [];
    return conn.read('get', () => {
      const rows = conn
        .statement(`select rid, item_id, cube_id, owner_id, memory_type, created_at from vector_records where space = ? and ${inJsonList('item_id')}`)
        .all(space.table, JSON.stringify(request.ids));
      const readVector = conn.statement(`select embedding from ${space.table} where rowid = ?`);
      const byId = new Map<string, VectorRecord>();
      for (const row of rows) {
        const blob = readVector.get(BigInt(Number(row['rid'])))?.['embedding'];
        if (!(blob instanceof Uint8Array)) throw new StorageError('sqlite', 'get', `vector of ${String(row['item_id'])} is missing`);
        const floats = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
        byId.set(String(row['item_id']), {
          id: String(row['item_id']),
          vector: Array.from(floats),
          cubeId: String(row['cube_id']),
          ownerId: String(row['owner_id']),
          memoryType: String(row['memory_type']),
          createdAt: String(row['created_at']),
        });
      }
      return request.ids.flatMap((id) => {
        const record = byId.get(id);
        return record === undefined ? [] : [record];
      });
    });
  }

  /** Deletes the vectors and records of `space` selected by `where` (one parameter). */
  #deleteWhere(conn: SqliteConnection, space: Space, where: string, param: string, operation: string): void {
    conn.transaction(operation, () => {
      const rows = conn.statement(`select rid from vector_records where space = ? and ${where}`).all(space.table, param);
      const deleteVector = conn.statement(`delete from ${space.table} where rowid = ?`);
      for (const row of rows) deleteVector.run(BigInt(Number(row['rid'])));
      conn.statement(`delete from vector_records where space = ? and ${where}`).run(space.table, param);
    });
  }

  /** The space's table, from the cache or `vector_spaces` (then cached); undefined when never written. */
  #find(info: EmbedderInfo): Space | undefined {
    const key = spaceKey(info);
    const cached = this.#spaces.get(key);
    if (cached !== undefined) return cached;
    const space = this.#conn.read('space', () => this.#read(info));
    if (space !== undefined) this.#spaces.set(key, space);
    return space;
  }

  /** The space's row in `vector_spaces`, uncached. */
  #read(info: EmbedderInfo): Space | undefined {
    const row = this.#conn.statement('select name, dimension from vector_spaces where fingerprint = ? and dimension = ?').get(info.fingerprint, info.dimension);
    return row === undefined ? undefined : { table: String(row['name']), dimension: Number(row['dimension']) };
  }

  /** Creates the space's vec0 table (inside the caller's transaction). */
  #create(info: EmbedderInfo): Space {
    const table = tableName(info);
    const clash = this.#conn.statement('select fingerprint, dimension from vector_spaces where name = ?').get(table);
    if (clash !== undefined) {
      throw new StorageError('sqlite', 'upsert', `vector table ${table} already belongs to ${String(clash['fingerprint'])}/${String(clash['dimension'])}`);
    }
    if (info.dimension > MAX_VECTOR_DIMENSION) throw new ValidationError('space.dimension', `must be at most ${MAX_VECTOR_DIMENSION}`);
    // Identifier and dimension are derived from a hash and a validated integer, never from raw input.
    this.#conn.db.exec(
      `create virtual table if not exists ${table} using vec0(cube_id text partition key, embedding float[${info.dimension}] distance_metric=cosine)`,
    );
    this.#conn
      .statement('insert into vector_spaces (name, fingerprint, dimension, created_at) values (?, ?, ?, ?)')
      .run(table, info.fingerprint, info.dimension, new Date().toISOString());
    return { table, dimension: info.dimension };
  }

  #open(): SqliteConnection {
    if (this.#state !== 'open') throw new ClosedError('SqliteVectorStore', this.#state === 'new' ? 'not set up' : 'closed');
    return this.#conn;
  }
}

function spaceKey(info: EmbedderInfo): string {
  return `${info.dimension}\u0000${info.fingerprint}`;
}

/** `vec_` + 20 hex digits of SHA-1 over fingerprint and dimension: a safe SQL identifier. */
function tableName(info: EmbedderInfo): string {
  return `vec_${createHash('sha1').update(spaceKey(info)).digest('hex').slice(0, 20)}`;
}

function validateRecord(record: VectorRecord, field: string): void {
  if (typeof record !== 'object' || record === null) throw new ValidationError(field, 'must be an object');
  for (const key of ['id', 'cubeId', 'ownerId', 'memoryType', 'createdAt'] as const) {
    if (typeof record[key] !== 'string' || record[key].length === 0) throw new ValidationError(`${field}.${key}`, 'must be a non-empty string');
  }
}

function requireStrings(value: unknown, field: string): void {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) throw new ValidationError(field, 'must be an array of strings');
}
