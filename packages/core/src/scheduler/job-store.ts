import type { Job, JobQueueStats } from '../spec/scheduler.ts';

/**
 * The persistence a {@link PersistedJobQueue} runs on (internal port): SQLite rows, Neo4j `:Job`
 * nodes, or process memory. Every method is atomic on its own; `claim` never hands one job to two
 * workers (SQLite: `BEGIN IMMEDIATE`; Neo4j: under the job node's write lock).
 */
export interface JobStore {
  readonly backend: string;
  setup(): Promise<void>;
  /**
   * Persists `job`. A queued job with the same `dedupeKey` is replaced (its payload and fields
   * take the new values, its id stays) and returned. Throws `QueueFullError` when `maxQueued`
   * unfinished jobs exist (a replacement does not count as new).
   */
  insert(job: Job, options: { maxQueued: number }): Promise<Job>;
  /** Marks up to `limit` queued jobs with `runAt <= now` running for `owner` until `leaseUntil` (attempts + 1), oldest first. */
  claim(options: { now: string; limit: number; owner: string; leaseUntil: string }): Promise<Job[]>;
  /** Extends the lease of `owner`'s running jobs. */
  renew(ids: readonly string[], owner: string, leaseUntil: string): Promise<void>;
  /** The job finished: removed (counted as done). No-op when `owner` no longer holds it. */
  complete(id: string, owner: string): Promise<void>;
  /** The attempt failed and will be retried at `runAt` (counted as retried). */
  retry(id: string, owner: string, update: { runAt: string; error: string; now: string }): Promise<void>;
  /** The job failed for good (kept with state `failed`). */
  fail(id: string, owner: string, update: { error: string; now: string }): Promise<void>;
  /** Hands `owner`'s running jobs back to the queue untouched (attempts - 1), e.g. on close. */
  release(ids: readonly string[], owner: string, now: string): Promise<void>;
  /** Re-queues running jobs whose lease ended before `now` (their worker died). Returns how many. */
  recover(now: string): Promise<number>;
  /** Ids of the unfinished (queued or running) jobs, of one session or all. */
  unfinished(sessionId?: string): Promise<string[]>;
  /** How many of `ids` are still unfinished. */
  countUnfinished(ids: readonly string[]): Promise<number>;
  stats(): Promise<JobQueueStats>;
  /** Deletes the queued and failed jobs of `userId`; returns how many. */
  purge(filter: { userId: string }): Promise<number>;
  close(): Promise<void>;
}
