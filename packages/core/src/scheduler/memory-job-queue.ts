import { QueueFullError } from '../errors/queue-full-error.ts';
import type { Job, JobQueue, JobQueueStats } from '../spec/scheduler.ts';
import type { JobStore } from './job-store.ts';
import { PersistedJobQueue, type JobQueueTuning } from './persisted-job-queue.ts';

interface Held extends Job {
  owner?: string;
  leaseUntil?: string;
  seq: number;
}

/** A {@link JobStore} in process memory: nothing survives the process (for `custom` storages and tests). */
class MemoryJobStore implements JobStore {
  readonly backend = 'memory';
  readonly #jobs = new Map<string, Held>();
  #seq = 0;
  #done = 0;
  #retried = 0;

  async setup(): Promise<void> {}

  async insert(job: Job, options: { maxQueued: number }): Promise<Job> {
    if (job.dedupeKey !== undefined) {
      const existing = [...this.#jobs.values()].find((j) => j.dedupeKey === job.dedupeKey && j.state === 'queued');
      if (existing !== undefined) {
        const { id, createdAt, runAt, attempts, seq } = existing;
        const replaced: Held = { ...job, id, createdAt, runAt, attempts, seq, state: 'queued' };
        this.#jobs.set(id, replaced);
        return strip(replaced);
      }
    }
    const count = [...this.#jobs.values()].filter((j) => j.state === 'queued' || j.state === 'running').length;
    if (count >= options.maxQueued) throw new QueueFullError(options.maxQueued, count);
    this.#seq += 1;
    this.#jobs.set(job.id, { ...structuredClone(job), seq: this.#seq });
    return job;
  }

  async claim(options: { now: string; limit: number; owner: string; leaseUntil: string }): Promise<Job[]> {
    const due = [...this.#jobs.values()]
      .filter((j) => j.state === 'queued' && j.runAt <= options.now)
      .sort((a, b) => (a.runAt < b.runAt ? -1 : a.runAt > b.runAt ? 1 : a.seq - b.seq))
      .slice(0, options.limit);
    for (const job of due) Object.assign(job, { state: 'running', attempts: job.attempts + 1, owner: options.owner, leaseUntil: options.leaseUntil, updatedAt: options.now });
    return due.map(strip);
  }

  async renew(ids: readonly string[], owner: string, leaseUntil: string): Promise<void> {
    for (const id of ids) {
      const job = this.#held(id, owner);
      if (job) job.leaseUntil = leaseUntil;
    }
  }

  async complete(id: string, owner: string): Promise<void> {
    if (!this.#held(id, owner)) return;
    this.#jobs.delete(id);
    this.#done += 1;
  }

  async retry(id: string, owner: string, update: { runAt: string; error: string; now: string }): Promise<void> {
    const job = this.#held(id, owner);
    if (!job) return;
    Object.assign(job, { state: 'queued', runAt: update.runAt, lastError: update.error, updatedAt: update.now, owner: undefined, leaseUntil: undefined });
    this.#retried += 1;
  }

  async fail(id: string, owner: string, update: { error: string; now: string }): Promise<void> {
    const job = this.#held(id, owner);
    if (job) Object.assign(job, { state: 'failed', lastError: update.error, updatedAt: update.now, owner: undefined, leaseUntil: undefined });
  }

  async release(ids: readonly string[], owner: string, now: string): Promise<void> {
    for (const id of ids) {
      const job = this.#held(id, owner);
      if (job) Object.assign(job, { state: 'queued', attempts: Math.max(0, job.attempts - 1), owner: undefined, leaseUntil: undefined, updatedAt: now });
    }
  }

  async recover(now: string): Promise<number> {
    let n = 0;
    for (const job of this.#jobs.values()) {
      if (job.state === 'running' && job.leaseUntil !== undefined && job.leaseUntil < now) {
        Object.assign(job, { state: 'queued', owner: undefined, leaseUntil: undefined, updatedAt: now });
        n += 1;
      }
    }
    return n;
  }

  async unfinished(sessionId?: string): Promise<string[]> {
    return [...this.#jobs.values()].filter((j) => (j.state === 'queued' || j.state === 'running') && (sessionId === undefined || j.sessionId === sessionId)).map((j) => j.id);
  }

  async countUnfinished(ids: readonly string[]): Promise<number> {
    return ids.filter((id) => {
      const state = this.#jobs.get(id)?.state;
      return state === 'queued' || state === 'running';
    }).length;
  }

  async stats(): Promise<JobQueueStats> {
    const stats: JobQueueStats = { queued: 0, running: 0, done: this.#done, failed: 0, retried: this.#retried };
    for (const job of this.#jobs.values()) if (job.state !== 'done') stats[job.state] += 1;
    return stats;
  }

  async purge(filter: { userId: string }): Promise<number> {
    let n = 0;
    for (const [id, job] of this.#jobs) {
      if (job.userId === filter.userId && (job.state === 'queued' || job.state === 'failed')) {
        this.#jobs.delete(id);
        n += 1;
      }
    }
    return n;
  }

  async close(): Promise<void> {}

  #held(id: string, owner: string): Held | undefined {
    const job = this.#jobs.get(id);
    return job && job.owner === owner && job.state === 'running' ? job : undefined;
  }
}

function strip(job: Held): Job {
  const { owner: _o, leaseUntil: _l, seq: _s, ...rest } = job;
  return structuredClone(rest);
}

/**
 * A job queue in process memory with the store-persisted queue's semantics (retries, back-pressure,
 * dedupe, flush), except that a crash loses its jobs. The MOS uses it for `custom` storages when no
 * `scheduler.queue` is given.
 */
export function createMemoryJobQueue(options: JobQueueTuning = {}): JobQueue {
  return new PersistedJobQueue(new MemoryJobStore(), options);
}
