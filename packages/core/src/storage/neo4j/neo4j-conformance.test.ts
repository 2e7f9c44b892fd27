import { afterAll, inject, vi } from 'vitest';
import { uniqueSuffix } from '../../testing/fixtures.ts';
import { describeGraphStoreConformance } from '../../testing/graph-store-conformance.ts';
import { describeVectorStoreConformance } from '../../testing/vector-store-conformance.ts';
import { createNeo4jStorage } from './create-neo4j-storage.ts';

const url = inject('neo4jUrl') || process.env.MEMOS_NEO4J_URL || '';
if (url === '') throw new Error('No Neo4j server: run through vitest (test/global-setup.ts) or set MEMOS_NEO4J_URL');
// A real server answers each of the suite's hundreds of queries in milliseconds, but a busy 2-core
// machine (servers, other test files) can stretch the filter test past the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

/** One namespace per file run: nothing of this file meets another file's data. */
const namespace = `tconf_${uniqueSuffix()}`;

describeGraphStoreConformance({
  name: 'neo4j',
  async create() {
    const { graph } = createNeo4jStorage({ url, namespace });
    await graph.setup();
    return graph;
  },
});

describeVectorStoreConformance({
  name: 'neo4j (vector index)',
  async create() {
    const { vector } = createNeo4jStorage({ url, namespace, vectorIndex: true });
    if (vector === undefined) throw new Error('vectorIndex: true must give a vector store');
    await vector.setup();
    return vector;
  },
});

afterAll(async () => {
  const storage = createNeo4jStorage({ url, namespace });
  await storage.dropNamespace();
  // The throw-away embedder spaces of earlier runs (each test has its own); recent ones may be another run's, in flight.
  await storage.dropUnusedVectorSpaces({ fingerprintPrefix: 'conformance/', olderThanMs: 15 * 60_000 });
  await storage.close();
});
