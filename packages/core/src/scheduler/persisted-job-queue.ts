import { ClosedError } from '../errors/closed-error.ts';
import { ValidationError } from '../errors/validation-error.ts';
import { uuidV7 } from '../ids/uuid-v7.ts';
import type { Logger } from '../spec/logger.ts';
import type { Job, JobHandler, JobInput, JobQueue, JobQueueStats } from '../spec/scheduler.ts';
import type { JobStore } from './job-store.ts';

/** Tuning of a store-persisted {@link JobQueue} (every field optional). */
export interface JobQueueTuning {
  /** Jobs run at once by this process. Default 4. */
  concurrency?: number;
  /** Most unfinished (queued + running) jobs; `enqueue` then rejects with `QueueFullError`. Default 10,000. */
  maxQueued?: number;
  /** Default `maxAttempts` of a job (the first attempt included). Default 5. */
  maxAttempts?: number;
  /** Backoff before the 2nd attempt, in ms; doubles each attempt. Default 500. */
  backoffMs?: number;
  /** Longest backoff, in ms. Default 60,000. */
  maxBackoffMs?: number;
  /** Share of the backoff taken off at random (0..1): delay × (1 − jitter × random). Default 0.2. */
  jitter?: number;
  /** How long a claimed job belongs to this process without a renewal, in ms; after it, another process re-queues it. Default 30,000. */
  leaseMs?: number;
  /** How often the store is polled for due jobs (other processes' enqueues, backoffs), in ms. Default 100. */
  pollMs?: number;
  /** `close({ drain: false })` waits this long for running handlers before handing their jobs back, in ms. Default 10,000. */
  closeTimeoutMs?: number;
  logger?: Pick<Logger, 'debug' | 'warn'>;
  /** Clock (tests). */
  now?: () => Date;
  /** Random source for the jitter (tests). */
  random?: () => number;
}

/** Backoff before attempt `attempts + 1`: min(max, base·2^(attempts−1)) × (1 − jitter·random). */
export function backoffDelay(attempts: number, tuning: { backoffMs: number; maxBackoffMs: number; jitter: number }, random: () => number): number {
  const raw = Math.min(tuning.maxBackoffMs, tuning.backoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(0, Math.round(raw * (1 - tuning.jitter * random())));
}

const SILENT = { debug: () => {}, warn: () => {} };

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new ValidationError(name, `must be an integer >= ${min}`);
  return value;
}

function checkJobInput(input: JobInput): void {
  if (typeof input !== 'object' || input === null) throw new ValidationError('job', 'must be an object');
  if (typeof input.kind !== 'string' || input.kind.length === 0 || input.kind.length > 100) throw new ValidationError('job.kind', 'must be a non-empty string of at most 100 characters');
  if (typeof input.payload !== 'object' || input.payload === null || Array.isArray(input.payload)) throw new ValidationError('job.payload', 'must be a JSON object');
  try {
    JSON.stringify(input.payload);
  } catch {
    throw new ValidationError('job.payload', 'must be JSON-serialisable');
  }
  for (const key of ['sessionId', 'userId', 'dedupeKey'] as const) {
    const value = input[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 512)) throw new ValidationError(`job.${key}`, 'must be a non-empty string of at most 512 characters');
  }
  if (input.maxAttempts !== undefined && (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1 || input.maxAttempts > 100)) {
    throw new ValidationError('job.maxAttempts', 'must be an integer from 1 to 100');
  }
}

/**
 * The store-persisted job queue (SQLite rows, Neo4j nodes or process memory, through a
 * {@link JobStore}): an acknowledged `enqueue` is durable, so a crash loses no queued job. Workers
 * poll for due jobs, claim them atomically with a lease (renewed while they run), retry failures
 * with exponential backoff and jitter, and re-queue jobs whose worker died once the lease ran out.
 * Delivery is at least once: a job whose process died mid-run runs again (handlers should be idempotent).
 */
export class PersistedJobQueue implements JobQueue {
  readonly backend: string;
  readonly #store: JobStore;
  readonly #t: Required<Omit<JobQueueTuning, 'logger' | 'now' | 'random'>>;
  readonly #logger: Pick<Logger, 'debug' | 'warn'>;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #owner = uuidV7();
  #handlers: Record<string, JobHandler> | undefined;
  #state: 'new' | 'ready' | 'started' | 'closing' | 'closed' = 'new';
  #setupPromise: Promise<void> | undefined;
  readonly #running = new Map<string, Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  #pumping = false;
  #again = false;
  /** When this worker last re-queued expired leases (at most every min(1 s, lease / 2)). */
  #lastRecover = 0;

  constructor(store: JobStore, tuning: JobQueueTuning = {}) {
    this.backend = store.backend;
    this.#store = store;
    const jitter = tuning.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter <= 1)) throw new ValidationError('jitter', 'must be between 0 and 1');
    this.#t = {
      concurrency: positiveInt('concurrency', tuning.concurrency, 4),
      maxQueued: positiveInt('maxQueued', tuning.maxQueued, 10_000),
      maxAttempts: positiveInt('maxAttempts', tuning.maxAttempts, 5),
      backoffMs: positiveInt('backoffMs', tuning.backoffMs, 500, 0),
      maxBackoffMs: positiveInt('maxBackoffMs', tuning.maxBackoffMs, 60_000, 0),
      jitter,
      leaseMs: positiveInt('leaseMs', tuning.leaseMs, 30_000),
      pollMs: positiveInt('pollMs', tuning.pollMs, 100),
      closeTimeoutMs: positiveInt('closeTimeoutMs', tuning.closeTimeoutMs, 10_000, 0),
    };
    this.#logger = tuning.logger ?? SILENT;
    this.#now = tuning.now ?? (() => new Date());
    this.#random = tuning.random ?? Math.random;
  }

  async setup(): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') throw new ClosedError('job queue', 'closed');
    this.#setupPromise ??= (async () => {
      await this.#store.setup();
      const recovered = await this.#store.recover(this.#iso());
      if (recovered > 0) this.#logger.warn('job queue: re-queued jobs of a dead worker', { recovered });
      if (this.#state === 'new') this.#state = 'ready';
    })().catch((error: unknown) => {
      this.#setupPromise = undefined;
      throw error;
    });
    return this.#setupPromise;
  }

  start(handlers: Record<string, JobHandler>): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new ClosedError('job queue', 'closed');
    if (this.#state === 'new') throw new ClosedError('job queue', 'not set up');
    this.#handlers = { ...handlers };
    if (this.#state === 'started') return;
    this.#state = 'started';
    const renewEvery = Math.max(10, Math.floor(this.#t.leaseMs / 3));
    this.#renewTimer = setInterval(() => void this.#renew(), renewEvery);
    this.#renewTimer.unref?.();
    this.#kick();
  }

  async enqueue(input: JobInput): Promise<Job> {
    if (this.#state === 'closing' || this.#state === 'closed') throw new ClosedError('job queue', 'closed');
    if (this.#state === 'new') throw new ClosedError('job queue', 'not set up');
    checkJobInput(input);
    const now = this.#iso();
    const job: Job = {
      id: uuidV7(), kind: input.kind, payload: JSON.parse(JSON.stringify(input.payload)) as Record<string, unknown>,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(input.userId !== undefined ? { userId: input.userId } : {}),
      ...(input.dedupeKey !== undefined ? { dedupeKey: input.dedupeKey } : {}),
      maxAttempts: input.maxAttempts ?? this.#t.maxAttempts,
      state: 'queued', attempts: 0, runAt: now, createdAt: now, updatedAt: now,
    };
    const stored = await this.#store.insert(job, { maxQueued: this.#t.maxQueued });
    this.#kick();
    return stored;
  }

  async flush(options: { sessionId?: string; timeoutMs?: number } = {}): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('job queue', 'closed');
    const ids = await this.#store.unfinished(options.sessionId);
    if (ids.length === 0) return;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let wait = 2;
    for (;;) {
      this.#kick();
      if ((await this.#store.countUnfinished(ids)) === 0) return;
      if (Date.now() >= deadline) throw new ValidationError('flush.timeoutMs', `jobs still unfinished after ${options.timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(this.#t.pollMs, wait * 2);
    }
  }

  stats(): Promise<JobQueueStats> {
    return this.#store.stats();
  }

  purge(filter: { userId: string }): Promise<number> {
    if (typeof filter?.userId !== 'string' || filter.userId === '') throw new ValidationError('purge.userId', 'must be a non-empty string');
    return this.#store.purge(filter);
  }

  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return;
    const wasStarted = this.#state === 'started';
    if (options.drain === true && wasStarted) await this.flush();
    this.#state = 'closing';
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const inFlight = [...this.#running.values()];
    if (inFlight.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.allSettled(inFlight), new Promise((resolve) => (timer = setTimeout(resolve, this.#t.closeTimeoutMs)))]);
      if (timer !== undefined) clearTimeout(timer);
    }
    if (this.#renewTimer !== undefined) clearInterval(this.#renewTimer);
    const left = [...this.#running.keys()];
    if (left.length > 0) {
      await this.#store.release(left, this.#owner, this.#iso()).catch((error: unknown) => this.#logger.warn('job queue: release on close failed', { error: String(error) }));
    }
    this.#state = 'closed';
    await this.#store.close();
  }

  #iso(offsetMs = 0): string {
    return new Date(this.#now().getTime() + offsetMs).toISOString();
  }

  #kick(): void {
    if (this.#state !== 'started') return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    try {
      do {
        this.#again = false;
        if (this.#state !== 'started') return;
        const free = this.#t.concurrency - this.#running.size;
        if (free <= 0) break;
        if (Date.now() - this.#lastRecover >= Math.min(1000, this.#t.leaseMs / 2)) {
          this.#lastRecover = Date.now();
          await this.#store.recover(this.#iso());
        }
        const jobs = await this.#store.claim({ now: this.#iso(), limit: free, owner: this.#owner, leaseUntil: this.#iso(this.#t.leaseMs) });
        for (const job of jobs) this.#run(job);
        if (jobs.length === free) this.#again = true;
      } while (this.#again);
    } catch (error) {
      this.#logger.warn('job queue: poll failed', { error: String(error) });
    } finally {
      this.#pumping = false;
      if (this.#state === 'started') {
        this.#timer = setTimeout(() => this.#kick(), this.#t.pollMs);
        this.#timer.unref?.();
      }
    }
  }

  #run(job: Job): void {
    const done = (async () => {
      const handler = this.#handlers?.[job.kind];
      let error: unknown;
      try {
        if (handler === undefined) throw new ValidationError('job.kind', `no handler for ${job.kind}`);
        await handler(job);
      } catch (caught) {
        error = caught ?? new ValidationError('job', 'its handler failed without an error value');
      }
      try {
        if (error === undefined) await this.#store.complete(job.id, this.#owner);
        else {
          const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
          const max = job.maxAttempts ?? this.#t.maxAttempts;
          const permanent = error instanceof ValidationError && error.field === 'job.kind';
          if (job.attempts >= max || permanent) await this.#store.fail(job.id, this.#owner, { error: message, now: this.#iso() });
          else await this.#store.retry(job.id, this.#owner, { error: message, now: this.#iso(), runAt: this.#iso(backoffDelay(job.attempts, this.#t, this.#random)) });
        }
      } catch (storeError) {
        this.#logger.warn('job queue: recording a result failed (the lease will re-queue the job)', { id: job.id, error: String(storeError) });
      }
    })().finally(() => {
      this.#running.delete(job.id);
      this.#kick();
    });
    this.#running.set(job.id, done);
  }

  async #renew(): Promise<void> {
    if (this.#running.size === 0 || this.#state === 'closed') return;
    try {
      await this.#store.renew([...this.#running.keys()], this.#owner, this.#iso(this.#t.leaseMs));
    } catch (error) {
      this.#logger.warn('job queue: lease renewal failed', { error: String(error) });
    }
  }
}
