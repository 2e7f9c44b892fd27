import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ClosedError } from '../../errors/closed-error.ts';
import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import { QueueFullError } from '../../errors/queue-full-error.ts';
import { ValidationError } from '../../errors/validation-error.ts';
import type { Job, JobQueue } from '../../spec/scheduler.ts';
import { createBullMqJobQueue, type BullMqJobQueueOptions } from './create-bullmq-job-queue.ts';
import { loadBullmq } from './load-bullmq.ts';

const redisUrl = inject('redisUrl');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opened: JobQueue[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
});

/** One "app instance": a queue on the shared Redis (a fresh queue name per test unless given). */
async function open(options: Partial<BullMqJobQueueOptions> = {}): Promise<JobQueue> {
  const q = createBullMqJobQueue({ url: redisUrl, name: `t-${randomUUID()}`, backoffMs: 10, jitter: 0, pollMs: 10, ...options });
  opened.push(q);
  await q.setup();
  return q;
}

describe('createBullMqJobQueue (real Redis)', () => {
  it('runs an enqueued job with its payload and identity; flush waits for it; stats count it', async () => {
    const q = await open();
    await q.setup(); // idempotent
    const seen: Job[] = [];
    const job = await q.enqueue({ kind: 'extract', payload: { text: 'hi', n: 1 }, sessionId: 's1', userId: 'u1' });
    expect(job).toMatchObject({ kind: 'extract', state: 'queued', attempts: 0, sessionId: 's1', userId: 'u1', maxAttempts: 5 });
    expect(typeof job.id).toBe('string');
    expect(await q.stats()).toMatchObject({ queued: 1, running: 0, done: 0 });
    q.start({
      extract: async (j) => {
        await sleep(30);
        seen.push(j);
      },
    });
    await q.flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: job.id, kind: 'extract', payload: { text: 'hi', n: 1 }, sessionId: 's1', userId: 'u1', state: 'running', attempts: 1 });
    expect(await q.stats()).toEqual({ queued: 0, running: 0, done: 1, failed: 0, retried: 0 });
  });

  it('retries a failing job with exponential backoff until it succeeds, and fails it after maxAttempts', async () => {
    const q = await open({ backoffMs: 40 });
    const attemptsAt: number[] = [];
    let flaky = 0;
    q.start({
      flaky: async () => {
        attemptsAt.push(Date.now());
        flaky += 1;
        if (flaky < 3) throw new Error(`boom ${flaky}`);
      },
      broken: async () => {
        throw new Error('always broken');
      },
    });
    await q.enqueue({ kind: 'flaky', payload: {}, maxAttempts: 3 });
    await q.enqueue({ kind: 'broken', payload: {}, maxAttempts: 2 });
    await q.flush({ timeoutMs: 10_000 });
    expect(flaky).toBe(3);
    // backoff: ~40 ms before the 2nd attempt, ~80 ms before the 3rd
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(35);
    expect(attemptsAt[2]! - attemptsAt[1]!).toBeGreaterThanOrEqual(75);
    expect(await q.stats()).toEqual({ queued: 0, running: 0, done: 1, failed: 1, retried: 3 });
  });

  it('fails a job of an unknown kind without retrying it', async () => {
    const q = await open();
    q.start({});
    await q.enqueue({ kind: 'nobody-handles-this', payload: {}, maxAttempts: 5 });
    await q.flush({ timeoutMs: 10_000 });
    expect(await q.stats()).toMatchObject({ failed: 1, retried: 0, done: 0 });
  });

  it('runs at most `concurrency` jobs at once', async () => {
    const q = await open({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 6; i++) await q.enqueue({ kind: 'slow', payload: { i } });
    q.start({
      slow: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(60);
        running -= 1;
      },
    });
    await q.flush({ timeoutMs: 10_000 });
    expect(peak).toBe(2);
    expect((await q.stats()).done).toBe(6);
  });

  it('dedupeKey: a queued job with the same key is replaced, not repeated', async () => {
    const q = await open();
    await q.enqueue({ kind: 'reorganize', payload: { v: 1 }, dedupeKey: 'cube-1' });
    await q.enqueue({ kind: 'reorganize', payload: { v: 2 }, dedupeKey: 'cube-1' });
    await q.enqueue({ kind: 'reorganize', payload: { v: 3 }, dedupeKey: 'cube-1' });
    await q.enqueue({ kind: 'reorganize', payload: { v: 9 }, dedupeKey: 'cube-2' });
    expect((await q.stats()).queued).toBe(2);
    const payloads: unknown[] = [];
    q.start({ reorganize: async (j) => void payloads.push(j.payload) });
    await q.flush({ timeoutMs: 10_000 });
    expect(payloads.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ v: 3 }, { v: 9 }]);
  });

  it('back-pressure: QueueFullError at maxQueued unfinished jobs, and nothing is enqueued', async () => {
    const q = await open({ maxQueued: 2 });
    await q.enqueue({ kind: 'a', payload: {} });
    await q.enqueue({ kind: 'a', payload: {} });
    const err = await q.enqueue({ kind: 'a', payload: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ code: 'MEMOS_QUEUE_FULL', limit: 2, actual: 2, isRetryable: true });
    expect((await q.stats()).queued).toBe(2);
    q.start({ a: async () => undefined });
    await q.flush({ timeoutMs: 10_000 });
    await expect(q.enqueue({ kind: 'a', payload: {} })).resolves.toMatchObject({ state: 'queued' });
  });

  it('flush({ sessionId }) waits for that session only', async () => {
    const q = await open({ concurrency: 2 });
    let releaseB!: () => void;
    const gateB = new Promise<void>((r) => (releaseB = r));
    const done: string[] = [];
    q.start({
      turn: async (j) => {
        if (j.sessionId === 'B') await gateB;
        else await sleep(50);
        done.push(String(j.sessionId));
      },
    });
    await q.enqueue({ kind: 'turn', payload: {}, sessionId: 'B' });
    await q.enqueue({ kind: 'turn', payload: {}, sessionId: 'A' });
    await q.flush({ sessionId: 'A', timeoutMs: 10_000 });
    expect(done).toEqual(['A']);
    await expect(q.flush({ sessionId: 'B', timeoutMs: 100 })).rejects.toMatchObject({ code: 'MEMOS_VALIDATION', field: 'flush.timeoutMs' });
    releaseB();
    await q.flush({ sessionId: 'B', timeoutMs: 10_000 });
    expect(done).toEqual(['A', 'B']);
  });

  it('rejects bad input with ValidationError and writes nothing', async () => {
    const q = await open();
    await expect(q.enqueue({ kind: '', payload: {} })).rejects.toBeInstanceOf(ValidationError);
    await expect(q.enqueue({ kind: 'x', payload: [] as unknown as Record<string, unknown> })).rejects.toBeInstanceOf(ValidationError);
    await expect(q.enqueue({ kind: 'x', payload: {}, maxAttempts: 0 })).rejects.toBeInstanceOf(ValidationError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(q.enqueue({ kind: 'x', payload: cyclic })).rejects.toBeInstanceOf(ValidationError);
    expect(await q.stats()).toEqual({ queued: 0, running: 0, done: 0, failed: 0, retried: 0 });
    expect(() => createBullMqJobQueue({ url: 'http://127.0.0.1:1' })).toThrow(ValidationError);
    expect(() => createBullMqJobQueue({ url: redisUrl, concurrency: 0 })).toThrow(ValidationError);
  });

  it('two app instances on one Redis queue run each job exactly once, both doing work', async () => {
    const name = `shared-${randomUUID()}`;
    const a = await open({ name, concurrency: 1 });
    const b = await open({ name, concurrency: 1 });
    const runs: Array<{ by: string; n: number }> = [];
    const handler = (by: string) => async (j: Job) => {
      await sleep(15);
      runs.push({ by, n: Number(j.payload.n) });
    };
    a.start({ work: handler('a') });
    b.start({ work: handler('b') });
    for (let n = 0; n < 40; n++) await (n % 2 ? a : b).enqueue({ kind: 'work', payload: { n } });
    await a.flush({ timeoutMs: 20_000 });
    await b.flush({ timeoutMs: 20_000 });
    expect(runs.map((r) => r.n).sort((x, y) => x - y)).toEqual([...Array(40).keys()]);
    expect(runs.filter((r) => r.by === 'a').length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.by === 'b').length).toBeGreaterThan(0);
    expect(await a.stats()).toEqual({ queued: 0, running: 0, done: 40, failed: 0, retried: 0 });
  });

  it('queued jobs survive closing every instance and run when a new instance starts', async () => {
    const name = `persist-${randomUUID()}`;
    const first = await open({ name });
    const second = await open({ name });
    await first.enqueue({ kind: 'write', payload: { n: 1 }, sessionId: 's' });
    await second.enqueue({ kind: 'write', payload: { n: 2 }, sessionId: 's' });
    await first.close(); // no drain: the jobs stay in Redis
    await second.close();
    await expect(first.enqueue({ kind: 'write', payload: {} })).rejects.toBeInstanceOf(ClosedError);

    const later = await open({ name });
    expect((await later.stats()).queued).toBe(2);
    const seen: number[] = [];
    later.start({ write: async (j) => void seen.push(Number(j.payload.n)) });
    await later.flush({ sessionId: 's', timeoutMs: 10_000 });
    expect(seen.sort()).toEqual([1, 2]);
  });

  it('a job whose instance was killed mid-run is re-queued after its lease and runs once more on another instance', async () => {
    const name = `crash-${randomUUID()}`;
    const moduleUrl = pathToFileURL(new URL('./create-bullmq-job-queue.ts', import.meta.url).pathname).href;
    // A separate "app instance" process: enqueues one job, starts it, reports, and hangs in the handler.
    const script = `
      const { createBullMqJobQueue } = await import(${JSON.stringify(moduleUrl)});
      const q = createBullMqJobQueue({ url: ${JSON.stringify(redisUrl)}, name: ${JSON.stringify(name)}, leaseMs: 500 });
      await q.setup();
      q.start({ job: async (j) => { process.stdout.write('started ' + j.attempts + '\\n'); await new Promise(() => {}); } });
      await q.enqueue({ kind: 'job', payload: { n: 7 } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('started 1')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before starting the job`)));
        setTimeout(() => reject(new Error('worker process did not start the job in 15 s')), 15_000).unref();
      });
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));

    const survivor = await open({ name, leaseMs: 500 });
    expect(await survivor.stats()).toMatchObject({ running: 1, queued: 0 }); // still locked by the dead process
    const ran: Job[] = [];
    survivor.start({ job: async (j) => void ran.push(j) });
    await survivor.flush({ timeoutMs: 15_000 });
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ payload: { n: 7 }, attempts: 2 });
    expect(await survivor.stats()).toMatchObject({ queued: 0, running: 0, done: 1, failed: 0 });
  });

  it("purge({ userId }) removes that user's queued and failed jobs from Redis; done jobs leave no payload behind", async () => {
    const name = `purge-${randomUUID()}`;
    const worker = await open({ name });
    worker.start({ fail: async () => Promise.reject(new Error('nope')), ok: async () => undefined });
    await worker.enqueue({ kind: 'fail', payload: { secret: 'failed text' }, userId: 'u1', maxAttempts: 1 });
    await worker.enqueue({ kind: 'ok', payload: { secret: 'done text' }, userId: 'u1' });
    await worker.flush({ timeoutMs: 10_000 });
    await worker.close();
    const q = await open({ name }); // not started: what it enqueues stays queued
    await q.enqueue({ kind: 'x', payload: { secret: 'queued text' }, userId: 'u1' });
    await q.enqueue({ kind: 'x', payload: { other: true }, userId: 'u2' });
    await expect(q.purge!({ userId: '' })).rejects.toBeInstanceOf(ValidationError);
    expect(await q.purge!({ userId: 'u1' })).toBe(2); // the failed one and the queued one
    expect(await q.stats()).toMatchObject({ queued: 1, done: 1, failed: 1 });

    const { Queue } = await loadBullmq();
    const u = new URL(redisUrl);
    const raw = new Queue(name, { connection: { host: u.hostname, port: Number(u.port) }, prefix: 'memos' });
    try {
      const left = await raw.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed']);
      expect(left.map((j) => j.data)).toEqual([{ payload: { other: true }, userId: 'u2' }]);
    } finally {
      await raw.close();
    }
  });

  it('close({ drain: true }) runs the queued jobs first', async () => {
    const q = await open();
    let ran = 0;
    q.start({
      x: async () => {
        await sleep(20);
        ran += 1;
      },
    });
    for (let i = 0; i < 5; i++) await q.enqueue({ kind: 'x', payload: {} });
    await q.close({ drain: true });
    expect(ran).toBe(5);
  });

  it('loadBullmq names the install command when bullmq is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'bullmq' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
    const err = await loadBullmq(() => Promise.reject(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyMissingError);
    expect(err).toMatchObject({ packageName: 'bullmq', installCommand: 'npm install bullmq' });
  });
});
