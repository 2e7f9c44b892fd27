import { inject, vi } from 'vitest';
import { uniqueSuffix } from '../../testing/fixtures.ts';
import { describeJobQueueConformance } from '../../testing/job-queue-conformance.ts';
import { Neo4jConnection } from './neo4j-connection.ts';
import { createNeo4jJobQueue, dropNeo4jJobs } from './neo4j-job-queue.ts';

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
vi.setConfig({ testTimeout: 60_000 });

describeJobQueueConformance({
  name: 'neo4j',
  async create() {
    // One namespace per test; each queue has its own driver, as another app instance would.
    const namespace = `tjobq_${uniqueSuffix()}`;
    const connections: Neo4jConnection[] = [];
    return {
      queue(tuning) {
        const connection = new Neo4jConnection({ url, namespace });
        connections.push(connection);
        return createNeo4jJobQueue({ connection, ...tuning });
      },
      async destroy() {
        const cleanup = new Neo4jConnection({ url, namespace });
        await dropNeo4jJobs(cleanup);
        await cleanup.close();
        for (const c of connections) await c.close().catch(() => undefined);
      },
    };
  },
});
