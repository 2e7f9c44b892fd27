import { uuidV7 } from './ids/uuid-v7.ts';
import { dumpCube, type DumpCubeResult } from './cube/dump-cube.ts';
import { loadCube } from './cube/load-cube.ts';
import { createLexicalEmbedder } from './embedding/index.ts';
import { ClosedError } from './errors/closed-error.ts';
import { ConflictError } from './errors/conflict-error.ts';
import { EmbedderMismatchError } from './errors/embedder-mismatch-error.ts';
import { ValidationError } from './errors/validation-error.ts';
import { createFastMemReader, extractKeyTerms, type MemReader, type MemoryDraft } from './extraction/index.ts';
import { canAccess, readableCubes, requireCube, requireUser } from './governance/access-control.ts';
import { addMemories } from './memory/textual/add-memories.ts';
import { deleteMemory, invalidateMemory, requireItem, rollbackMemory, updateMemory, type MemoryPatch } from './memory/textual/change-memory.ts';
import type { MemoryContext } from './memory/textual/memory-context.ts';
import { repairCubeVectors, type CubeRepairReport } from './memory/textual/repair-vectors.ts';
import { auditRecord } from './memory/textual/version-record.ts';
import { VectorRetry } from './mos/vector-retry.ts';
import { createInputSchemas, type InputSchemas } from './mos/input-schemas.ts';
import { DEFAULT_LIMITS, type MemosLimits } from './mos/limits.ts';
import type { MemOSOptions } from './mos/mos-options.ts';
import { parseInput } from './mos/parse-input.ts';
import { resolveFilter } from './mos/resolve-filter.ts';
import { silentLogger } from './mos/silent-logger.ts';
import { toIsoTime, toOptionalIsoTime } from './mos/to-iso-time.ts';
import { DEFAULT_HYBRID_CONFIG, hybridSearch, LEXICAL_VECTOR_WEIGHT, type HybridSearchConfig } from './retrieval/hybrid-search.ts';
import type {
  AuditRecord, Embedder, GraphStore, MemCubeConfig, MemoryEdge, MemoryItem, SearchResult, UserRecord, VectorStore, VersionRecord,
} from './spec/index.ts';
import { createChromaVectorStore } from './storage/chroma/index.ts';
import { createNeo4jStorage } from './storage/neo4j/index.ts';
import { createSqliteStorage } from './storage/sqlite/index.ts';
import type * as Inputs from './mos/mos-inputs.ts';

/** Current schema version of cubes created by this runtime. */
export const CUBE_SCHEMA_VERSION = 1;

/**
 * The memory operating system: users, MemCubes, add / search / get / update / delete /
 * invalidate / history / rollback, sharing, dump and load. Create with {@link createMemOS},
 * then `await mos.setup()`; `await mos.close()` when done.
 */
export class MemOS {
  readonly graph: GraphStore;
  readonly vector: VectorStore;
  readonly embedder: Embedder;
  readonly reader: MemReader;
  readonly limits: MemosLimits;
  readonly searchConfig: HybridSearchConfig;
  readonly #ctx: MemoryContext;
  readonly #schemas: InputSchemas;
  readonly #closeStorage: () => Promise<void>;
  readonly #trackAccess: boolean;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #retry: VectorRetry | undefined;
  #state: 'new' | 'ready' | 'closed' = 'new';
  #setupPromise: Promise<void> | undefined;

  constructor(options: MemOSOptions = {}) {
    const storage = options.storage ?? { kind: 'sqlite', path: './.memos/memos.db' };
    if (storage.kind === 'sqlite') {
      const sqlite = createSqliteStorage({ path: storage.path, ...(storage.synchronous ? { synchronous: storage.synchronous } : {}) });
      this.graph = sqlite.graph;
      this.vector = sqlite.vector;
      this.#closeStorage = () => sqlite.close();
    } else if (storage.kind === 'neo4j') {
      const neo4j = createNeo4jStorage({ ...storage.neo4j, vectorIndex: storage.chroma === undefined });
      const vector = storage.chroma ? createChromaVectorStore(storage.chroma) : neo4j.vector;
      if (!vector) throw new ValidationError('storage', 'needs a vector store');
      this.graph = neo4j.graph;
      this.vector = vector;
      this.#closeStorage = async () => {
        if (vector !== neo4j.vector) await vector.close();
        await neo4j.close();
      };
    } else {
      this.graph = storage.graph;
      this.vector = storage.vector;
      this.#closeStorage = async () => {
        await storage.graph.close();
        if ((storage.vector as unknown) !== storage.graph) await storage.vector.close();
      };
    }
    this.embedder = options.embedder ?? createLexicalEmbedder();
    this.reader = options.reader ?? createFastMemReader();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const defaultWeights = { ...DEFAULT_HYBRID_CONFIG.weights, ...(this.embedder.kind === 'lexical' ? { vector: LEXICAL_VECTOR_WEIGHT } : {}) };
    this.searchConfig = { ...DEFAULT_HYBRID_CONFIG, ...options.search, weights: { ...defaultWeights, ...options.search?.weights } };
    this.#schemas = createInputSchemas(this.limits);
    this.#trackAccess = options.trackAccess ?? true;
    this.#ctx = {
      graph: this.graph,
      vector: this.vector,
      embedder: this.embedder,
      logger: options.logger ?? silentLogger,
      now: options.now ?? (() => new Date()),
      newId: options.newId ?? (() => uuidV7()),
    };
    if (options.vectorRetry !== false) {
      this.#retry = new VectorRetry({ ...options.vectorRetry, logger: this.#ctx.logger, repair: (cubeId) => this.#repairCube(cubeId) });
      this.#ctx.onVectorFailure = (cubeIds) => this.#retry?.schedule(cubeIds);
    }
  }

  /** Creates or migrates the storage schema (idempotent). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('MemOS', 'closed');
    this.#setupPromise ??= (async () => {
      await this.embedder.setup?.();
      await this.graph.setup();
      if ((this.vector as unknown) !== this.graph) await this.vector.setup();
      this.#state = 'ready';
    })();
    return this.#setupPromise;
  }

  /** Closes the storage. Further calls throw `ClosedError`. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#retry?.stop();
    await Promise.allSettled([...this.#locks.values()]);
    await this.#closeStorage();
  }

  // ---- users and cubes -------------------------------------------------------------------

  /** Creates a user (id defaults to a new UUID). */
  async createUser(input: Inputs.CreateUserInput): Promise<UserRecord> {
    const { id, name, role } = this.#parse('createUser', input);
    this.#ready();
    const userId = id ?? this.#ctx.newId();
    if (await this.graph.getUser(userId)) throw new ConflictError('user', userId, `User ${userId} already exists`);
    const user: UserRecord = { id: userId, name, role: role ?? 'user', createdAt: this.#now() };
    await this.graph.putUser(user);
    return user;
  }

  /** A user by id (throws `NotFoundError`). */
  async getUser(input: { userId: string }): Promise<UserRecord> {
    const { userId } = this.#parse('userRef', input);
    this.#ready();
    return requireUser(this.graph, userId);
  }

  /** Every user. */
  async listUsers(): Promise<UserRecord[]> {
    this.#ready();
    return this.graph.listUsers();
  }

  /** Creates a MemCube owned by `userId`, bound to the configured embedder. */
  async createCube(input: Inputs.CreateCubeInput): Promise<MemCubeConfig> {
    const { userId, id, name, description } = this.#parse('createCube', input);
    this.#ready();
    await requireUser(this.graph, userId);
    const cubeId = id ?? this.#ctx.newId();
    if (await this.graph.getCube(cubeId)) throw new ConflictError('cube', cubeId, `Cube ${cubeId} already exists`);
    const at = this.#now();
    const cube: MemCubeConfig = {
      id: cubeId, name, ownerId: userId, embedder: { fingerprint: this.embedder.fingerprint, dimension: this.embedder.dimension },
      schemaVersion: CUBE_SCHEMA_VERSION, acl: [], createdAt: at, updatedAt: at,
      ...(description !== undefined ? { description } : {}),
    };
    await this.graph.putCube(cube);
    await this.graph.write({ audit: [auditRecord(this.#ctx, { actor: userId, action: 'createCube', at, cubeId })] });
    return cube;
  }

  /** A cube the user can read. */
  async getCube(input: Inputs.CubeRef): Promise<MemCubeConfig> {
    const { userId, cubeId } = this.#parse('cubeRef', input);
    this.#ready();
    return (await requireCube(this.graph, userId, cubeId, 'read')).cube;
  }

  /** Every cube the user can read (owned, shared with them, or all for admins). */
  async listCubes(input: { userId: string }): Promise<MemCubeConfig[]> {
    const { userId } = this.#parse('userRef', input);
    this.#ready();
    return readableCubes(this.graph, await requireUser(this.graph, userId));
  }

  /** Grants (`read`/`write`) or revokes (`none`) another user's access; owner or admin only. */
  async shareCube(input: Inputs.ShareCubeInput): Promise<MemCubeConfig> {
    const { userId, cubeId, withUserId, access } = this.#parse('share', input);
    this.#ready();
    const { cube } = await requireCube(this.graph, userId, cubeId, 'admin');
    await requireUser(this.graph, withUserId);
    const acl = cube.acl.filter((entry) => entry.userId !== withUserId);
    if (access !== 'none') acl.push({ userId: withUserId, access });
    const at = this.#now();
    const updated: MemCubeConfig = { ...cube, acl, updatedAt: at };
    await this.graph.putCube(updated);
    await this.graph.write({ audit: [auditRecord(this.#ctx, { actor: userId, action: 'share', at, cubeId, details: { withUserId, access } })] });
    return updated;
  }

  /** Deletes a cube and everything in it (owner or admin). */
  async deleteCube(input: Inputs.CubeRef): Promise<void> {
    const { userId, cubeId } = this.#parse('cubeRef', input);
    this.#ready();
    const { cube } = await requireCube(this.graph, userId, cubeId, 'admin');
    await this.vector.deleteCube({ space: cube.embedder, cubeId });
    await this.graph.deleteCube(cubeId);
  }

  // ---- memories ----------------------------------------------------------------------------

  /**
   * Adds memories from chat messages, plain text or a document (fast mode: one item per message
   * or chunk, with speaker, chat time, message id and session in its sources).
   */
  async add(input: Inputs.AddInput): Promise<{ items: MemoryItem[] }> {
    const parsed = this.#parse('add', input);
    this.#ready();
    const { cube } = await requireCube(this.graph, parsed.userId, parsed.cubeId, 'write');
    this.#assertEmbedder(cube);
    const sessionId = parsed.sessionId;
    let drafts: MemoryDraft[];
    if ('messages' in parsed) {
      parsed.messages.forEach((m, i) => m.time !== undefined && toIsoTime(m.time, `add.messages[${i}].time`));
      const sessionTime = toOptionalIsoTime(parsed.sessionTime, 'add.sessionTime');
      drafts = await this.reader.readMessages({ messages: parsed.messages, ...(sessionId ? { sessionId } : {}), ...(sessionTime ? { sessionTime } : {}) });
    } else if ('text' in parsed) {
      drafts = [textDraft(parsed.text, sessionId)];
    } else {
      drafts = await this.reader.readDocument({ document: parsed.document, ...(sessionId ? { sessionId } : {}) });
    }
    const expiresAt = toOptionalIsoTime(parsed.expiresAt, 'add.expiresAt');
    const items = await addMemories(this.#ctx, {
      cube, userId: parsed.userId, drafts,
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(parsed.memoryType !== undefined ? { memoryType: parsed.memoryType } : {}),
      ...(parsed.tags !== undefined ? { tags: parsed.tags } : {}),
      ...(parsed.metadata !== undefined ? { metadata: parsed.metadata } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    });
    return { items };
  }

  /** Hybrid search (vector + BM25 + graph neighbours, fused) over the user's cubes. */
  async search(input: Inputs.SearchInput): Promise<SearchResult> {
    const parsed = this.#parse('search', input);
    this.#ready();
    const cubes = await this.#cubesFor(parsed.userId, parsed.cubeIds);
    for (const cube of cubes) this.#assertEmbedder(cube);
    const asOf = toOptionalIsoTime(parsed.asOf, 'search.asOf');
    const knownAt = toOptionalIsoTime(parsed.knownAt, 'search.knownAt');
    const filter = resolveFilter({ filter: parsed.filter, cubeIds: cubes.map((c) => c.id), asOf, knownAt, field: 'search.filter' });
    const config: HybridSearchConfig = parsed.weights ? { ...this.searchConfig, weights: { ...this.searchConfig.weights, ...parsed.weights } } : this.searchConfig;
    const result = await hybridSearch({ graph: this.graph, vector: this.vector, embedder: this.embedder, query: parsed.query, filter, topK: parsed.topK ?? 10, config });
    if (this.#trackAccess && result.hits.length > 0) await this.graph.touch(result.hits.map((h) => h.item.id), this.#now());
    return result;
  }

  /** One memory by id (any status). */
  async get(input: Inputs.ItemRef): Promise<MemoryItem> {
    const { userId, id } = this.#parse('itemRef', input);
    this.#ready();
    return this.#readableItem(userId, id);
  }

  /** Lists memories with filters and pagination (default: active items, oldest first). */
  async getAll(input: Inputs.GetAllInput): Promise<{ items: MemoryItem[]; total: number }> {
    const parsed = this.#parse('getAll', input);
    this.#ready();
    const cubes = await this.#cubesFor(parsed.userId, parsed.cubeIds);
    const { asOf, knownAt, ...rest } = parsed.filter ?? {};
    const filter = resolveFilter({
      filter: rest, cubeIds: cubes.map((c) => c.id), field: 'getAll.filter',
      asOf: toOptionalIsoTime(asOf, 'getAll.filter.asOf'), knownAt: toOptionalIsoTime(knownAt, 'getAll.filter.knownAt'),
    });
    const [items, total] = await Promise.all([
      this.graph.listItems({ filter, limit: parsed.limit ?? 100, offset: parsed.offset ?? 0, order: parsed.order ?? 'createdAt', direction: parsed.direction ?? 'asc' }),
      this.graph.countItems(filter),
    ]);
    return { items, total };
  }

  /** Changes a memory; writes a new version (re-embeds if the text changed). */
  async update(input: Inputs.UpdateInput): Promise<MemoryItem> {
    const { userId, id, reason, expiresAt, ...rest } = this.#parse('update', input);
    this.#ready();
    const patch: MemoryPatch = { ...rest };
    if (expiresAt !== undefined) patch.expiresAt = expiresAt === null ? null : toIsoTime(expiresAt, 'update.expiresAt');
    return this.#withItem(userId, id, (item) => updateMemory(this.#ctx, { item, patch, actor: userId, ...(reason !== undefined ? { reason } : {}) }));
  }

  /** Soft-deletes a memory (recorded in its history; restorable with rollback). */
  async delete(input: Inputs.RemoveInput): Promise<MemoryItem> {
    const { userId, id, reason } = this.#parse('remove', input);
    this.#ready();
    return this.#withItem(userId, id, (item) => deleteMemory(this.#ctx, { item, actor: userId, ...(reason !== undefined ? { reason } : {}) }));
  }

  /** Marks a fact as no longer true (kept; visible to `asOf` searches before `invalidAt`). */
  async invalidate(input: Inputs.InvalidateInput): Promise<MemoryItem> {
    const { userId, id, reason, supersededBy, invalidAt } = this.#parse('invalidate', input);
    this.#ready();
    const at = invalidAt === undefined ? this.#now() : toIsoTime(invalidAt, 'invalidate.invalidAt');
    const successor = supersededBy === undefined ? undefined : await this.#readableItem(userId, supersededBy);
    return this.#withItem(userId, id, async (item) => {
      if (successor && successor.cubeId !== item.cubeId) throw new ValidationError('invalidate.supersededBy', 'must be in the same cube');
      return invalidateMemory(this.#ctx, { item, actor: userId, invalidAt: at, ...(reason !== undefined ? { reason } : {}), ...(successor ? { supersededBy: successor } : {}) });
    });
  }

  /** Every version of a memory, oldest first. */
  async history(input: Inputs.ItemRef): Promise<VersionRecord[]> {
    const { userId, id } = this.#parse('itemRef', input);
    this.#ready();
    await this.#readableItem(userId, id);
    return this.graph.listVersions(id);
  }

  /** Restores an earlier version as a new version. */
  async rollback(input: Inputs.RollbackInput): Promise<MemoryItem> {
    const { userId, id, version, reason } = this.#parse('rollback', input);
    this.#ready();
    return this.#withItem(userId, id, (item) => rollbackMemory(this.#ctx, { item, version, actor: userId, ...(reason !== undefined ? { reason } : {}) }));
  }

  /** Adds a typed edge between two memories of the same cube (e.g. RELATE_TO). */
  async relate(input: Inputs.RelateInput): Promise<MemoryEdge> {
    const { userId, from, to, type, weight } = this.#parse('relate', input);
    this.#ready();
    const [source, target] = await Promise.all([this.#readableItem(userId, from), this.#readableItem(userId, to)]);
    if (source.cubeId !== target.cubeId) throw new ValidationError('relate.to', 'must be in the same cube as relate.from');
    await requireCube(this.graph, userId, source.cubeId, 'write');
    const at = this.#now();
    const edge: MemoryEdge = { from, to, type: type as MemoryEdge['type'], cubeId: source.cubeId, weight: weight ?? 1, createdAt: at };
    await this.graph.write({ edges: [edge], audit: [auditRecord(this.#ctx, { actor: userId, action: 'relate', at, cubeId: source.cubeId, itemId: from, details: { to, type } })] });
    return edge;
  }

  /** Audit trail of a cube, newest first (owner or admin). */
  async audit(input: Inputs.AuditInput): Promise<AuditRecord[]> {
    const { userId, cubeId, itemId, limit } = this.#parse('audit', input);
    this.#ready();
    await requireCube(this.graph, userId, cubeId, 'admin');
    return this.graph.listAudit({ cubeId, ...(itemId ? { itemId } : {}), limit: limit ?? 1_000 });
  }

  /**
   * Reconciles vectors with the graph (the source of truth) for the user's cubes: re-embeds and
   * upserts items whose vector is missing, pending or failed; removes orphan vectors. Idempotent.
   */
  async repair(input: Inputs.RepairInput): Promise<CubeRepairReport[]> {
    const { userId, cubeIds } = this.#parse('repair', input);
    this.#ready();
    const user = await requireUser(this.graph, userId);
    const cubes = cubeIds
      ? await Promise.all(cubeIds.map(async (cubeId) => (await requireCube(this.graph, userId, cubeId, 'admin')).cube))
      : (await this.graph.listCubes()).filter((cube) => canAccess(user, cube, 'admin'));
    const reports: CubeRepairReport[] = [];
    for (const cube of cubes) reports.push(await repairCubeVectors(this.#ctx, cube));
    return reports;
  }

  /** Number of cubes waiting for a background vector retry (0 when the vector store is in sync). */
  get pendingVectorRetries(): number {
    return this.#retry?.pending ?? 0;
  }

  // ---- dump / load ---------------------------------------------------------------------------

  /** Writes a cube as a portable directory (JSON Lines; embeddings optional). */
  async dumpCube(input: Inputs.DumpCubeInput): Promise<DumpCubeResult> {
    const { userId, cubeId, dir, includeEmbeddings } = this.#parse('dump', input);
    this.#ready();
    const { cube } = await requireCube(this.graph, userId, cubeId, 'read');
    return dumpCube({ ctx: this.#ctx, cube, dir, includeEmbeddings: includeEmbeddings ?? false, now: this.#now() });
  }

  /** Loads a dumped cube into this store, owned by `userId` (optionally under a new cube id). */
  async loadCube(input: Inputs.LoadCubeInput): Promise<MemCubeConfig> {
    const { userId, dir, cubeId } = this.#parse('load', input);
    this.#ready();
    await requireUser(this.graph, userId);
    return loadCube({ ctx: this.#ctx, dir, userId, ...(cubeId ? { cubeId } : {}), schemaVersion: CUBE_SCHEMA_VERSION });
  }

  // ---- internals -------------------------------------------------------------------------------

  #parse<K extends keyof InputSchemas>(name: K, input: unknown): ReturnType<InputSchemas[K]['parse']> {
    return parseInput(this.#schemas[name], input, name) as ReturnType<InputSchemas[K]['parse']>;
  }

  #ready(): void {
    if (this.#state === 'new') throw new ClosedError('MemOS', 'not set up');
    if (this.#state === 'closed') throw new ClosedError('MemOS', 'closed');
  }

  #now(): string {
    return this.#ctx.now().toISOString();
  }

  #assertEmbedder(cube: MemCubeConfig): void {
    if (cube.embedder.fingerprint !== this.embedder.fingerprint) throw new EmbedderMismatchError(cube.id, cube.embedder.fingerprint, this.embedder.fingerprint);
  }

  async #repairCube(cubeId: string): Promise<boolean> {
    const cube = await this.graph.getCube(cubeId);
    if (!cube) return true;
    return (await repairCubeVectors(this.#ctx, cube)).stillFailing === 0;
  }

  async #cubesFor(userId: string, cubeIds: string[] | undefined): Promise<MemCubeConfig[]> {
    if (cubeIds) return Promise.all([...new Set(cubeIds)].map(async (cubeId) => (await requireCube(this.graph, userId, cubeId, 'read')).cube));
    return readableCubes(this.graph, await requireUser(this.graph, userId));
  }

  async #readableItem(userId: string, id: string): Promise<MemoryItem> {
    const item = await requireItem(this.#ctx, id);
    await requireCube(this.graph, userId, item.cubeId, 'read');
    return item;
  }

  /** Runs a change of one item under a per-item lock (no lost updates between concurrent calls). */
  async #withItem(userId: string, id: string, change: (item: MemoryItem) => Promise<MemoryItem>): Promise<MemoryItem> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const item = await requireItem(this.#ctx, id);
      await requireCube(this.graph, userId, item.cubeId, 'write');
      return change(item);
    });
    this.#locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === run) this.#locks.delete(id);
    }
  }
}

/** A plain-text memory, stored as given (no reader): memoryType `long_term`, source role `api`. */
function textDraft(text: string, sessionId: string | undefined): MemoryDraft {
  return {
    text, key: extractKeyTerms({ text, maxTerms: 6 }).join(' '), tags: [], memoryType: 'long_term', metadata: {},
    sources: [{ role: 'api', ...(sessionId !== undefined ? { sessionId } : {}) }],
  };
}

/** Creates a MemOS runtime (no I/O until `setup()`). */
export function createMemOS(options: MemOSOptions = {}): MemOS {
  return new MemOS(options);
}
