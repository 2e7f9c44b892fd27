import type { MemReader } from '../extraction/index.ts';
import type { AuditLogOptions } from '../governance/audit-log.ts';
import type { ForgetHook } from '../governance/forget-hook.ts';
import type { Redactor } from '../governance/redactor.ts';
import type { ConflictRetryOptions } from '../memory/textual/with-item-retry.ts';
import type { HybridSearchConfig } from '../retrieval/hybrid-search.ts';
import type { Embedder, GraphStore, Logger, VectorStore } from '../spec/index.ts';
import type { ChromaVectorStoreOptions } from '../storage/chroma/chroma-options.ts';
import type { Neo4jStorageOptions } from '../storage/neo4j/create-neo4j-storage.ts';
import type { MemSchedulerOptions } from '../scheduler/mem-scheduler.ts';
import type { JobQueueTuning } from '../scheduler/persisted-job-queue.ts';
import type { MemosLimits } from './limits.ts';

/** Where memories live. Default: `{ kind: 'sqlite', path: './.memos/memos.db' }`. */
export type StorageOption =
  | {
      kind: 'sqlite';
      /** SQLite file path, or `':memory:'`. */
      path: string;
      /** `full` (default): an acknowledged write survives a power loss; `normal`: survives a process crash. */
      synchronous?: 'full' | 'normal';
    }
  | {
      kind: 'neo4j';
      /** The Neo4j graph (source of truth): url, credentials, database, namespace. */
      neo4j: Omit<Neo4jStorageOptions, 'vectorIndex'>;
      /** Vectors in Chroma; when absent, Neo4j's own vector indexes serve them. */
      chroma?: ChromaVectorStoreOptions;
    }
  | {
      kind: 'custom';
      /** The source of truth (items, edges, versions, audit). */
      graph: GraphStore;
      /** Vectors (may be the same object as `graph` for backends that do both). */
      vector: VectorStore;
    };

/** Options of `createMemOS`. */
export interface MemOSOptions {
  /** Storage backend (default: embedded SQLite at `./.memos/memos.db`). */
  storage?: StorageOption;
  /** Embedder (default: the zero-dependency lexical embedder, 512 dimensions). */
  embedder?: Embedder;
  /** Reader that turns messages and documents into memories (default: fast mode, no LLM). */
  reader?: MemReader;
  /** Hybrid search tuning (weights, RRF k, candidates, graph expansion). */
  search?: Partial<HybridSearchConfig>;
  /** Input limits (see `DEFAULT_LIMITS`). */
  limits?: Partial<MemosLimits>;
  /** Count accesses (accessCount, lastAccessedAt) of returned search hits (default true). */
  trackAccess?: boolean;
  /**
   * Retry of failed vector writes (the outbox is the items' `vectorSyncState`): after a failure the
   * affected cubes are repaired in the background after `initialDelayMs` (default 1,000), doubling
   * up to `maxDelayMs` (default 60,000) while the vector store keeps failing. `false` disables it
   * (call `repair()` yourself).
   */
  vectorRetry?: { initialDelayMs?: number; maxDelayMs?: number } | false;
  /**
   * Changes of one item (update, delete, invalidate, rollback) are optimistic transactions: when
   * another runtime or process changed the item first, the change is re-read and re-applied, up to
   * `attempts` times in all (default 5) with a jittered backoff from `baseDelayMs` (default 5), then
   * fails with `ConflictError` (reason `version-mismatch`). `onRetry` is told of each retry. A
   * cube's access list (`shareCube`) is changed the same way, by compare-and-set on the cube record.
   */
  conflictRetry?: ConflictRetryOptions;
  /** Logger (default: silent). */
  logger?: Logger;
  /** Clock (default: `() => new Date()`); inject for deterministic tests. */
  now?: () => Date;
  /** Id generator (default: time-ordered UUIDv7, so id order is creation order). */
  newId?: () => string;
  /**
   * The bootstrap administrator, configured on the server side: `setup()` creates this user with
   * role `admin` if missing (or makes it an admin). Only an admin may create further admins
   * (`createUser({ role: 'admin', actorId })`); without this option no admin can ever be created.
   */
  rootUser?: { id: string; name?: string };
  /**
   * Lifecycle maintenance. `sweepIntervalMs`: run the TTL sweep (items past `expiresAt` become
   * `expired`, pinned ones exempt) over every cube every that many milliseconds in the background
   * (timer unref'd, stopped by `close()`). Default: off (call `sweep()` yourself); default reads
   * leave expired items out either way.
   */
  lifecycle?: { sweepIntervalMs?: number };
  /**
   * Redaction before storage: every text, key, tag and string metadata value of a memory (from
   * messages, text, documents or updates) passes through it before anything is stored or embedded,
   * and the item's header records what was masked (`redactions`: kinds and counts). Default:
   * `createDefaultRedactor()` (e-mail addresses, phone numbers, Luhn-valid card numbers);
   * `false` stores text as given.
   */
  redact?: Redactor | false;
  /**
   * Audit trail. Changes are always recorded; `reads` (default true) also records every search,
   * get, getAll, history and dump (actor, cubes, item ids, result count, time; one batched insert
   * per call).
   */
  audit?: AuditLogOptions;
  /** Told after each `forget` (e.g. to drop caches kept outside the stores); more may be added later. */
  forgetHooks?: ForgetHook[];
  /**
   * Where `dumpCube` and `loadCube` may touch the server's file system (default: anywhere the
   * process may). With `root` set (an existing directory, configured on the server side), every
   * `dir` a caller passes must resolve strictly inside it: a relative `dir` is taken relative to
   * the root; the existing part of the path is resolved with `realpath` (symbolic links followed,
   * `..` applied after them), and a path that leads out of the root by `..` or by a symbolic link,
   * or passes a dangling link, is refused with `ValidationError` (field `dir`) before anything is
   * read or written. On load, a dump file that is a symbolic link must lead inside the root too.
   */
  dumps?: { root: string };
  /**
   * The MemScheduler (`mos.scheduler`): working memory per session, the background job queue
   * (turn writes, prefetch) and their events. The queue defaults to the storage's store-persisted
   * one (SQLite: a `jobs` table in the same file; Neo4j: `:Job` nodes in the namespace); `custom`
   * storages get an in-process queue (jobs lost on a crash) unless `queue` is given (e.g. BullMQ).
   * `queueOptions` tune the default queue (concurrency, maxQueued, backoff, lease, poll interval).
   */
  scheduler?: MemSchedulerOptions & { queueOptions?: JobQueueTuning };
}
