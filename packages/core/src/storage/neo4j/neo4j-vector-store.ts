import { createHash } from 'node:crypto';
import { ClosedError } from '../../errors/closed-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { ScoredId } from '../../spec/graph-store.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';
import type { VectorRecord, VectorStore } from '../../spec/vector-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateSpace, validateVector } from '../validation/validate-vector.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';
import { SCHEMA_EXISTS_CODES } from './neo4j-schema.ts';
import { requireStrings } from './neo4j-validate.ts';
import { knnQuery, type ShareMemory } from './neo4j-vector-knn.ts';

/** Largest dimension of a Neo4j 5.x vector index. */
export const MAX_NEO4J_VECTOR_DIMENSION = 4096;
const DELETE_CHUNK = 5000;
const UPSERT_CHUNK = 1000;

/** Options of {@link Neo4jVectorStore}. */
export interface Neo4jVectorStoreOptions {
  /** The shared connection (see `createNeo4jStorage`). */
  connection: Neo4jConnection;
}

/** A vector space: its key (hash of fingerprint + dimension), node property and index name. */
export interface Neo4jVectorSpace {
  key: string;
  property: string;
  index: string;
  dimension: number;
}

/**
 * A {@link VectorStore} on Neo4j's own vector indexes, so that Neo4j alone can serve a MemOS
 * (`vectorIndex: true`). One `:MemoryVector {uid: ns:space:id}` node per item and embedder space
 * holds the record metadata and the embedding in property `emb_<sha1 prefix>` (written with
 * `db.create.setNodeVectorProperty`, float32); each space has its own cosine vector index
 * `mem_vec_<prefix>` over that property (dimension from the space), registered by a
 * `:MemoryVectorSpace` node. Queries ask the index for more neighbours than needed, keep those of
 * the namespace and cubes, widen while the cut is tied or short, and fall back to an exact scan of
 * the cubes; score = cosine similarity (Neo4j reports `(1 + cos) / 2`, converted back).
 */
export class Neo4jVectorStore implements VectorStore {
  readonly backend = 'neo4j';
  readonly #conn: Neo4jConnection;
  #state: 'new' | 'open' | 'closed' = 'new';
  readonly #spaces = new Map<string, Neo4jVectorSpace>();
  readonly #shares: ShareMemory = new Map();

  constructor(options: Neo4jVectorStoreOptions) {
    this.#conn = options.connection;
  }

  /** Connects and creates the schema (idempotent). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('Neo4jVectorStore', 'closed');
    await this.#conn.open(this);
    this.#state = 'open';
  }

  /** Closes the store (idempotent); the driver closes when its last store does. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#spaces.clear();
    await this.#conn.release(this);
  }

  async upsert(request: { space: EmbedderInfo; records: VectorRecord[] }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    if (!Array.isArray(request.records)) throw new ValidationError('records', 'must be an array');
    request.records.forEach((record, i) => {
      validateRecord(record, `records[${i}]`);
      validateVector(record.vector, request.space.dimension, `records[${i}].vector`);
    });
    if (request.records.length === 0) return;
    const space = await this.#ensure(request.space);
    const ns = conn.namespace;
    const rows = request.records.map((r) => ({
      uid: `${ns}:${space.key}:${r.id}`,
      id: r.id,
      cubeId: r.cubeId,
      ownerId: r.ownerId,
      memoryType: r.memoryType,
      createdAt: r.createdAt,
      vector: r.vector.map(Number),
    }));
    await conn.write('upsert', async (tx) => {
      for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
        await tx.run(
          'UNWIND $rows AS row MERGE (v:MemoryVector {uid: row.uid}) ' +
            'SET v.ns = $ns, v.space = $space, v.id = row.id, v.cubeId = row.cubeId, v.ownerId = row.ownerId, ' +
            'v.memoryType = row.memoryType, v.createdAt = row.createdAt ' +
            'WITH v, row CALL db.create.setNodeVectorProperty(v, $property, row.vector)',
          { rows: rows.slice(i, i + UPSERT_CHUNK), ns, space: space.key, property: space.property },
        );
      }
    });
  }

  async query(request: { space: EmbedderInfo; vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]> {
    const conn = this.#open();
    validateSpace(request.space);
    validateVector(request.vector, request.space.dimension, 'vector');
    if (!Number.isSafeInteger(request.topK) || request.topK < 0) throw new ValidationError('topK', 'must be an integer >= 0');
    requireStrings(request.cubeIds, 'cubeIds');
    if (request.topK === 0 || request.cubeIds.length === 0) return [];
    const space = await this.#find(request.space);
    if (space === undefined) return [];
    return knnQuery(conn, space, { vector: request.vector.map(Number), topK: request.topK, cubeIds: [...new Set(request.cubeIds)] }, this.#shares);
  }

  async delete(request: { space: EmbedderInfo; ids: string[] }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.ids, 'ids');
    const space = await this.#find(request.space);
    if (space === undefined || request.ids.length === 0) return;
    const uids = [...new Set(request.ids)].map((id) => `${conn.namespace}:${space.key}:${id}`);
    await conn.write('delete', async (tx) => {
      await tx.run('UNWIND $uids AS u MATCH (v:MemoryVector {uid: u}) DELETE v', { uids });
    });
  }

  async deleteCube(request: { space: EmbedderInfo; cubeId: string }): Promise<void> {
    const conn = this.#open();
    validateSpace(request.space);
    if (typeof request.cubeId !== 'string') throw new ValidationError('cubeId', 'must be a string');
    const space = await this.#find(request.space);
    if (space === undefined) return;
    const params = { cubeId: request.cubeId, ns: conn.namespace, space: space.key, limit: conn.neo4j.int(DELETE_CHUNK) };
    for (;;) {
      const deleted = await conn.write('deleteCube', async (tx) => {
        const result = await tx.run(
          'MATCH (v:MemoryVector) WHERE v.cubeId = $cubeId AND v.ns = $ns AND v.space = $space WITH v LIMIT $limit DELETE v RETURN count(*) AS deleted',
          params,
        );
        return Number(result.records[0]?.get('deleted') ?? 0);
      });
      if (deleted < DELETE_CHUNK) return;
    }
  }

  async listIds(request: { space: EmbedderInfo; cubeIds: string[] }): Promise<string[]> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.cubeIds, 'cubeIds');
    const space = await this.#find(request.space);
    if (space === undefined || request.cubeIds.length === 0) return [];
    const rows = await conn.query('listIds', 'MATCH (v:MemoryVector) WHERE v.cubeId IN $cubeIds AND v.ns = $ns AND v.space = $space RETURN v.id AS id', {
      cubeIds: request.cubeIds,
      ns: conn.namespace,
      space: space.key,
    });
    return rows.map((row) => String(row['id'])).sort(compareStrings);
  }

  async get(request: { space: EmbedderInfo; ids: string[] }): Promise<VectorRecord[]> {
    const conn = this.#open();
    validateSpace(request.space);
    requireStrings(request.ids, 'ids');
    const space = await this.#find(request.space);
    if (space === undefined || request.ids.length === 0) return [];
    const uids = [...new Set(request.ids)].map((id) => `${conn.namespace}:${space.key}:${id}`);
    const rows = await conn.query(
      'get',
      'UNWIND $uids AS u MATCH (v:MemoryVector {uid: u}) ' +
        'RETURN v.id AS id, v[$property] AS vector, v.cubeId AS cubeId, v.ownerId AS ownerId, v.memoryType AS memoryType, v.createdAt AS createdAt',
      { uids, property: space.property },
    );
    const byId = new Map<string, VectorRecord>();
    for (const row of rows) {
      if (!Array.isArray(row['vector'])) throw new StorageError('neo4j', 'get', `vector of ${String(row['id'])} is missing`);
      byId.set(String(row['id']), {
        id: String(row['id']),
        vector: (row['vector'] as unknown[]).map(Number),
        cubeId: String(row['cubeId']),
        ownerId: String(row['ownerId']),
        memoryType: String(row['memoryType']),
        createdAt: String(row['createdAt']),
      });
    }
    return request.ids.flatMap((id) => {
      const record = byId.get(id);
      return record === undefined ? [] : [record];
    });
  }

  /** The space if it was ever written (cached), else undefined. */
  async #find(info: EmbedderInfo): Promise<Neo4jVectorSpace | undefined> {
    const space = spaceOf(info);
    if (this.#spaces.has(space.key)) return space;
    const rows = await this.#conn.query('space', 'MATCH (s:MemoryVectorSpace {name: $name}) RETURN s.name AS name', { name: space.key });
    const exists = rows.length > 0;
    if (exists) this.#spaces.set(space.key, space);
    return exists ? space : undefined;
  }

  /** The space, created (registry node, vector index, online) if needed. */
  async #ensure(info: EmbedderInfo): Promise<Neo4jVectorSpace> {
    const space = spaceOf(info);
    if (this.#spaces.has(space.key)) return space;
    if (info.dimension > MAX_NEO4J_VECTOR_DIMENSION) throw new ValidationError('space.dimension', `must be at most ${MAX_NEO4J_VECTOR_DIMENSION}`);
    const conn = this.#conn;
    const clash = await conn.write('upsert', async (tx) => {
      const result = await tx.run(
        'MERGE (s:MemoryVectorSpace {name: $name}) ON CREATE SET s.fingerprint = $fingerprint, s.dimension = $dimension, s.createdAt = $now ' +
          'RETURN s.fingerprint AS fingerprint, s.dimension AS dimension',
        { name: space.key, fingerprint: info.fingerprint, dimension: conn.neo4j.int(info.dimension), now: new Date().toISOString() },
      );
      const row = result.records[0];
      const same = row?.get('fingerprint') === info.fingerprint && Number(row?.get('dimension')) === info.dimension;
      return same ? undefined : `${String(row?.get('fingerprint'))}/${String(row?.get('dimension'))}`;
    });
    if (clash !== undefined) throw new StorageError('neo4j', 'upsert', `vector space ${space.key} already belongs to ${clash}`);
    // Index name, property and dimension come from a hash and a validated integer, never from raw input.
    const create =
      `CREATE VECTOR INDEX ${space.index} IF NOT EXISTS FOR (v:MemoryVector) ON (v.${space.property}) ` +
      `OPTIONS {indexConfig: {\`vector.dimensions\`: ${info.dimension}, \`vector.similarity_function\`: 'cosine', ` +
      // Quantization (on by default since 5.23) would round scores to ~1e-2; MemOS needs exact cosine.
      "`vector.quantization.enabled`: false}}";
    try {
      await conn.autoCommit('upsert', create);
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (!(typeof code === 'string' && SCHEMA_EXISTS_CODES.has(code))) throw error;
    }
    await conn.autoCommit('upsert', 'CALL db.awaitIndex($index, 300)', { index: space.index });
    this.#spaces.set(space.key, space);
    return space;
  }

  #open(): Neo4jConnection {
    if (this.#state !== 'open') throw new ClosedError('Neo4jVectorStore', this.#state === 'new' ? 'not set up' : 'closed');
    return this.#conn;
  }
}

/** `emb_` / `mem_vec_` + 20 hex digits of SHA-1 over dimension and fingerprint: safe identifiers. */
function spaceOf(info: EmbedderInfo): Neo4jVectorSpace {
  const hash = createHash('sha1').update(`${info.dimension}\u0000${info.fingerprint}`).digest('hex').slice(0, 20);
  return { key: hash, property: `emb_${hash}`, index: `mem_vec_${hash}`, dimension: info.dimension };
}

function validateRecord(record: VectorRecord, field: string): void {
  if (typeof record !== 'object' || record === null) throw new ValidationError(field, 'must be an object');
  for (const key of ['id', 'cubeId', 'ownerId', 'memoryType', 'createdAt'] as const) {
    if (typeof record[key] !== 'string' || record[key].length === 0) throw new ValidationError(`${field}.${key}`, 'must be a non-empty string');
  }
}
