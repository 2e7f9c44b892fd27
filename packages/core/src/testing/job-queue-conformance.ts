import { ValidationError } from '../errors/validation-error.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueFullError } from '../errors/queue-full-error.ts';
import type { Job, JobQueue } from '../spec/scheduler.ts';

/** Queue settings the suite asks for (a backend maps them to its own options). */
export interface JobQueueConformanceTuning {
  concurrency?: number;
  maxQueued?: number;
  maxAttempts?: number;
  /** Backoff before the 2nd attempt, in ms (doubling). */
  backoffMs?: number;
  /** 0 for exact backoff. */
  jitter?: number;
  /** Lease of a claimed job, in ms. */
  leaseMs?: number;
  pollMs?: number;
  closeTimeoutMs?: number;
  /** A clock for this queue instance (the lease test gives one queue a clock in the past). */
  now?: () => Date;
}

/** One test's backend: queues made from it share their persisted jobs. */
export interface JobQueueConformanceBackend {
  /** A new, not yet set up queue over this test's shared store. */
  queue(tuning: JobQueueConformanceTuning): JobQueue;
  /** Removes the test's data (queues may already be closed). */
  destroy(): Promise<void>;
}

/** Options of {@link describeJobQueueConformance}. */
export interface JobQueueConformanceOptions {
  /** Suite name, e.g. `sqlite`. */
  name: string;
  /** A fresh backend (empty store) for one test. */
  create: () => Promise<JobQueueConformanceBackend>;
  /** Whether the backend honours `now` for leases (skips the dead-worker test otherwise). Default true. */
  supportsClock?: boolean;
  /** Whether two queues of one backend share their jobs (false for a process-memory queue: skips the resume and dead-worker tests). Default true. */
  supportsSharing?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new ValidationError('condition', 'not met in time');
    await sleep(5);
  }
}

/**
 * The conformance suite of the {@link JobQueue} port (vitest): persistence, retries with backoff,
 * back-pressure, dedupe, the concurrency limit, flush, close with and without drain, and a dead
 * worker's job re-queued after its lease. Every implementation (store-persisted, BullMQ) runs it.
 */
export function describeJobQueueConformance(options: JobQueueConformanceOptions): void {
  describe(`JobQueue conformance: ${options.name}`, () => {
    let backend: JobQueueConformanceBackend;
    const opened: JobQueue[] = [];
    const make = async (tuning: JobQueueConformanceTuning = {}): Promise<JobQueue> => {
      const queue = backend.queue({ pollMs: 20, ...tuning });
      opened.push(queue);
      await queue.setup();
      return queue;
    };

    beforeEach(async () => {
      backend = await options.create();
    });
    afterEach(async () => {
      for (const queue of opened.splice(0)) await queue.close({ drain: false }).catch(() => undefined);
      await backend.destroy();
    });

    it('persists an acknowledged job, runs it once with its payload, and counts it done', async () => {
      const queue = await make();
      const job = await queue.enqueue({ kind: 'echo', payload: { n: 1, nested: { a: [1, 2] } }, sessionId: 's1', userId: 'u1' });
      expect(job).toMatchObject({ kind: 'echo', state: 'queued', attempts: 0, sessionId: 's1', userId: 'u1' });
      expect((await queue.stats()).queued).toBe(1);
      const seen: Job[] = [];
      queue.start({ echo: async (j) => void seen.push(j) });
      await queue.flush({ sessionId: 's1' });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ id: job.id, payload: { n: 1, nested: { a: [1, 2] } }, attempts: 1, state: 'running' });
      expect(await queue.stats()).toMatchObject({ queued: 0, running: 0, done: 1, failed: 0 });
    });

    it('retries a failing job with exponential backoff until it succeeds', async () => {
      const queue = await make({ backoffMs: 40, jitter: 0 });
      const times: number[] = [];
      queue.start({
        flaky: async () => {
          times.push(Date.now());
          if (times.length < 3) throw new ValidationError('job', `boom ${times.length}`);
        },
      });
      await queue.enqueue({ kind: 'flaky', payload: {}, maxAttempts: 5 });
      await queue.flush({ timeoutMs: 10_000 });
      expect(times).toHaveLength(3);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(35);
      expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(75);
      expect(await queue.stats()).toMatchObject({ done: 1, failed: 0, retried: 2 });
    });

    it('fails a job for good after maxAttempts, keeping the last error', async () => {
      const queue = await make({ backoffMs: 1, jitter: 0 });
      let calls = 0;
      queue.start({
        bad: async () => {
          calls += 1;
          throw new ValidationError('job', 'always');
        },
      });
      await queue.enqueue({ kind: 'bad', payload: {}, maxAttempts: 2 });
      await queue.flush({ timeoutMs: 10_000 });
      expect(calls).toBe(2);
      expect(await queue.stats()).toMatchObject({ queued: 0, running: 0, failed: 1, done: 0 });
    });

    it('a job of an unknown kind fails without retries', async () => {
      const queue = await make({ backoffMs: 1 });
      queue.start({});
      await queue.enqueue({ kind: 'nobody-handles-this', payload: {}, maxAttempts: 3 });
      await queue.flush({ timeoutMs: 10_000 });
      expect((await queue.stats()).failed).toBe(1);
    });

    it('back-pressure: rejects with QueueFullError (limit, actual) and writes nothing', async () => {
      const queue = await make({ maxQueued: 3 });
      for (let i = 0; i < 3; i += 1) await queue.enqueue({ kind: 'x', payload: { i } });
      const error = await queue.enqueue({ kind: 'x', payload: { i: 3 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueueFullError);
      expect(error).toMatchObject({ limit: 3, actual: 3, code: 'MEMOS_QUEUE_FULL', isRetryable: true });
      expect((await queue.stats()).queued).toBe(3);
      const ran: number[] = [];
      queue.start({ x: async (job) => void ran.push(Number(job.payload['i'])) });
      await queue.flush();
      expect(ran.sort()).toEqual([0, 1, 2]);
      await expect(queue.enqueue({ kind: 'x', payload: { i: 4 } })).resolves.toMatchObject({ state: 'queued' });
    });

    it('a queued job with the same dedupeKey is replaced, not repeated', async () => {
      const queue = await make();
      const first = await queue.enqueue({ kind: 'd', payload: { v: 1 }, dedupeKey: 'k' });
      const second = await queue.enqueue({ kind: 'd', payload: { v: 2 }, dedupeKey: 'k' });
      await queue.enqueue({ kind: 'd', payload: { v: 9 }, dedupeKey: 'other' });
      expect(second.id).toBe(first.id);
      expect((await queue.stats()).queued).toBe(2);
      const ran: unknown[] = [];
      queue.start({ d: async (job) => void ran.push(job.payload['v']) });
      await queue.flush();
      expect(ran.sort()).toEqual([2, 9]);
    });

    it('never runs more jobs at once than the concurrency limit', async () => {
      const queue = await make({ concurrency: 2 });
      let active = 0;
      let peak = 0;
      for (let i = 0; i < 8; i += 1) await queue.enqueue({ kind: 'slow', payload: { i } });
      queue.start({
        slow: async () => {
          active += 1;
          peak = Math.max(peak, active);
          await sleep(60);
          active -= 1;
        },
      });
      await queue.flush({ timeoutMs: 20_000 });
      expect(peak).toBe(2);
      expect((await queue.stats()).done).toBe(8);
    });

    it('flush({ sessionId }) waits for that session only', async () => {
      const queue = await make({ concurrency: 4 });
      let release: () => void = () => {};
      const blocked = new Promise<void>((resolve) => (release = resolve));
      const done: string[] = [];
      queue.start({
        block: async () => blocked,
        quick: async (job) => {
          await sleep(20);
          done.push(String(job.sessionId));
        },
      });
      await queue.enqueue({ kind: 'block', payload: {}, sessionId: 'B' });
      await queue.enqueue({ kind: 'quick', payload: {}, sessionId: 'A' });
      await queue.flush({ sessionId: 'A', timeoutMs: 5_000 });
      expect(done).toEqual(['A']);
      expect((await queue.stats()).running).toBe(1);
      await expect(queue.flush({ sessionId: 'B', timeoutMs: 100 })).rejects.toThrow();
      release();
      await queue.flush({ sessionId: 'B', timeoutMs: 5_000 });
    });

    it.runIf(options.supportsSharing !== false)('close({ drain: false }) keeps queued jobs persisted; the next queue resumes them; drain: true runs them', async () => {
      const first = await make();
      for (let i = 0; i < 5; i += 1) await first.enqueue({ kind: 'p', payload: { i }, sessionId: 'keep' });
      await first.close({ drain: false });
      const second = await make();
      expect((await second.stats()).queued).toBe(5);
      const ran: number[] = [];
      second.start({ p: async (job) => void ran.push(Number(job.payload['i'])) });
      await second.enqueue({ kind: 'p', payload: { i: 5 } });
      await second.close({ drain: true });
      expect(ran.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      await expect(second.enqueue({ kind: 'p', payload: {} })).rejects.toMatchObject({ code: 'MEMOS_CLOSED' });
    });

    it('purge({ userId }) removes that user\'s queued and failed jobs only', async () => {
      const queue = await make({ backoffMs: 1 });
      if (queue.purge === undefined) return;
      await queue.enqueue({ kind: 'x', payload: { secret: 'a' }, userId: 'u1' });
      await queue.enqueue({ kind: 'x', payload: {}, userId: 'u2' });
      await queue.enqueue({ kind: 'x', payload: {}, userId: 'u1', sessionId: 's' });
      expect(await queue.purge({ userId: 'u1' })).toBe(2);
      expect((await queue.stats()).queued).toBe(1);
      const ran: unknown[] = [];
      queue.start({ x: async (job) => void ran.push(job.userId) });
      await queue.flush();
      expect(ran).toEqual(['u2']);
    });

    it('rejects invalid jobs with a ValidationError and stores nothing', async () => {
      const queue = await make();
      await expect(queue.enqueue({ kind: '', payload: {} })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION' });
      await expect(queue.enqueue({ kind: 'x', payload: null as unknown as Record<string, unknown> })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION' });
      await expect(queue.enqueue({ kind: 'x', payload: {}, maxAttempts: 0 })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION' });
      expect((await queue.stats()).queued).toBe(0);
    });

    it.runIf(options.supportsClock !== false && options.supportsSharing !== false)('re-queues a dead worker\'s job after its lease and runs it once more, exactly once', async () => {
      // The "dead" worker's clock is an hour behind, so its lease is long over for everyone else.
      const past = (): Date => new Date(Date.now() - 3_600_000);
      // concurrency 1: the hanging job fills it, so the "dead" worker claims nothing more.
      const dead = await make({ now: past, leaseMs: 1_000, closeTimeoutMs: 0, concurrency: 1 });
      let started = false;
      dead.start({ job: async () => {
        started = true;
        await new Promise(() => {});
      } });
      await dead.enqueue({ kind: 'job', payload: {} });
      await until(() => started);
      const alive = await make({ leaseMs: 60_000 });
      const ran: Job[] = [];
      alive.start({ job: async (job) => void ran.push(job) });
      await alive.flush({ timeoutMs: 10_000 });
      expect(ran).toHaveLength(1);
      expect(ran[0]?.attempts).toBe(2);
      expect(await alive.stats()).toMatchObject({ queued: 0, running: 0, done: 1 });
    });
  });
}
