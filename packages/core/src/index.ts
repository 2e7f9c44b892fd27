/**
 * @memos-js/core — the MemOS.js runtime. The only root barrel: explicit named exports.
 */
export { MemOS, createMemOS, CUBE_SCHEMA_VERSION } from './mos.ts';
export type { MemOSOptions, StorageOption } from './mos/mos-options.ts';
export type {
  AddInput, AuditInput, ForgetInput, CreateCubeInput, CreateUserInput, CubeRef, DumpCubeInput, FilterInput, GetAllInput, InvalidateInput, ItemRef,
  LoadCubeInput, RelateInput, RemoveInput, RepairInput, RollbackInput, SearchInput, ShareCubeInput, TimeInput, UpdateInput,
} from './mos/mos-inputs.ts';
export { DEFAULT_LIMITS, type MemosLimits } from './mos/limits.ts';
export { AS_OF_STATUSES } from './mos/resolve-filter.ts';

export {
  MemosError, ValidationError, InputTooLargeError, NotFoundError, ConflictError, AccessDeniedError, EmbedderMismatchError, ActivationMismatchError,
  DumpFormatError, StorageError, DependencyMissingError, DependencyFailedError, ModelCallError, EmbedderError, ClosedError, QueueFullError, ExtractionError, type MemosErrorOptions,
  type ExtractionErrorOptions,
  type ConflictReason, type ConflictErrorOptions,
} from './errors/index.ts';

export type {
  MemoryKind, MemoryType, MemoryStatus, VectorSyncState, MemorySource, MetadataValue, MemoryItem, EdgeType, MemoryEdge, VersionAction,
  VersionRecord, AuditRecord, RedactionMark, AuditQuery, ForgetItemsResult, PurgeUserResult, DumpRecord, EmbedderInfo, MemCubeConfig, CubeAclEntry, UserRecord, ItemFilter, SearchQuery, SignalWeights,
  SignalBreakdown, SearchHit, SearchResult, ListQuery, ItemWrite, ItemVersionRef, WriteBatch, PutCubeOptions, PutCubeExpectation, PutUserOptions, KeywordStats, KeywordQuery, ScoredId, NeighborQuery,
  Neighbor, GraphStore, VectorRecord, VectorStore, Embedder, LanguageModelPort, LanguageModelRequest, LanguageModelResponse, ModelCallOutcome, ModelCallRecord, Logger,
} from './spec/index.ts';
export { MEMORY_STATUSES, EDGE_TYPES } from './spec/index.ts';
export type {
  Job, JobInput, JobKind, JobState, JobHandler, JobQueue, JobQueueStats, WorkingMemoryEntry, WorkingMemorySnapshot, SchedulerEventMap, SchedulerEventName,
  SchedulerStatus,
} from './spec/index.ts';
export { MemScheduler, type MemSchedulerOptions, type AfterTurnInput, type EnqueueTurnWriteInput, type SchedulerHost } from './scheduler/mem-scheduler.ts';
export {
  WorkingMemory, DEFAULT_WORKING_MEMORY_WEIGHTS, type WorkingMemoryOptions, type WorkingMemoryWeights, type WorkingMemoryCandidate, type WorkingMemoryChange,
} from './scheduler/working-memory.ts';
export { PersistedJobQueue, backoffDelay, type JobQueueTuning } from './scheduler/persisted-job-queue.ts';
export type { JobStore } from './scheduler/job-store.ts';
export { createMemoryJobQueue } from './scheduler/memory-job-queue.ts';

export { tokenize, type TokenizeOptions } from './text/tokenize.ts';
export { quoteNoteText, RECALLED_NOTES_PREAMBLE, RECALLED_NOTES_TAG, renderRecalledNotes, type RecalledNote, type RenderRecalledNotesOptions } from './text/recalled-notes.ts';
export { relevantMemories, isAssistantMemory, weightedScore, DEFAULT_MIN_SCORE, DEFAULT_ASSISTANT_WEIGHT, type RelevantMemoriesOptions, type ScoredMemory } from './retrieval/relevant-memories.ts';
export { hybridSearch, DEFAULT_HYBRID_CONFIG, LEXICAL_VECTOR_WEIGHT, type HybridSearchConfig, type HybridSearchRequest, type HybridSearchResult } from './retrieval/hybrid-search.ts';
export { reciprocalRankFusion, type RankedList, type FusedEntry } from './retrieval/reciprocal-rank-fusion.ts';
export { bm25Idf, DEFAULT_BM25, type Bm25Params } from './retrieval/bm25.ts';
export { canAccess, type CubeAction } from './governance/access-control.ts';
export {
  checkIdentityOptions, parseIdentity, resolveIdentity, type AdapterIdentity, type AdapterIdentityOptions, type IdentityOption, type IdentityResolver,
} from './governance/adapter-identity.ts';
export { createToolScope, type ToolScope, type ToolScopeOptions, type ToolScopeMos, type ToolAddInput } from './governance/tool-scope.ts';
export { createDefaultRedactor, type DefaultRedactorOptions } from './governance/default-redactor.ts';
export { mergeRedactionMarks, type Redactor, type RedactionResult } from './governance/redactor.ts';
export { passesLuhn } from './governance/luhn.ts';
export type { ForgetHook, ForgetEvent } from './governance/forget-hook.ts';
export type { ForgetReport } from './governance/forget-service.ts';
export type { AuditLogOptions } from './governance/audit-log.ts';
export { DUMP_FORMAT, DUMP_FORMAT_VERSION } from './cube/dump-format.ts';
export type { DumpCubeResult } from './cube/dump-cube.ts';
export type { CubeRepairReport } from './memory/textual/repair-vectors.ts';
export type { ConflictRetryOptions } from './memory/textual/with-item-retry.ts';
export type { SweepReport } from './lifecycle/sweep-expired.ts';
export { SWEEPABLE_STATUSES } from './lifecycle/expire-memory.ts';
export { migrateCube, type MigrateCubeOptions, type MigrateCubeResult } from './cube/migrate-cube.ts';

export { createLexicalEmbedder, createLlamaCppEmbedder } from './embedding/index.ts';
export { createFastMemReader, parseChatTime, type ChatMessageInput, type DocumentInput, type MemoryDraft, type MemReader } from './extraction/index.ts';
export {
  generateObject, toJsonSchema, parseModelJson, stripCodeFences, DEFAULT_OBJECT_RETRIES, DEFAULT_OBJECT_TIMEOUT_MS, DEFAULT_MAX_ANSWER_CHARS, DEFAULT_MAX_KEPT_CHARS,
  type GenerateObjectOptions, type GenerateObjectResult, type ParsedModelJson,
} from './extraction/index.ts';
// Backends live in their own subpaths (`@memos-js/core/sqlite`, `/neo4j`, `/chroma`), so importing the root never loads
// `node:sqlite`, `sqlite-vec` or a database driver; `createMemOS` loads the configured one lazily in `setup()`.
export type { Neo4jStorage, Neo4jStorageOptions } from './storage/neo4j/create-neo4j-storage.ts';
export type { ChromaVectorStoreOptions } from './storage/chroma/chroma-options.ts';
export { ActorScope } from './governance/actor-scope.ts';
export { matchesFilter } from './storage/item-filter/matches-filter.ts';
