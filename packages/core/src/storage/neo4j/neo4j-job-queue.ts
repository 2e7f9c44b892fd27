import type { ManagedTransaction } from 'neo4j-driver';
import { QueueFullError } from '../../errors/queue-full-error.ts';
import { PersistedJobQueue, type JobQueueTuning } from '../../scheduler/persisted-job-queue.ts';
import type { JobStore } from '../../scheduler/job-store.ts';
import type { Job, JobQueue, JobQueueStats, JobState } from '../../spec/scheduler.ts';
import type { Neo4jConnection } from './neo4j-connection.ts';

/** Options of {@link createNeo4jJobQueue}. */
export interface Neo4jJobQueueOptions extends JobQueueTuning {
  /** The connection of the MOS's Neo4j storage: jobs are `:Job` nodes in its namespace. */
  connection: Neo4jConnection;
}

type Props = Record<string, unknown>;

function toJob(p: Props): Job {
  const opt = (key: string): string | undefined => (p[key] === null || p[key] === undefined ? undefined : String(p[key]));
  const sessionId = opt('sessionId');
  const userId = opt('userId');
  const dedupeKey = opt('dedupeKey');
  const lastError = opt('lastError');
  return {
    id: String(p['id']), kind: String(p['kind']), payload: JSON.parse(String(p['payload'])) as Record<string, unknown>,
    ...(sessionId !== undefined ? { sessionId } : {}), ...(userId !== undefined ? { userId } : {}), ...(dedupeKey !== undefined ? { dedupeKey } : {}),
    maxAttempts: Number(p['maxAttempts']), state: String(p['state']) as JobState, attempts: Number(p['attempts']),
    runAt: String(p['runAt']), createdAt: String(p['createdAt']), updatedAt: String(p['updatedAt']),
    ...(lastError !== undefined ? { lastError } : {}),
  };
}

/**
 * The {@link JobStore} over `:Job` nodes of the namespace. Enqueues and counter updates serialise on
 * the namespace's `:JobQueue` node lock; a claim write-locks the candidate jobs (sorted, so claimers
 * never deadlock) and then re-reads their state under the lock, so one job goes to one worker.
 */
class Neo4jJobStore implements JobStore {
  readonly backend = 'neo4j';
  readonly #conn: Neo4jConnection;
  readonly #holder = {};

  constructor(connection: Neo4jConnection) {
    this.#conn = connection;
  }

  get #ns(): string {
    return this.#conn.namespace;
  }

  async setup(): Promise<void> {
    await this.#conn.open(this.#holder);
    for (const statement of [
      'CREATE CONSTRAINT memos_job_uid IF NOT EXISTS FOR (j:Job) REQUIRE j.uid IS UNIQUE',
      'CREATE INDEX memos_job_due IF NOT EXISTS FOR (j:Job) ON (j.ns, j.state, j.runAt)',
      'CREATE CONSTRAINT memos_job_queue_ns IF NOT EXISTS FOR (q:JobQueue) REQUIRE q.ns IS UNIQUE',
    ]) {
      await this.#conn.autoCommit('setup', statement).catch((error: unknown) => {
        // Another process created the same schema at the same moment.
        if (!/already exists|EquivalentSchemaRule/i.test(String(error))) throw error;
      });
    }
    await this.#conn.write('setup', async (tx) => {
      await tx.run('MERGE (q:JobQueue {ns: $ns}) ON CREATE SET q.done = 0, q.retried = 0', { ns: this.#ns });
    });
  }

  async #lockQueue(tx: ManagedTransaction): Promise<void> {
    await tx.run('MERGE (q:JobQueue {ns: $ns}) ON CREATE SET q.done = 0, q.retried = 0 SET q.lockedAt = timestamp()', { ns: this.#ns });
  }

  async insert(job: Job, options: { maxQueued: number }): Promise<Job> {
    const ns = this.#ns;
    return this.#conn.write('enqueue', async (tx) => {
      await this.#lockQueue(tx);
      if (job.dedupeKey !== undefined) {
        const existing = await tx.run(
          `MATCH (j:Job {ns: $ns, dedupeKey: $key, state: 'queued'}) WITH j ORDER BY j.createdAt, j.id LIMIT 1
           SET j.kind = $kind, j.payload = $payload, j.sessionId = $sessionId, j.userId = $userId, j.maxAttempts = $maxAttempts, j.updatedAt = $updatedAt
           RETURN properties(j) AS p`,
          { ns, key: job.dedupeKey, kind: job.kind, payload: JSON.stringify(job.payload), sessionId: job.sessionId ?? null, userId: job.userId ?? null, maxAttempts: job.maxAttempts ?? 1, updatedAt: job.updatedAt },
        );
        const record = existing.records[0];
        if (record !== undefined) return toJob(record.get('p') as Props);
      }
      const counted = await tx.run(`MATCH (j:Job {ns: $ns}) WHERE j.state IN ['queued', 'running'] RETURN count(j) AS n`, { ns });
      const count = Number(counted.records[0]?.get('n') ?? 0);
      if (count >= options.maxQueued) throw new QueueFullError(options.maxQueued, count);
      await tx.run(
        `CREATE (j:Job {uid: $uid, ns: $ns, id: $id, kind: $kind, payload: $payload, sessionId: $sessionId, userId: $userId, dedupeKey: $dedupeKey,
           maxAttempts: $maxAttempts, state: 'queued', attempts: 0, runAt: $runAt, createdAt: $createdAt, updatedAt: $updatedAt})`,
        {
          uid: `${ns}:job:${job.id}`, ns, id: job.id, kind: job.kind, payload: JSON.stringify(job.payload), sessionId: job.sessionId ?? null,
          userId: job.userId ?? null, dedupeKey: job.dedupeKey ?? null, maxAttempts: job.maxAttempts ?? 1, runAt: job.runAt, createdAt: job.createdAt, updatedAt: job.updatedAt,
        },
      );
      return job;
    });
  }

  async claim(options: { now: string; limit: number; owner: string; leaseUntil: string }): Promise<Job[]> {
    const ns = this.#ns;
    const candidates = await this.#conn.query(
      'claim',
      `MATCH (j:Job {ns: $ns, state: 'queued'}) WHERE j.runAt <= $now RETURN j.id AS id ORDER BY j.runAt, j.id LIMIT $limit`,
      { ns, now: options.now, limit: this.#conn.neo4j.int(options.limit) },
    );
    if (candidates.length === 0) return [];
    const ids = candidates.map((row) => String(row['id'])).sort();
    return this.#conn.write('claim', async (tx) => {
      await tx.run('UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) SET j.lockedAt = timestamp()', { ns, ids });
      const claimed = await tx.run(
        `UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) WHERE j.state = 'queued' AND j.runAt <= $now
         SET j.state = 'running', j.attempts = j.attempts + 1, j.owner = $owner, j.leaseUntil = $leaseUntil, j.updatedAt = $now
         RETURN properties(j) AS p ORDER BY j.runAt, j.id`,
        { ns, ids, now: options.now, owner: options.owner, leaseUntil: options.leaseUntil },
      );
      return claimed.records.map((record) => toJob(record.get('p') as Props));
    });
  }

  async renew(ids: readonly string[], owner: string, leaseUntil: string): Promise<void> {
    await this.#conn.write('renew', async (tx) => {
      await tx.run(`UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) WHERE j.owner = $owner AND j.state = 'running' SET j.leaseUntil = $leaseUntil`, {
        ns: this.#ns, ids: [...ids].sort(), owner, leaseUntil,
      });
    });
  }

  async complete(id: string, owner: string): Promise<void> {
    // No shared lock here (completions of many workers would serialise on it): the job becomes a
    // payload-less `done` node, folded into the namespace counter by `recover` (every second or so).
    await this.#conn.write('complete', async (tx) => {
      await tx.run(
        `MATCH (j:Job {ns: $ns, id: $id}) WHERE j.owner = $owner AND j.state = 'running'
         SET j.state = 'done', j.payload = null, j.owner = null, j.leaseUntil = null, j.sessionId = null, j.userId = null, j.dedupeKey = null`,
        { ns: this.#ns, id, owner },
      );
    });
  }

  async retry(id: string, owner: string, update: { runAt: string; error: string; now: string }): Promise<void> {
    await this.#conn.write('retry', async (tx) => {
      const changed = await tx.run(
        `MATCH (j:Job {ns: $ns, id: $id}) WHERE j.owner = $owner AND j.state = 'running'
         SET j.state = 'queued', j.runAt = $runAt, j.lastError = $error, j.updatedAt = $now, j.owner = null, j.leaseUntil = null RETURN count(*) AS n`,
        { ns: this.#ns, id, owner, ...update },
      );
      if (Number(changed.records[0]?.get('n') ?? 0) > 0) await tx.run('MATCH (q:JobQueue {ns: $ns}) SET q.retried = q.retried + 1', { ns: this.#ns });
    });
  }

  async fail(id: string, owner: string, update: { error: string; now: string }): Promise<void> {
    await this.#conn.write('fail', async (tx) => {
      await tx.run(
        `MATCH (j:Job {ns: $ns, id: $id}) WHERE j.owner = $owner AND j.state = 'running'
         SET j.state = 'failed', j.lastError = $error, j.updatedAt = $now, j.owner = null, j.leaseUntil = null`,
        { ns: this.#ns, id, owner, ...update },
      );
    });
  }

  async release(ids: readonly string[], owner: string, now: string): Promise<void> {
    if (!this.#conn.isOpen) return;
    await this.#conn.write('release', async (tx) => {
      await tx.run(
        `UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) WHERE j.owner = $owner AND j.state = 'running'
         SET j.state = 'queued', j.attempts = CASE WHEN j.attempts > 0 THEN j.attempts - 1 ELSE 0 END, j.owner = null, j.leaseUntil = null, j.updatedAt = $now`,
        { ns: this.#ns, ids: [...ids].sort(), owner, now },
      );
    });
  }

  async recover(now: string): Promise<number> {
    await this.#conn.write('recover', async (tx) => {
      const done = await tx.run(`MATCH (j:Job {ns: $ns, state: 'done'}) WITH j LIMIT 5000 DELETE j RETURN count(*) AS n`, { ns: this.#ns });
      const n = Number(done.records[0]?.get('n') ?? 0);
      if (n > 0) await tx.run('MERGE (q:JobQueue {ns: $ns}) ON CREATE SET q.done = 0, q.retried = 0 SET q.done = q.done + $n', { ns: this.#ns, n });
    });
    const stale = await this.#conn.query('recover', `MATCH (j:Job {ns: $ns, state: 'running'}) WHERE j.leaseUntil < $now RETURN j.id AS id ORDER BY j.id`, { ns: this.#ns, now });
    if (stale.length === 0) return 0;
    const ids = stale.map((row) => String(row['id']));
    return this.#conn.write('recover', async (tx) => {
      await tx.run('UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) SET j.lockedAt = timestamp()', { ns: this.#ns, ids });
      const result = await tx.run(
        `UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) WHERE j.state = 'running' AND j.leaseUntil < $now
         SET j.state = 'queued', j.owner = null, j.leaseUntil = null, j.updatedAt = $now RETURN count(*) AS n`,
        { ns: this.#ns, ids, now },
      );
      return Number(result.records[0]?.get('n') ?? 0);
    });
  }

  async unfinished(sessionId?: string): Promise<string[]> {
    const rows = sessionId === undefined
      ? await this.#conn.query('flush', `MATCH (j:Job {ns: $ns}) WHERE j.state IN ['queued', 'running'] RETURN j.id AS id`, { ns: this.#ns })
      : await this.#conn.query('flush', `MATCH (j:Job {ns: $ns, sessionId: $sessionId}) WHERE j.state IN ['queued', 'running'] RETURN j.id AS id`, { ns: this.#ns, sessionId });
    return rows.map((row) => String(row['id']));
  }

  async countUnfinished(ids: readonly string[]): Promise<number> {
    const rows = await this.#conn.query(
      'flush',
      `UNWIND $ids AS id MATCH (j:Job {ns: $ns, id: id}) WHERE j.state IN ['queued', 'running'] RETURN count(j) AS n`,
      { ns: this.#ns, ids: [...ids] },
    );
    return Number(rows[0]?.['n'] ?? 0);
  }

  async stats(): Promise<JobQueueStats> {
    const stats: JobQueueStats = { queued: 0, running: 0, done: 0, failed: 0, retried: 0 };
    const rows = await this.#conn.query('stats', 'MATCH (j:Job {ns: $ns}) RETURN j.state AS state, count(j) AS n', { ns: this.#ns });
    let doneNodes = 0;
    for (const row of rows) {
      const state = String(row['state']);
      if (state === 'queued' || state === 'running' || state === 'failed') stats[state] = Number(row['n']);
      if (state === 'done') doneNodes = Number(row['n']);
    }
    const counters = await this.#conn.query('stats', 'MATCH (q:JobQueue {ns: $ns}) RETURN q.done AS done, q.retried AS retried', { ns: this.#ns });
    stats.done = Number(counters[0]?.['done'] ?? 0) + doneNodes;
    stats.retried = Number(counters[0]?.['retried'] ?? 0);
    return stats;
  }

  async purge(filter: { userId: string }): Promise<number> {
    return this.#conn.write('purge', async (tx) => {
      const result = await tx.run(`MATCH (j:Job {ns: $ns, userId: $userId}) WHERE j.state IN ['queued', 'failed'] DETACH DELETE j RETURN count(*) AS n`, { ns: this.#ns, userId: filter.userId });
      return Number(result.records[0]?.get('n') ?? 0);
    });
  }

  async close(): Promise<void> {
    await this.#conn.release(this.#holder);
  }
}

/**
 * The store-persisted job queue on Neo4j: `:Job` nodes in the storage's namespace, claimed under
 * the nodes' write locks, so several app instances on one database never run one job at once.
 *
 * @example
 * const storage = createNeo4jStorage({ url: 'bolt://127.0.0.1:7687' });
 * const queue = createNeo4jJobQueue({ connection: storage.connection });
 * await queue.setup();
 */
export function createNeo4jJobQueue(options: Neo4jJobQueueOptions): JobQueue {
  const { connection, ...tuning } = options;
  return new PersistedJobQueue(new Neo4jJobStore(connection), tuning);
}

/** Removes the namespace's jobs and queue counters (tests, `dropNamespace`). */
export async function dropNeo4jJobs(connection: Neo4jConnection): Promise<void> {
  await connection.open();
  await connection.write('dropJobs', async (tx) => {
    await tx.run('MATCH (j:Job {ns: $ns}) DETACH DELETE j', { ns: connection.namespace });
    await tx.run('MATCH (q:JobQueue {ns: $ns}) DETACH DELETE q', { ns: connection.namespace });
  });
}
