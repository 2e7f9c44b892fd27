import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeJobQueueConformance } from '../../testing/job-queue-conformance.ts';
import { SqliteConnection } from './sqlite-connection.ts';
import { createSqliteJobQueue } from './sqlite-job-queue.ts';

describeJobQueueConformance({
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'memos-jobq-'));
    const path = join(dir, 'q.db');
    const connections: SqliteConnection[] = [];
    return {
      // Each queue has its own connection, as another process would.
      queue(tuning) {
        const connection = new SqliteConnection({ path, synchronous: 'normal' });
        connections.push(connection);
        return createSqliteJobQueue({ connection, ...tuning });
      },
      async destroy() {
        for (const c of connections) c.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
