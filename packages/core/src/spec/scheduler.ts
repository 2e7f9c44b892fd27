/**
 * MemScheduler contracts (ARCHITECTURE §3 `src/scheduler/`, §5 "turn" and "background work"):
 * the job queue port (persisted in the store by default, BullMQ over Redis for several app
 * instances) and the per-session working memory the middleware injects as its stable block.
 */
import type { MemoryItem } from './memory-item.ts';

/** Kinds of background work. Open-ended for custom handlers. */
export type JobKind = 'turn-write' | 'extract' | 'reorganize' | 'sweep' | 'activation-build' | 'prefetch' | (string & {});

/** A job as submitted. The payload is JSON (it is persisted). */
export interface JobInput {
  kind: JobKind;
  /** JSON-serialisable payload. */
  payload: Record<string, unknown>;
  /** Jobs of one session are what `flush({ sessionId })` waits for. */
  sessionId?: string;
  /** The user on whose behalf the job runs (server-side identity, resolved when the job was submitted). */
  userId?: string;
  /** Deduplication key: a queued (not yet running) job with the same key is replaced, not repeated. */
  dedupeKey?: string;
  /** Most attempts, the first included (default: the queue's). */
  maxAttempts?: number;
}

/** Lifecycle state of a job. */
export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** A job as the queue holds it. */
export interface Job extends JobInput {
  id: string;
  state: JobState;
  /** Attempts made so far. */
  attempts: number;
  /** ISO time before which the job is not run (backoff). */
  runAt: string;
  createdAt: string;
  updatedAt: string;
  /** Message of the last failure (no stack, no payload). */
  lastError?: string;
}

/** Runs one job; a thrown error is retried with backoff until `maxAttempts`. */
export type JobHandler = (job: Job) => Promise<void>;

/** Counters and gauges of a queue. */
export interface JobQueueStats {
  queued: number;
  running: number;
  done: number;
  failed: number;
  retried: number;
}

/**
 * The queue port. Implementations: the store-persisted queue (default: a crash loses no queued job,
 * a restart resumes it) and BullMQ over Redis. Every implementation passes the same conformance suite.
 */
export interface JobQueue {
  /** Backend name, e.g. `sqlite`, `neo4j`, `bullmq`. */
  readonly backend: string;
  /** Idempotent. Starts no work until `start`. */
  setup(): Promise<void>;
  /** Starts processing with the handlers by kind (unknown kinds fail the job). */
  start(handlers: Record<string, JobHandler>): void;
  /**
   * Enqueues a job; resolves once it is persisted (acknowledged). Rejects with a typed
   * back-pressure error when the queue holds its maximum of unfinished jobs.
   */
  enqueue(job: JobInput): Promise<Job>;
  /** Resolves when every job of the session (or every job) submitted before the call has finished (done or failed). */
  flush(options?: { sessionId?: string; timeoutMs?: number }): Promise<void>;
  stats(): Promise<JobQueueStats>;
  /**
   * Optional: removes the queued and failed jobs of a user (their payloads may hold that user's
   * text), e.g. when the user is forgotten. Returns how many were removed. Running jobs finish.
   */
  purge?(filter: { userId: string }): Promise<number>;
  /** Stops taking jobs; `drain: true` waits for running and queued jobs, otherwise queued ones stay persisted for the next start. */
  close(options?: { drain?: boolean }): Promise<void>;
}

/** One entry of a session's working memory. */
export interface WorkingMemoryEntry {
  item: MemoryItem;
  /** Policy score (relevance to recent queries + recency + access frequency); pinned entries rank first. */
  score: number;
  pinned: boolean;
}

/** The working memory of one session: the small ordered set kept ready for the next turn. */
export interface WorkingMemorySnapshot {
  userId: string;
  sessionId: string;
  /** Version of the stable block (`entries`): increments exactly when it changes; the middleware's stable block changes only with it. */
  version: number;
  /** The stable block, in a deterministic order (its layout). */
  entries: WorkingMemoryEntry[];
  /**
   * Entries admitted since the stable block was last rebuilt (they join it at the next rebuild;
   * meanwhile they reach the prompt through per-turn retrieval when relevant). Absent: none.
   */
  pending?: WorkingMemoryEntry[];
}

/** Events of the MemScheduler (`mos.scheduler.on(name, listener)`), by name. */
export interface SchedulerEventMap {
  'job-start': { job: Job };
  'job-end': { job: Job; durationMs: number };
  /** An attempt failed; `willRetry` false when it was the last one. */
  'job-failed': { job: Job; error: string; willRetry: boolean };
  /** The stable block changed (rebuilt, pinned, or items removed). */
  'working-memory-change': { userId: string; sessionId: string; version: number; added: string[]; removed: string[] };
  /** Emitted by the activation memory (KV caches of local models). */
  'cache-build': { key: string; durationMs?: number; [field: string]: unknown };
  'cache-hit': { key: string; [field: string]: unknown };
  'cache-miss': { key: string; reason?: string; [field: string]: unknown };
}

/** Names of the scheduler's events. */
export type SchedulerEventName = keyof SchedulerEventMap;

/** `mos.scheduler.status()`. */
export interface SchedulerStatus {
  queue: JobQueueStats & { backend: string };
  /** Sessions with a working memory in this process. */
  workingMemorySessions: number;
  /** Counters since the scheduler started. */
  counters: Record<string, number>;
}
