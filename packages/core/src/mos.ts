import type { DumpCubeResult } from './cube/dump-cube.ts';
import { validateDumpsOption } from './cube/confine-dump-dir.ts';
import { createLexicalEmbedder } from './embedding/index.ts';
import { ClosedError } from './errors/closed-error.ts';
import { createFastMemReader, extractKeyTerms, type MemReader, type MemoryDraft } from './extraction/index.ts';
import { ActorScope } from './governance/actor-scope.ts';
import { createDefaultRedactor } from './governance/default-redactor.ts';
import type { ForgetReport } from './governance/forget-service.ts';
import { redactReaderInput } from './governance/redact-memory.ts';
import type { Redactor } from './governance/redactor.ts';
import type { MemoryPatch } from './memory/textual/change-memory.ts';
import type { CubeRepairReport } from './memory/textual/repair-vectors.ts';
import type { SweepReport } from './lifecycle/sweep-expired.ts';
import { validateSweepInterval } from './lifecycle/sweep-timer.ts';
import { createInputSchemas, type InputSchemas } from './mos/input-schemas.ts';
import { DEFAULT_LIMITS, type MemosLimits } from './mos/limits.ts';
import type { MemOSOptions } from './mos/mos-options.ts';
import { openServices, type MosServices } from './mos/open-services.ts';
import { parseInput } from './mos/parse-input.ts';
import { toIsoTime, toOptionalIsoTime } from './mos/to-iso-time.ts';
import type { MemScheduler } from './scheduler/mem-scheduler.ts';
import { DEFAULT_HYBRID_CONFIG, LEXICAL_VECTOR_WEIGHT, type HybridSearchConfig } from './retrieval/hybrid-search.ts';
import type {
  AuditRecord, EdgeType, Embedder, GraphStore, MemCubeConfig, MemoryEdge, MemoryItem, SearchResult, UserRecord, VectorStore, VersionRecord,
} from './spec/index.ts';
import type * as Inputs from './mos/mos-inputs.ts';

/** Current schema version of cubes created by this runtime. */
export const CUBE_SCHEMA_VERSION = 1;

/**
 * The memory operating system: users, MemCubes, add / search / get / update / delete /
 * invalidate / history / rollback, sharing, dump and load. Create with {@link createMemOS},
 * then `await mos.setup()`; `await mos.close()` when done.
 *
 * A thin facade: each call validates its input, resolves the acting user once into an
 * {@link ActorScope} (the cubes that user may read or change), and hands both to a service
 * (cube admin, memory changes, reads, search, governance, lifecycle). Storage backends are
 * loaded lazily in `setup()`.
 */
export class MemOS {
  readonly embedder: Embedder;
  readonly reader: MemReader;
  readonly limits: MemosLimits;
  readonly searchConfig: HybridSearchConfig;
  readonly #options: MemOSOptions;
  readonly #schemas: InputSchemas;
  readonly #redactor: Redactor | undefined;
  #services: MosServices | undefined;
  #state: 'new' | 'ready' | 'closed' = 'new';
  #setupPromise: Promise<void> | undefined;

  constructor(options: MemOSOptions = {}) {
    this.#options = options;
    this.embedder = options.embedder ?? createLexicalEmbedder();
    this.reader = options.reader ?? createFastMemReader();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    const defaultWeights = { ...DEFAULT_HYBRID_CONFIG.weights, ...(this.embedder.kind === 'lexical' ? { vector: LEXICAL_VECTOR_WEIGHT } : {}) };
    this.searchConfig = { ...DEFAULT_HYBRID_CONFIG, ...options.search, weights: { ...defaultWeights, ...options.search?.weights } };
    this.#schemas = createInputSchemas(this.limits);
    this.#redactor = options.redact === false ? undefined : (options.redact ?? createDefaultRedactor());
    if (options.lifecycle?.sweepIntervalMs !== undefined) validateSweepInterval(options.lifecycle.sweepIntervalMs);
    if (options.dumps !== undefined) validateDumpsOption(options.dumps);
  }

  /** The graph store (source of truth); available after `setup()`. */
  get graph(): GraphStore {
    return this.#svc().ctx.graph;
  }

  /** The vector store; available after `setup()`. */
  get vector(): VectorStore {
    return this.#svc().ctx.vector;
  }

  /**
   * The MemScheduler: per-session working memory (`workingMemory`, `afterTurn`, `pin`/`unpin`),
   * background turn writes (`enqueue`, `flush` for read-your-writes), `status()` and events (`on`).
   * Available after `setup()`.
   */
  get scheduler(): MemScheduler {
    return this.#svc().scheduler;
  }

  /** Opens the storage backend and creates or migrates its schema (idempotent). */
  async setup(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('MemOS', 'closed');
    this.#setupPromise ??= (async () => {
      const services = await openServices({
        options: this.#options, embedder: this.embedder, reader: this.reader, searchConfig: this.searchConfig, limits: this.limits,
        redactor: this.#redactor, schemaVersion: CUBE_SCHEMA_VERSION,
        schedulerHost: { search: (input) => this.search(input), add: (input) => this.add(input) },
      }).catch((error: unknown) => {
        this.#setupPromise = undefined;
        throw error;
      });
      this.#services = services;
      this.#state = 'ready';
      services.sweeper?.start();
    })();
    return this.#setupPromise;
  }

  /** Closes the storage. Further calls throw `ClosedError`. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const pending = this.#setupPromise;
    this.#state = 'closed';
    await pending?.catch(() => undefined);
    const services = this.#services;
    if (!services) return;
    // Queued and running jobs stay persisted (drain: false): the next setup() resumes them.
    await services.scheduler.close({ drain: false });
    await services.sweeper?.stop();
    await services.retry?.stop();
    await services.changes.drain();
    await services.close();
  }

  // ---- users and cubes -------------------------------------------------------------------

  /**
   * Creates a user (id defaults to a new UUID). Role `admin` needs `actorId` naming an admin
   * (the first admin comes from the `rootUser` option).
   */
  async createUser(input: Inputs.CreateUserInput): Promise<UserRecord> {
    const { id, name, role, actorId } = this.#parse('createUser', input);
    const svc = this.#svc();
    const actor = actorId === undefined ? undefined : await ActorScope.resolve(svc.ctx.graph, actorId);
    return svc.cubes.createUser({ id, name, role, actor });
  }

  /** A user by id (throws `NotFoundError`). */
  async getUser(input: { userId: string }): Promise<UserRecord> {
    const { userId } = this.#parse('userRef', input);
    return (await this.#scope(userId)).user;
  }

  /** Every user. */
  async listUsers(): Promise<UserRecord[]> {
    return this.#svc().ctx.graph.listUsers();
  }

  /** Creates a MemCube owned by `userId`, bound to the configured embedder. */
  async createCube(input: Inputs.CreateCubeInput): Promise<MemCubeConfig> {
    const { userId, id, name, description } = this.#parse('createCube', input);
    return this.#svc().cubes.createCube(await this.#scope(userId), { id, name, description });
  }

  /** A cube the user can read. */
  async getCube(input: Inputs.CubeRef): Promise<MemCubeConfig> {
    const { userId, cubeId } = this.#parse('cubeRef', input);
    return (await this.#scope(userId)).cube(cubeId, 'read');
  }

  /** Every cube the user can read (owned, shared with them, or all for admins). */
  async listCubes(input: { userId: string }): Promise<MemCubeConfig[]> {
    const { userId } = this.#parse('userRef', input);
    return (await this.#scope(userId)).cubes('read');
  }

  /** Grants (`read`/`write`/`share`) or revokes (`none`) another user's access; owner or admin only. */
  async shareCube(input: Inputs.ShareCubeInput): Promise<MemCubeConfig> {
    const { userId, cubeId, withUserId, access } = this.#parse('share', input);
    return this.#svc().cubes.shareCube(await this.#scope(userId), { cubeId, withUserId, access });
  }

  /** Deletes a cube and everything in it (owner or admin). */
  async deleteCube(input: Inputs.CubeRef): Promise<void> {
    const { userId, cubeId } = this.#parse('cubeRef', input);
    return this.#svc().governance.deleteCube(await this.#scope(userId), cubeId);
  }

  // ---- memories ----------------------------------------------------------------------------

  /**
   * Adds memories from chat messages, plain text or a document (fast mode: one item per message
   * or chunk, with speaker, chat time, message id and session in its sources).
   */
  async add(input: Inputs.AddInput): Promise<{ items: MemoryItem[] }> {
    const parsed = this.#parse('add', input);
    const svc = this.#svc();
    const sessionId = parsed.sessionId;
    let sessionTime: string | undefined;
    if ('messages' in parsed) {
      parsed.messages.forEach((m, i) => m.time !== undefined && toIsoTime(m.time, `add.messages[${i}].time`));
      sessionTime = toOptionalIsoTime(parsed.sessionTime, 'add.sessionTime');
    }
    if ('document' in parsed && parsed.document.time !== undefined) toIsoTime(parsed.document.time, 'add.document.time');
    const expiresAt = toOptionalIsoTime(parsed.expiresAt, 'add.expiresAt');
    const session = sessionId !== undefined ? { sessionId } : {};
    // Redaction before the reader derives keys and tags (and again over its drafts, in changes.add).
    const read = redactReaderInput(this.#redactor, parsed);
    const drafts = async (): Promise<MemoryDraft[]> => {
      if ('messages' in read) return this.reader.readMessages({ messages: read.messages, ...session, ...(sessionTime ? { sessionTime } : {}) });
      if ('text' in read) return [textDraft(read.text, sessionId)];
      return this.reader.readDocument({ document: read.document, ...session });
    };
    const items = await svc.changes.add(await this.#scope(parsed.userId), {
      cubeId: parsed.cubeId, drafts, ...session,
      ...(parsed.memoryType !== undefined ? { memoryType: parsed.memoryType } : {}),
      ...(parsed.tags !== undefined ? { tags: parsed.tags } : {}),
      ...(parsed.metadata !== undefined ? { metadata: parsed.metadata } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(parsed.pinned !== undefined ? { pinned: parsed.pinned } : {}),
    });
    return { items };
  }

  /** Hybrid search (vector + BM25 + graph neighbours, fused) over the user's cubes. */
  async search(input: Inputs.SearchInput): Promise<SearchResult> {
    const parsed = this.#parse('search', input);
    const svc = this.#svc();
    const asOf = toOptionalIsoTime(parsed.asOf, 'search.asOf');
    const knownAt = toOptionalIsoTime(parsed.knownAt, 'search.knownAt');
    return svc.search.search(await this.#scope(parsed.userId), {
      query: parsed.query, cubeIds: parsed.cubeIds, filter: parsed.filter, topK: parsed.topK ?? 10, asOf, knownAt, weights: parsed.weights,
    });
  }

  /** One memory by id (deleted ones only for users who may restore them). */
  async get(input: Inputs.ItemRef): Promise<MemoryItem> {
    const { userId, id } = this.#parse('itemRef', input);
    return this.#svc().reads.get(await this.#scope(userId), id);
  }

  /** Lists memories with filters and pagination (default: active items, oldest first). */
  async getAll(input: Inputs.GetAllInput): Promise<{ items: MemoryItem[]; total: number }> {
    const parsed = this.#parse('getAll', input);
    const svc = this.#svc();
    const { asOf, knownAt, ...rest } = parsed.filter ?? {};
    const filter = {
      ...rest,
      ...optional('asOf', toOptionalIsoTime(asOf, 'getAll.filter.asOf')),
      ...optional('knownAt', toOptionalIsoTime(knownAt, 'getAll.filter.knownAt')),
    };
    return svc.reads.getAll(await this.#scope(parsed.userId), {
      cubeIds: parsed.cubeIds, filter, limit: parsed.limit ?? 100, offset: parsed.offset ?? 0, order: parsed.order ?? 'createdAt', direction: parsed.direction ?? 'asc',
    });
  }

  /** Changes a memory; writes a new version (re-embeds if the text changed). */
  async update(input: Inputs.UpdateInput): Promise<MemoryItem> {
    const { userId, id, reason, expiresAt, ...rest } = this.#parse('update', input);
    const svc = this.#svc();
    const patch: MemoryPatch = { ...rest };
    if (expiresAt !== undefined) patch.expiresAt = expiresAt === null ? null : toIsoTime(expiresAt, 'update.expiresAt');
    return svc.changes.update(await this.#scope(userId), { id, patch, reason });
  }

  /** Soft-deletes a memory (recorded in its history; restorable with rollback). */
  async delete(input: Inputs.RemoveInput): Promise<MemoryItem> {
    const { userId, id, reason } = this.#parse('remove', input);
    return this.#svc().changes.delete(await this.#scope(userId), { id, reason });
  }

  /** Marks a fact as no longer true (kept; visible to `asOf` searches before `invalidAt`). */
  async invalidate(input: Inputs.InvalidateInput): Promise<MemoryItem> {
    const { userId, id, reason, supersededBy, invalidAt } = this.#parse('invalidate', input);
    const svc = this.#svc();
    const at = invalidAt === undefined ? svc.ctx.now().toISOString() : toIsoTime(invalidAt, 'invalidate.invalidAt');
    return svc.changes.invalidate(await this.#scope(userId), { id, invalidAt: at, reason, supersededBy });
  }

  /** Every version of a memory, oldest first. */
  async history(input: Inputs.ItemRef): Promise<VersionRecord[]> {
    const { userId, id } = this.#parse('itemRef', input);
    return this.#svc().reads.history(await this.#scope(userId), id);
  }

  /** Restores an earlier version as a new version. */
  async rollback(input: Inputs.RollbackInput): Promise<MemoryItem> {
    const { userId, id, version, reason } = this.#parse('rollback', input);
    return this.#svc().changes.rollback(await this.#scope(userId), { id, version, reason });
  }

  /** Adds a typed edge between two memories of the same cube (e.g. RELATE_TO). */
  async relate(input: Inputs.RelateInput): Promise<MemoryEdge> {
    const { userId, from, to, type, weight } = this.#parse('relate', input);
    return this.#svc().changes.relate(await this.#scope(userId), { from, to, type: type as EdgeType, weight });
  }

  /**
   * Audit records, newest first: an admin sees all; a cube's owner sees the cube's (`cubeId`);
   * everyone sees their own actions. Filter by cube, item, actor, action(s) and time range.
   */
  async audit(input: Inputs.AuditInput): Promise<AuditRecord[]> {
    const { userId, cubeId, itemId, actor, action, since, until, limit } = this.#parse('audit', input);
    return this.#svc().governance.audit(await this.#scope(userId), {
      cubeId, itemId, actor, limit: limit ?? 1_000,
      ...(action !== undefined ? { actions: Array.isArray(action) ? action : [action] } : {}),
      ...optional('since', toOptionalIsoTime(since, 'audit.since')),
      ...optional('until', toOptionalIsoTime(until, 'audit.until')),
    });
  }

  /**
   * Forgets for good (hard delete, unlike `delete`): items by id (`write` access), a whole cube
   * (owner or admin), or everything about a user (`forgetUserId`: themselves or an admin). Removes
   * graph rows, versions, keyword index entries, vectors, the dumps this runtime wrote that hold
   * them and whatever the `forgetHooks` drop; then compacts the store (SQLite: WAL checkpoint and
   * VACUUM). Leaves audit records with ids and counts only.
   */
  async forget(input: Inputs.ForgetInput): Promise<ForgetReport> {
    const parsed = this.#parse('forget', input);
    const scope = await this.#scope(parsed.userId);
    const governance = this.#svc().governance;
    if ('ids' in parsed) return governance.forget(scope, { ids: parsed.ids });
    if ('cubeId' in parsed) return governance.forget(scope, { cubeId: parsed.cubeId });
    return governance.forget(scope, { forgetUserId: parsed.forgetUserId });
  }

  /**
   * Reconciles vectors with the graph (the source of truth) for the user's cubes: re-embeds and
   * upserts items whose vector is missing, pending or failed; removes orphan vectors. Idempotent.
   */
  async repair(input: Inputs.RepairInput): Promise<CubeRepairReport[]> {
    const { userId, cubeIds } = this.#parse('repair', input);
    return this.#svc().lifecycle.repair(await this.#scope(userId), cubeIds);
  }

  /**
   * TTL sweep: items whose `expiresAt` has passed (and that are not pinned) move to status
   * `expired`, with `expiredAt`, a version (action `expire`, actor `system`) and an audit record.
   * With `userId`: the cubes that user owns or administers; without: a system sweep of every cube
   * (trusted server code only). Runs on an interval too with `lifecycle.sweepIntervalMs`.
   * Default reads already leave such items out before any sweep.
   */
  async sweep(input: Inputs.SweepInput = {}): Promise<SweepReport> {
    const { userId, cubeIds } = this.#parse('sweep', input);
    const svc = this.#svc();
    return svc.lifecycle.sweep(userId === undefined ? undefined : await this.#scope(userId), cubeIds);
  }

  /** Number of cubes waiting for a background vector retry (0 when the vector store is in sync). */
  get pendingVectorRetries(): number {
    return this.#services?.retry?.pending ?? 0;
  }

  // ---- dump / load ---------------------------------------------------------------------------

  /** Writes a cube as a portable directory (JSON Lines; embeddings optional); owner, admin or `share` grant. */
  async dumpCube(input: Inputs.DumpCubeInput): Promise<DumpCubeResult> {
    const { userId, cubeId, dir, includeEmbeddings } = this.#parse('dump', input);
    return this.#svc().cubes.dumpCube(await this.#scope(userId), { cubeId, dir, includeEmbeddings: includeEmbeddings ?? false });
  }

  /** Loads a dumped cube (untrusted input) into this store, owned by `userId` (optionally under a new cube id). */
  async loadCube(input: Inputs.LoadCubeInput): Promise<MemCubeConfig> {
    const { userId, dir, cubeId, remintIds } = this.#parse('load', input);
    return this.#svc().cubes.loadCube(await this.#scope(userId), { dir, cubeId, remintIds: remintIds ?? false });
  }

  // ---- internals -------------------------------------------------------------------------------

  #parse<K extends keyof InputSchemas>(name: K, input: unknown): ReturnType<InputSchemas[K]['parse']> {
    return parseInput(this.#schemas[name], input, name) as ReturnType<InputSchemas[K]['parse']>;
  }

  /** The services, or `ClosedError` before `setup()` finished and after `close()`. */
  #svc(): MosServices {
    if (this.#state === 'closed') throw new ClosedError('MemOS', 'closed');
    if (this.#state === 'new' || !this.#services) throw new ClosedError('MemOS', 'not set up');
    return this.#services;
  }

  /** Resolves the acting user once per call. */
  #scope(userId: string): Promise<ActorScope> {
    return ActorScope.resolve(this.#svc().ctx.graph, userId);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
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
