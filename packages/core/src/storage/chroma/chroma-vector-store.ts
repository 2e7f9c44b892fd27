import type { ChromaClient, Collection, Metadata } from 'chromadb';
import { ClosedError } from '../../errors/closed-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { ScoredId } from '../../spec/graph-store.ts';
import type { EmbedderInfo } from '../../spec/mem-cube.ts';
import type { VectorRecord, VectorStore } from '../../spec/vector-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';
import { validateSpace, validateVector } from '../validation/validate-vector.ts';
import { toChromaStorageError } from './chroma-errors.ts';
import { queryNearest } from './chroma-nearest.ts';
import { FilterPlanner, planKey, queryPostFiltered } from './chroma-post-filter.ts';
import {
  DEFAULT_COLLECTION_PREFIX, DEFAULT_EF_SEARCH, DEFAULT_MAX_QUERY_RESULTS, collectionName, parseChromaUrl, validateCollectionPrefix,
  validatePositiveInteger,
  type ChromaEndpoint, type ChromaVectorStoreOptions,
} from './chroma-options.ts';
import { ChromaSpaces, isNotFound, type SpaceCollection } from './chroma-spaces.ts';
import { loadChromadb } from './load-chromadb.ts';

/** Record metadata keys, as stored on every Chroma record (and filtered on with `where`). */
const METADATA_KEYS = ['cubeId', 'ownerId', 'memoryType', 'createdAt'] as const;

/**
 * A {@link VectorStore} on a Chroma server (HTTP API v2, chromadb JS client 3.x, loaded lazily).
 *
 * **Layout: one collection per embedder space.** The vectors of an embedder fingerprint live in the
 * collection `<collectionPrefix>_<first 16 hex digits of SHA-1(fingerprint)>` (cosine distance, HNSW,
 * no embedding function: vectors are always given explicitly). The collection metadata records
 * `{ fingerprint, dimension, memosLayout }` and is checked whenever a collection is opened (another
 * dimension for the same fingerprint is a `ValidationError`). Each record's id is the memory item id and
 * its metadata holds `cubeId`, `ownerId`, `memoryType` and `createdAt`; queries, `listIds` and
 * `deleteCube` select cubes with `where: { cubeId: { $in: [...] } }`. One collection per cube was
 * rejected: `get` / `delete` name ids without cubes (every cube collection would have to be searched),
 * a cube move would span two collections, searches over several readable cubes would need one query per
 * cube plus a merge, and thousands of small collections each carry their own HNSW index.
 *
 * Scores are `1 - cosine distance` (Chroma stores float32). Chroma evaluates a `where` by scanning the
 * collection's metadata (100k records: ~125 ms even when 1% match), so a query first tries an
 * unfiltered HNSW query and filters the reply here when the cubes hold a good share of the collection
 * (`queryPostFiltered`, sized per cube set by `FilterPlanner`); otherwise it runs the filtered query
 * (`queryNearest`). Both over-fetch and re-sort so that ties come out by id ascending; a short filtered
 * reply is checked against a listing of the cubes (HNSW can leave records unreachable). Cubes with
 * fewer records than one reply holds are thus searched exactly; larger ones are as good as HNSW recall
 * with the collection's `ef_search` (lexical embedder vectors: recall 1.0 at 100k; random 1024-d
 * vectors: far lower, see `efConstruction`). Writes and reads are split into batches within the server's max batch size;
 * a multi-batch upsert or delete is not atomic (the graph's `vectorSyncState` repairs partial writes).
 * Client failures become `StorageError('chroma', …)`, retryable for connection errors, 5xx and 429.
 */
export class ChromaVectorStore implements VectorStore {
  readonly backend = 'chroma';
  /** Where the client connects (from `options.url`). */
  readonly endpoint: ChromaEndpoint;
  /** Prefix of the collections this store uses. */
  readonly collectionPrefix: string;
  readonly #options: ChromaVectorStoreOptions;
  readonly #hnsw: { ef_search: number; ef_construction?: number; max_neighbors?: number };
  readonly #maxQueryResults: number;
  #state: 'new' | 'open' | 'closed' = 'new';
  #setup: Promise<void> | undefined;
  #client: ChromaClient | undefined;
  #spaces: ChromaSpaces | undefined;
  #batchSize = 1;
  readonly #planner = new FilterPlanner();

  /** Validates the options; connects nothing (see {@link setup}). */
  constructor(options: ChromaVectorStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'must be an object');
    this.endpoint = parseChromaUrl(options.url);
    this.collectionPrefix = validateCollectionPrefix(options.collectionPrefix ?? DEFAULT_COLLECTION_PREFIX);
    validatePositiveInteger(options.batchSize, 'batchSize');
    const efConstruction = validatePositiveInteger(options.efConstruction, 'efConstruction');
    const maxNeighbors = validatePositiveInteger(options.maxNeighbors, 'maxNeighbors');
    this.#hnsw = {
      ef_search: validatePositiveInteger(options.efSearch, 'efSearch') ?? DEFAULT_EF_SEARCH,
      ...(efConstruction === undefined ? {} : { ef_construction: efConstruction }),
      ...(maxNeighbors === undefined ? {} : { max_neighbors: maxNeighbors }),
    };
    this.#maxQueryResults = validatePositiveInteger(options.maxQueryResults, 'maxQueryResults') ?? DEFAULT_MAX_QUERY_RESULTS;
    this.#options = options;
  }

  /**
   * Loads the client, checks that the server answers (`heartbeat`) and reads its max batch size.
   * Idempotent; a failed setup (server down: retryable `StorageError`) may be retried.
   */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('ChromaVectorStore', 'closed');
    this.#setup ??= this.#connect().catch((error: unknown) => {
      this.#setup = undefined;
      throw error;
    });
    return this.#setup;
  }

  /** Forgets the client and cached collections (idempotent). Later calls throw `ClosedError`. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#spaces?.clear();
    this.#spaces = undefined;
    this.#client = undefined;
    this.#planner.clear();
  }

  /** The collection name of a space (whether or not it exists yet). */
  collectionName(space: EmbedderInfo): string {
    validateSpace(space);
    return collectionName(this.collectionPrefix, space.fingerprint);
  }

  async upsert(request: { space: EmbedderInfo; records: VectorRecord[] }): Promise<void> {
    this.#open();
    validateSpace(request.space);
    if (!Array.isArray(request.records)) throw new ValidationError('records', 'must be an array');
    const byId = new Map<string, VectorRecord>();
    request.records.forEach((record, i) => {
      validateRecord(record, `records[${i}]`);
      validateFloat32Vector(record.vector, request.space.dimension, `records[${i}].vector`);
      byId.delete(record.id); // a repeated id is written once, last one wins (as sequential upserts would)
      byId.set(record.id, record);
    });
    const records = [...byId.values()];
    if (records.length === 0) return;
    await this.#run(request.space, 'upsert', true, async (collection) => {
      for (const batch of chunk(records, this.#batchSize)) {
        await collection.upsert({
          ids: batch.map((record) => record.id),
          embeddings: batch.map((record) => record.vector),
          metadatas: batch.map((record) => toMetadata(record)),
        });
      }
    });
  }

  async query(request: { space: EmbedderInfo; vector: number[]; topK: number; cubeIds: string[] }): Promise<ScoredId[]> {
    this.#open();
    validateSpace(request.space);
    validateFloat32Vector(request.vector, request.space.dimension, 'vector');
    if (!Number.isSafeInteger(request.topK) || request.topK < 0) throw new ValidationError('topK', 'must be an integer >= 0');
    const cubeIds = distinctStrings(request.cubeIds, 'cubeIds');
    if (request.topK === 0 || cubeIds.length === 0) return [];
    const { vector, topK } = request;
    const maxResults = this.#maxQueryResults;
    const hits = await this.#run(request.space, 'query', false, async (collection) => {
      const key = planKey(collection.name, cubeIds);
      const nResults = this.#planner.plan(key, topK);
      if (nResults !== undefined) {
        const outcome = await queryPostFiltered(collection, { vector, topK, cubeIds, nResults });
        this.#planner.record(key, outcome.share);
        if (outcome.hits !== undefined) return outcome.hits;
      }
      return queryNearest(collection, {
        vector,
        topK,
        cubeIds,
        maxResults,
        batchSize: this.#batchSize,
        onMissed: (count) => this.#options.logger?.debug('chroma: scored records the HNSW index did not return', { count, cubeIds }),
      });
    });
    return hits ?? [];
  }

  async delete(request: { space: EmbedderInfo; ids: string[] }): Promise<void> {
    this.#open();
    validateSpace(request.space);
    const ids = distinctStrings(request.ids, 'ids');
    if (ids.length === 0) return;
    await this.#run(request.space, 'delete', false, async (collection) => {
      for (const batch of chunk(ids, this.#batchSize)) await collection.delete({ ids: batch });
    });
  }

  async deleteCube(request: { space: EmbedderInfo; cubeId: string }): Promise<void> {
    this.#open();
    validateSpace(request.space);
    if (typeof request.cubeId !== 'string') throw new ValidationError('cubeId', 'must be a string');
    if (request.cubeId.length === 0) return;
    await this.#run(request.space, 'deleteCube', false, (collection) => collection.delete({ where: { cubeId: request.cubeId } }));
  }

  /** Pages through the cubes' records (`limit`/`offset` in batches); a consistent snapshot only while nobody writes them. */
  async listIds(request: { space: EmbedderInfo; cubeIds: string[] }): Promise<string[]> {
    this.#open();
    validateSpace(request.space);
    const cubeIds = distinctStrings(request.cubeIds, 'cubeIds');
    if (cubeIds.length === 0) return [];
    const ids = await this.#run(request.space, 'listIds', false, async (collection) => {
      const found: string[] = [];
      const where = cubeIds.length === 1 ? { cubeId: cubeIds[0] as string } : { cubeId: { $in: cubeIds } };
      for (let offset = 0; ; offset += this.#batchSize) {
        const page = await collection.get({ where, include: [], limit: this.#batchSize, offset });
        found.push(...page.ids);
        if (page.ids.length < this.#batchSize) return found;
      }
    });
    return [...new Set(ids ?? [])].sort(compareStrings);
  }

  async get(request: { space: EmbedderInfo; ids: string[] }): Promise<VectorRecord[]> {
    this.#open();
    validateSpace(request.space);
    if (!Array.isArray(request.ids) || !request.ids.every((id) => typeof id === 'string')) throw new ValidationError('ids', 'must be an array of strings');
    const ids = [...new Set(request.ids.filter((id) => id.length > 0))];
    if (ids.length === 0) return [];
    const byId = new Map<string, VectorRecord>();
    await this.#run(request.space, 'get', false, async (collection) => {
      for (const batch of chunk(ids, this.#batchSize)) {
        const page = await collection.get({ ids: batch, include: ['embeddings', 'metadatas'] });
        page.ids.forEach((id, i) => byId.set(id, fromChroma(id, page.embeddings[i], page.metadatas[i])));
      }
    });
    return request.ids.flatMap((id) => {
      const record = byId.get(id);
      return record === undefined ? [] : [record];
    });
  }

  /**
   * Deletes every collection named `<collectionPrefix>_…` in the tenant/database (for test cleanup and
   * uninstalling). Returns the names deleted.
   */
  async dropCollections(): Promise<string[]> {
    this.#open();
    const client = this.#client as ChromaClient;
    const dropped: string[] = [];
    try {
      const names: string[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = await client.listCollections({ limit: 100, offset });
        names.push(...page.map((collection) => collection.name).filter((name) => name.startsWith(`${this.collectionPrefix}_`)));
        if (page.length < 100) break;
      }
      for (const name of names) {
        await client.deleteCollection({ name }).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
        dropped.push(name);
      }
    } catch (error) {
      throw toChromaStorageError(error, 'dropCollections');
    } finally {
      this.#spaces?.clear();
    }
    return dropped;
  }

  async #connect(): Promise<void> {
    const chromadb = await loadChromadb();
    const options = this.#options;
    const client = new chromadb.ChromaClient({
      ...this.endpoint,
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...(options.database === undefined ? {} : { database: options.database }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
    let serverMax: number;
    try {
      await client.heartbeat();
      serverMax = await client.getMaxBatchSize();
    } catch (error) {
      if (isNotFound(error)) {
        throw new StorageError('chroma', 'setup', `${this.#options.url} does not serve /api/v2 (Chroma server >= 1.0 is needed)`, { cause: error });
      }
      throw toChromaStorageError(error, 'setup');
    }
    if (this.#state === 'closed') throw new ClosedError('ChromaVectorStore', 'closed');
    const limit = serverMax > 0 ? serverMax : Number.POSITIVE_INFINITY;
    this.#batchSize = Math.max(1, Math.min(options.batchSize ?? limit, limit, 100_000));
    this.#client = client;
    this.#spaces = new ChromaSpaces({ client, prefix: this.collectionPrefix, hnsw: this.#hnsw, logger: options.logger });
    this.#state = 'open';
  }

  /**
   * Runs `fn` on the space's collection (created first when `create`, else `undefined` is returned
   * when it does not exist), translating client errors. When the server says the cached collection is
   * gone (deleted behind our back), the handle is dropped and the call runs once more.
   */
  async #run<T>(space: EmbedderInfo, operation: string, create: boolean, fn: (collection: Collection) => Promise<T>): Promise<T | undefined> {
    const spaces = this.#open();
    for (let attempt = 0; ; attempt += 1) {
      const opened: SpaceCollection | undefined = create ? await spaces.ensure(space, operation) : await spaces.find(space, operation);
      if (opened === undefined) return undefined;
      try {
        return await fn(opened.collection);
      } catch (error) {
        if (attempt === 0 && isNotFound(error)) {
          spaces.forget(space);
          continue;
        }
        throw toChromaStorageError(error, operation);
      }
    }
  }

  #open(): ChromaSpaces {
    if (this.#state !== 'open' || this.#spaces === undefined) {
      throw new ClosedError('ChromaVectorStore', this.#state === 'closed' ? 'closed' : 'not set up');
    }
    return this.#spaces;
  }
}

function toMetadata(record: VectorRecord): Metadata {
  return { cubeId: record.cubeId, ownerId: record.ownerId, memoryType: record.memoryType, createdAt: record.createdAt };
}

function fromChroma(id: string, embedding: unknown, metadata: Metadata | null | undefined): VectorRecord {
  if (!Array.isArray(embedding) && !ArrayBuffer.isView(embedding)) throw new StorageError('chroma', 'get', `record ${id} came back without its embedding`);
  const fields: Partial<Record<(typeof METADATA_KEYS)[number], string>> = {};
  for (const key of METADATA_KEYS) {
    const value = metadata?.[key];
    if (typeof value !== 'string') throw new StorageError('chroma', 'get', `record ${id} has no ${key} in its metadata (not written by MemOS?)`);
    fields[key] = value;
  }
  return { id, vector: Array.from(embedding as ArrayLike<number>, Number), ...(fields as Record<(typeof METADATA_KEYS)[number], string>) };
}

/**
 * `validateVector` plus float32 range: Chroma stores float32, so a finite double beyond ±3.4e38 would
 * become Infinity on the server.
 */
function validateFloat32Vector(vector: unknown, dimension: number, field: string): asserts vector is number[] {
  validateVector(vector, dimension, field);
  if (!vector.every((value) => Number.isFinite(Math.fround(value)))) throw new ValidationError(field, 'must fit in float32 (|x| < 3.4e38)');
}

function validateRecord(record: VectorRecord, field: string): void {
  if (typeof record !== 'object' || record === null) throw new ValidationError(field, 'must be an object');
  for (const key of ['id', ...METADATA_KEYS] as const) {
    if (typeof record[key] !== 'string' || record[key].length === 0) throw new ValidationError(`${field}.${key}`, 'must be a non-empty string');
  }
}

/** The distinct non-empty strings of `value` (empty strings can never be stored ids or cube ids). */
function distinctStrings(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) throw new ValidationError(field, 'must be an array of strings');
  return [...new Set(value.filter((entry) => entry.length > 0))];
}

function chunk<T>(values: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < values.length; i += size) chunks.push(values.slice(i, i + size));
  return chunks;
}
