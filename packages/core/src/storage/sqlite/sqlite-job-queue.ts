import { QueueFullError } from '../../errors/queue-full-error.ts';
import { PersistedJobQueue, type JobQueueTuning } from '../../scheduler/persisted-job-queue.ts';
import type { JobStore } from '../../scheduler/job-store.ts';
import type { Job, JobQueue, JobQueueStats, JobState } from '../../spec/scheduler.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

/** Options of {@link createSqliteJobQueue}. */
export interface SqliteJobQueueOptions extends JobQueueTuning {
  /** The connection of the MOS's SQLite storage (the `jobs` table lives in the same file). */
  connection: SqliteConnection;
}

type Row = Record<string, unknown>;

function rowToJob(row: Row): Job {
  const opt = (key: string): string | undefined => (row[key] === null || row[key] === undefined ? undefined : String(row[key]));
  const sessionId = opt('session_id');
  const userId = opt('user_id');
  const dedupeKey = opt('dedupe_key');
  const lastError = opt('last_error');
  return {
    id: String(row['id']), kind: String(row['kind']), payload: JSON.parse(String(row['payload'])) as Record<string, unknown>,
    ...(sessionId !== undefined ? { sessionId } : {}), ...(userId !== undefined ? { userId } : {}), ...(dedupeKey !== undefined ? { dedupeKey } : {}),
    maxAttempts: Number(row['max_attempts']), state: String(row['state']) as JobState, attempts: Number(row['attempts']),
    runAt: String(row['run_at']), createdAt: String(row['created_at']), updatedAt: String(row['updated_at']),
    ...(lastError !== undefined ? { lastError } : {}),
  };
}

const UNFINISHED = `state in ('queued', 'running')`;

/** The {@link JobStore} over the `jobs` table; every change runs in a `BEGIN IMMEDIATE` transaction. */
class SqliteJobStore implements JobStore {
  readonly backend = 'sqlite';
  readonly #conn: SqliteConnection;
  readonly #holder = {};

  constructor(connection: SqliteConnection) {
    this.#conn = connection;
  }

  async setup(): Promise<void> {
    this.#conn.open(this.#holder);
  }

  async insert(job: Job, options: { maxQueued: number }): Promise<Job> {
    const c = this.#conn;
    return c.transaction('enqueue', () => {
      if (job.dedupeKey !== undefined) {
        const existing = c.statement(`select * from jobs where dedupe_key = ? and state = 'queued' order by seq limit 1`).get(job.dedupeKey);
        if (existing !== undefined) {
          c.statement(`update jobs set kind = ?, payload = ?, session_id = ?, user_id = ?, max_attempts = ?, updated_at = ? where id = ?`).run(
            job.kind, JSON.stringify(job.payload), job.sessionId ?? null, job.userId ?? null, job.maxAttempts ?? 1, job.updatedAt, String(existing['id']),
          );
          return rowToJob(c.statement('select * from jobs where id = ?').get(String(existing['id'])) as Row);
        }
      }
      const count = Number(c.statement(`select count(*) as n from jobs where ${UNFINISHED}`).get()?.['n'] ?? 0);
      if (count >= options.maxQueued) throw new QueueFullError(options.maxQueued, count);
      c.statement(
        `insert into jobs (id, kind, payload, session_id, user_id, dedupe_key, max_attempts, state, attempts, run_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)`,
      ).run(job.id, job.kind, JSON.stringify(job.payload), job.sessionId ?? null, job.userId ?? null, job.dedupeKey ?? null, job.maxAttempts ?? 1, job.runAt, job.createdAt, job.updatedAt);
      return job;
    });
  }

  async claim(options: { now: string; limit: number; owner: string; leaseUntil: string }): Promise<Job[]> {
    const c = this.#conn;
    return c.transaction('claim', () => {
      const rows = c.statement(`select id from jobs where state = 'queued' and run_at <= ? order by run_at, seq limit ?`).all(options.now, options.limit);
      const jobs: Job[] = [];
      for (const row of rows) {
        const id = String(row['id']);
        c.statement(`update jobs set state = 'running', attempts = attempts + 1, owner = ?, lease_until = ?, updated_at = ? where id = ? and state = 'queued'`).run(
          options.owner, options.leaseUntil, options.now, id,
        );
        jobs.push(rowToJob(c.statement('select * from jobs where id = ?').get(id) as Row));
      }
      return jobs;
    });
  }

  async renew(ids: readonly string[], owner: string, leaseUntil: string): Promise<void> {
    const c = this.#conn;
    c.transaction('renew', () => {
      for (const id of ids) c.statement(`update jobs set lease_until = ? where id = ? and owner = ? and state = 'running'`).run(leaseUntil, id, owner);
    });
  }

  async complete(id: string, owner: string): Promise<void> {
    const c = this.#conn;
    c.transaction('complete', () => {
      const changed = c.statement(`delete from jobs where id = ? and owner = ? and state = 'running'`).run(id, owner).changes;
      if (Number(changed) > 0) this.#count('done');
    });
  }

  async retry(id: string, owner: string, update: { runAt: string; error: string; now: string }): Promise<void> {
    const c = this.#conn;
    c.transaction('retry', () => {
      const changed = c.statement(
        `update jobs set state = 'queued', run_at = ?, last_error = ?, updated_at = ?, owner = null, lease_until = null where id = ? and owner = ? and state = 'running'`,
      ).run(update.runAt, update.error, update.now, id, owner).changes;
      if (Number(changed) > 0) this.#count('retried');
    });
  }

  async fail(id: string, owner: string, update: { error: string; now: string }): Promise<void> {
    const c = this.#conn;
    c.transaction('fail', () => {
      c.statement(`update jobs set state = 'failed', last_error = ?, updated_at = ?, owner = null, lease_until = null where id = ? and owner = ? and state = 'running'`).run(
        update.error, update.now, id, owner,
      );
    });
  }

  async release(ids: readonly string[], owner: string, now: string): Promise<void> {
    const c = this.#conn;
    if (!c.isOpen) return;
    c.transaction('release', () => {
      for (const id of ids) {
        c.statement(`update jobs set state = 'queued', attempts = max(0, attempts - 1), owner = null, lease_until = null, updated_at = ? where id = ? and owner = ? and state = 'running'`).run(now, id, owner);
      }
    });
  }

  async recover(now: string): Promise<number> {
    const c = this.#conn;
    const stale = c.read('recover', () => c.statement(`select count(*) as n from jobs where state = 'running' and lease_until < ?`).get(now));
    if (Number(stale?.['n'] ?? 0) === 0) return 0;
    return c.transaction('recover', () =>
      Number(c.statement(`update jobs set state = 'queued', owner = null, lease_until = null, updated_at = ? where state = 'running' and lease_until < ?`).run(now, now).changes),
    );
  }

  async unfinished(sessionId?: string): Promise<string[]> {
    const c = this.#conn;
    return c.read('flush', () => {
      const rows = sessionId === undefined
        ? c.statement(`select id from jobs where ${UNFINISHED}`).all()
        : c.statement(`select id from jobs where session_id = ? and ${UNFINISHED}`).all(sessionId);
      return rows.map((row) => String(row['id']));
    });
  }

  async countUnfinished(ids: readonly string[]): Promise<number> {
    const c = this.#conn;
    return c.read('flush', () => {
      let n = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const row = c.statement(`select count(*) as n from jobs where id in (select value from json_each(?)) and ${UNFINISHED}`).get(JSON.stringify(chunk));
        n += Number(row?.['n'] ?? 0);
      }
      return n;
    });
  }

  async stats(): Promise<JobQueueStats> {
    const c = this.#conn;
    return c.read('stats', () => {
      const stats: JobQueueStats = { queued: 0, running: 0, done: 0, failed: 0, retried: 0 };
      for (const row of c.statement('select state, count(*) as n from jobs group by state').all()) {
        const state = String(row['state']);
        if (state === 'queued' || state === 'running' || state === 'failed') stats[state] = Number(row['n']);
      }
      for (const row of c.statement('select name, value from job_counters').all()) {
        const name = String(row['name']);
        if (name === 'done' || name === 'retried') stats[name] = Number(row['value']);
      }
      return stats;
    });
  }

  async purge(filter: { userId: string }): Promise<number> {
    const c = this.#conn;
    return c.transaction('purge', () => Number(c.statement(`delete from jobs where user_id = ? and state in ('queued', 'failed')`).run(filter.userId).changes));
  }

  async close(): Promise<void> {
    this.#conn.release(this.#holder);
  }

  #count(name: 'done' | 'retried'): void {
    this.#conn.statement(`insert into job_counters (name, value) values (?, 1) on conflict (name) do update set value = value + 1`).run(name);
  }
}

/**
 * The store-persisted job queue on SQLite: a `jobs` table in the MOS's database file (schema
 * migration 4). Claims run in `BEGIN IMMEDIATE` transactions, so several processes on one file
 * never run one job twice at once; a job left running by a dead process is re-queued after its lease.
 *
 * @example
 * const storage = createSqliteStorage({ path: './data/memos.db' });
 * const queue = createSqliteJobQueue({ connection: storage.connection, concurrency: 2 });
 * await queue.setup();
 * queue.start({ 'turn-write': async (job) => { ... } });
 */
export function createSqliteJobQueue(options: SqliteJobQueueOptions): JobQueue {
  const { connection, ...tuning } = options;
  return new PersistedJobQueue(new SqliteJobStore(connection), tuning);
}
