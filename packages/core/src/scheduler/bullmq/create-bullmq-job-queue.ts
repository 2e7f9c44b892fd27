import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ClosedError } from '../../errors/closed-error.ts';
import { MemosError } from '../../errors/memos-error.ts';
import { QueueFullError } from '../../errors/queue-full-error.ts';
import { StorageError } from '../../errors/storage-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { Job, JobHandler, JobInput, JobQueue, JobQueueStats, JobState } from '../../spec/scheduler.ts';
import { loadBullmq, type BullmqModule } from './load-bullmq.ts';

type BullQueue = InstanceType<BullmqModule['Queue']>;
type BullWorker = InstanceType<BullmqModule['Worker']>;
type BullJob = InstanceType<BullmqModule['Job']>;

/** Options of {@link createBullMqJobQueue}. */
export interface BullMqJobQueueOptions {
  /** Redis server, `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Redis >= 6.2. */
  url: string;
  /** Queue name; every app instance that shares the work uses the same name (default `memos-jobs`). */
  name?: string;
  /** Redis key prefix (default `memos`). */
  prefix?: string;
  /** Jobs this instance runs at the same time (default 4). */
  concurrency?: number;
  /**
   * Most unfinished (queued, delayed for a retry, or running) jobs the queue holds, across all instances;
   * `enqueue` beyond it rejects with `QueueFullError` (default 10 000). A soft limit: instances enqueueing at
   * the same moment may overshoot it by their number of concurrent `enqueue` calls.
   */
  maxQueued?: number;
  /** Default of `JobInput.maxAttempts`, the first attempt included (default 5). */
  maxAttempts?: number;
  /**
   * Backoff before the 2nd attempt in ms, doubling each attempt up to `maxBackoffMs`, less a random share of
   * up to `jitter` (the store-persisted queue's formula, as a BullMQ custom backoff). Defaults 500, 60 000, 0.2.
   */
  backoffMs?: number;
  maxBackoffMs?: number;
  jitter?: number;
  /**
   * BullMQ's lock of a running job, renewed every `leaseMs / 2` by its instance (default 30 000). When the
   * instance dies, the lock lapses and a stalled-job check (every `leaseMs` on each instance) re-queues it.
   */
  leaseMs?: number;
  /** `close({ drain: false })` waits this long for running handlers, then closes anyway and their jobs are re-queued after `leaseMs` (default 10 000). */
  closeTimeoutMs?: number;
  /** Random source of the jitter (tests). */
  random?: () => number;
  /**
   * Failed jobs kept in Redis for inspection (default 1000; `purge` removes a user's). Done jobs are removed at
   * once (their payloads may hold a user's text); `stats` counts both with Redis counters.
   */
  keepFinished?: number;
  /** How often `flush` polls the states of the jobs it waits for (default 25 ms). */
  pollMs?: number;
}

/** What a job stores in Redis (`Job.data`); its kind is the BullMQ job name. */
interface StoredJobData {
  payload: Record<string, unknown>;
  sessionId?: string;
  userId?: string;
  dedupeKey?: string;
}

const optionsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional(),
  prefix: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional(),
  concurrency: z.number().int().min(1).max(1000).optional(),
  maxQueued: z.number().int().min(1).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  backoffMs: z.number().int().min(0).max(3_600_000).optional(),
  maxBackoffMs: z.number().int().min(0).optional(),
  jitter: z.number().min(0).max(1).optional(),
  leaseMs: z.number().int().min(100).optional(),
  closeTimeoutMs: z.number().int().min(0).optional(),
  random: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
  keepFinished: z.number().int().min(0).optional(),
  pollMs: z.number().int().min(1).max(10_000).optional(),
});

const jobInputSchema = z.object({
  kind: z.string().min(1).max(200),
  payload: z.record(z.string(), z.unknown()),
  sessionId: z.string().min(1).max(500).optional(),
  userId: z.string().min(1).max(500).optional(),
  dedupeKey: z.string().min(1).max(500).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
});

/** BullMQ states of a job that has not finished. */
const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;
const BACKEND = 'bullmq';
/** A Lua INCR (BullMQ's client interface has no plain INCR). */
const INCR_COMMAND = 'memosIncr';
const FLUSH_BATCH = 200;

/**
 * A {@link JobQueue} over BullMQ and Redis, for deployments with several app instances: every instance that
 * opens the same `url` + `name` shares one queue, each job runs exactly once on one of them, and queued jobs
 * live in Redis, so they survive the restart of every instance (a job whose instance crashed mid-run is taken
 * up again by BullMQ's stalled-job check after its lock expires, ~30 s).
 *
 * Mapping of the port: `enqueue` resolves once Redis holds the job; retries are BullMQ attempts with
 * exponential backoff; `concurrency` is the Worker's; a `dedupeKey` whose earlier job is still waiting replaces
 * that job under the same id (a running or finished one is left alone, and the new job gets its own id; two
 * instances enqueueing the same key at the same moment may both queue it); `flush` snapshots the unfinished
 * jobs in Redis (of every instance, filtered by `sessionId`) and waits until each is done or failed; `stats`
 * are Redis-wide (gauges from BullMQ's job counts, done/failed/retried as Redis counters).
 *
 * Needs the optional peer dependency `bullmq` (`npm install bullmq`), loaded on `setup()`.
 */
export function createBullMqJobQueue(options: BullMqJobQueueOptions): JobQueue {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`options.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
  }
  const name = options.name ?? 'memos-jobs';
  const prefix = options.prefix ?? 'memos';
  const concurrency = options.concurrency ?? 4;
  const maxQueued = options.maxQueued ?? 10_000;
  const defaultAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const jitter = options.jitter ?? 0.2;
  const leaseMs = options.leaseMs ?? 30_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const random = options.random ?? Math.random;
  const keepFinished = options.keepFinished ?? 1000;
  const pollMs = options.pollMs ?? 25;
  const connection = connectionFromUrl(options.url);
  const counterKey = (what: 'done' | 'failed' | 'retried'): string => `${prefix}:${name}:memos:${what}`;
  const dedupeKeyOf = (key: string): string => `${prefix}:${name}:memos:dedupe:${key}`;

  let bull: BullmqModule | undefined;
  let queue: BullQueue | undefined;
  let worker: BullWorker | undefined;
  let settingUp: Promise<void> | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  /** Handlers running in this instance. */
  const running = new Set<Promise<unknown>>();

  const ready = (): { bull: BullmqModule; queue: BullQueue } => {
    if (closed) throw new ClosedError('BullMQ job queue', 'closed');
    if (!bull || !queue) throw new ClosedError('BullMQ job queue', 'not set up');
    return { bull, queue };
  };

  const redisFailure = (operation: string, error: unknown): never => {
    if (MemosError.isInstance(error)) throw error;
    throw new StorageError(BACKEND, operation, error instanceof Error ? error.message : String(error), { cause: error, isRetryable: true });
  };

  const incr = async (what: 'done' | 'failed' | 'retried'): Promise<void> => {
    const client = await ready().queue.client;
    await client.runCommand(INCR_COMMAND, [counterKey(what)]);
  };

  const processor = (handlers: Record<string, JobHandler>) => async (bj: BullJob): Promise<unknown> => {
    const handler = Object.hasOwn(handlers, bj.name) ? handlers[bj.name] : undefined;
    if (!handler) {
      await incr('failed');
      throw new (ready().bull.UnrecoverableError)(`no handler for job kind "${bj.name}"`);
    }
    const run = handler(toJob(bj, 'running', bj.attemptsStarted || bj.attemptsMade + 1));
    running.add(run);
    try {
      await run;
    } catch (error) {
      const final = bj.attemptsMade + 1 >= (bj.opts.attempts ?? 1);
      await incr(final ? 'failed' : 'retried');
      // BullMQ keeps only the message (stackTraceLimit 0: no stack; the payload is never part of it).
      throw error instanceof Error ? error : new StorageError(BACKEND, 'job', String(error));
    } finally {
      running.delete(run);
    }
    await incr('done');
    return undefined;
  };

  const unfinishedCount = async (q: BullQueue): Promise<number> => {
    const counts = await q.getJobCounts(...UNFINISHED);
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  const flush = async (opts: { sessionId?: string; timeoutMs?: number } = {}): Promise<void> => {
    const { queue: q } = ready();
    const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    let pending: string[];
    try {
      const jobs = await q.getJobs([...UNFINISHED]);
      pending = jobs
        .filter((j): j is BullJob => Boolean(j) && (opts.sessionId === undefined || (j.data as StoredJobData).sessionId === opts.sessionId))
        .map((j) => String(j.id));
    } catch (error) {
      return redisFailure('flush', error);
    }
    while (pending.length > 0) {
      // Oldest first, at most FLUSH_BATCH states per round: a long queue costs no more Redis calls per poll.
      const batch = pending.slice(0, FLUSH_BATCH);
      let states: string[];
      try {
        states = await Promise.all(batch.map((id) => q.getJobState(id)));
      } catch (error) {
        return redisFailure('flush', error);
      }
      const finished = new Set(batch.filter((_, i) => ['completed', 'failed', 'unknown'].includes(String(states[i]))));
      pending = pending.filter((id) => !finished.has(id));
      if (pending.length === 0) return;
      if (finished.size === batch.length) continue;
      if (Date.now() >= deadline) {
        // As the store-persisted queue does.
        throw new ValidationError('flush.timeoutMs', `${pending.length} jobs still unfinished after ${opts.timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };

  return {
    backend: BACKEND,

    async setup(): Promise<void> {
      if (closed) throw new ClosedError('BullMQ job queue', 'closed');
      settingUp ??= (async () => {
        bull = await loadBullmq();
        const q = new bull.Queue(name, { connection, prefix });
        q.on('error', () => undefined); // connection errors surface as rejected calls
        try {
          const client = await q.waitUntilReady();
          client.defineCommand(INCR_COMMAND, { numberOfKeys: 1, lua: "return redis.call('INCR', KEYS[1])" });
        } catch (error) {
          await q.close().catch(() => undefined);
          settingUp = undefined;
          redisFailure('setup', error);
        }
        queue = q;
      })();
      await settingUp;
    },

    start(handlers: Record<string, JobHandler>): void {
      const { bull: b } = ready();
      if (worker) return;
      const w: BullWorker = new b.Worker<unknown, unknown>(name, processor({ ...handlers }), {
        connection,
        prefix,
        concurrency,
        autorun: true,
        lockDuration: leaseMs,
        stalledInterval: leaseMs,
        settings: {
          backoffStrategy: (attemptsMade: number) =>
            Math.max(0, Math.round(Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, attemptsMade - 1)) * (1 - jitter * random()))),
        },
      });
      w.on('error', () => undefined);
      worker = w;
    },

    async enqueue(input: JobInput): Promise<Job> {
      const { queue: q } = ready();
      const checked = jobInputSchema.safeParse(input);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new ValidationError(`job.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'invalid');
      }
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(JSON.stringify(input.payload)) as Record<string, unknown>;
      } catch (error) {
        throw new ValidationError('job.payload', 'must be JSON-serialisable', { cause: error });
      }
      try {
        const client = await q.client;
        let jobId: string = randomUUID();
        let replaced = false;
        if (input.dedupeKey !== undefined) {
          const previous = await client.get(dedupeKeyOf(input.dedupeKey));
          const state = previous ? await q.getJobState(previous) : 'unknown';
          if (previous && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
            // remove() refuses a job a worker has just locked: then that one runs, and the new one after it.
            replaced = (await q.remove(previous).catch(() => 0)) === 1;
            if (replaced) jobId = previous;
          }
        }
        if (!replaced) {
          const unfinished = await unfinishedCount(q);
          if (unfinished >= maxQueued) throw new QueueFullError(maxQueued, unfinished);
        }
        const data: StoredJobData = { payload };
        if (input.sessionId !== undefined) data.sessionId = input.sessionId;
        if (input.userId !== undefined) data.userId = input.userId;
        if (input.dedupeKey !== undefined) data.dedupeKey = input.dedupeKey;
        const bj = await q.add(input.kind, data, {
          jobId,
          attempts: input.maxAttempts ?? defaultAttempts,
          backoff: { type: 'custom' },
          removeOnComplete: true,
          removeOnFail: { count: keepFinished },
          stackTraceLimit: 0,
        });
        if (input.dedupeKey !== undefined && !replaced) await client.set(dedupeKeyOf(input.dedupeKey), String(bj.id));
        return toJob(bj, 'queued', 0);
      } catch (error) {
        return redisFailure('enqueue', error);
      }
    },

    flush,

    async stats(): Promise<JobQueueStats> {
      const { queue: q } = ready();
      try {
        const counts = await q.getJobCounts(...UNFINISHED);
        const client = await q.client;
        const [done, failed, retried] = await Promise.all([counterKey('done'), counterKey('failed'), counterKey('retried')].map((k) => client.get(k)));
        return {
          queued: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0) + (counts['waiting-children'] ?? 0),
          running: counts.active ?? 0,
          done: Number(done ?? 0),
          failed: Number(failed ?? 0),
          retried: Number(retried ?? 0),
        };
      } catch (error) {
        return redisFailure('stats', error);
      }
    },

    async purge(filter: { userId: string }): Promise<number> {
      const { queue: q } = ready();
      if (typeof filter?.userId !== 'string' || filter.userId === '') throw new ValidationError('purge.userId', 'must be a non-empty string');
      try {
        const jobs = await q.getJobs(['waiting', 'delayed', 'prioritized', 'paused', 'failed', 'completed']);
        let removed = 0;
        for (const job of jobs) {
          if (!job || (job.data as StoredJobData).userId !== filter.userId) continue;
          // remove() refuses a job a worker has locked meanwhile: running jobs finish (as the port says).
          if ((await q.remove(String(job.id)).catch(() => 0)) === 1) removed += 1;
        }
        return removed;
      } catch (error) {
        return redisFailure('purge', error);
      }
    },

    async close(opts: { drain?: boolean } = {}): Promise<void> {
      closing ??= (async () => {
        if (settingUp) await settingUp.catch(() => undefined);
        try {
          if (opts.drain && worker && queue) await flush();
        } finally {
          closed = true;
          let force = false;
          if (worker) {
            await worker.pause(true); // takes no more jobs
            let timer: ReturnType<typeof setTimeout> | undefined;
            const timedOut = await Promise.race([
              Promise.allSettled([...running]).then(() => false),
              new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), closeTimeoutMs))),
            ]);
            if (timer !== undefined) clearTimeout(timer);
            force = timedOut && running.size > 0;
          }
          await worker?.close(force);
          await queue?.close();
          worker = undefined;
          queue = undefined;
        }
      })();
      await closing;
    },
  };
}

/** The port's view of a BullMQ job. */
function toJob(bj: BullJob, state: JobState, attempts: number): Job {
  const data = bj.data as StoredJobData;
  const iso = (ms: number | undefined): string => new Date(ms ?? Date.now()).toISOString();
  const job: Job = {
    id: String(bj.id),
    kind: bj.name,
    payload: data.payload,
    maxAttempts: bj.opts.attempts ?? 1,
    state,
    attempts,
    runAt: iso(bj.timestamp + (bj.delay ?? 0)),
    createdAt: iso(bj.timestamp),
    updatedAt: iso(bj.finishedOn ?? bj.processedOn ?? bj.timestamp),
  };
  if (data.sessionId !== undefined) job.sessionId = data.sessionId;
  if (data.userId !== undefined) job.userId = data.userId;
  if (data.dedupeKey !== undefined) job.dedupeKey = data.dedupeKey;
  if (bj.failedReason) job.lastError = bj.failedReason;
  return job;
}

/** ioredis connection options from a redis:// or rediss:// URL. */
function connectionFromUrl(url: string): { host: string; port: number; username?: string; password?: string; db?: number; tls?: object } {
  const u = new URL(url);
  const out: { host: string; port: number; username?: string; password?: string; db?: number; tls?: object } = {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
  };
  if (u.username) out.username = decodeURIComponent(u.username);
  if (u.password) out.password = decodeURIComponent(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) {
    const n = Number(db);
    if (!Number.isInteger(n) || n < 0) throw new ValidationError('options.url', `database "${db}" is not a number`);
    out.db = n;
  }
  if (u.protocol === 'rediss:') out.tls = {};
  return out;
}
