import { describeGraphStoreConformance } from '../../testing/graph-store-conformance.ts';
import { describeVectorStoreConformance } from '../../testing/vector-store-conformance.ts';
import { createSqliteStorage } from './create-sqlite-storage.ts';

describeGraphStoreConformance({
  name: 'sqlite (:memory:)',
  async create() {
    const { graph } = createSqliteStorage({ path: ':memory:' });
    await graph.setup();
    return graph;
  },
});

describeVectorStoreConformance({
  name: 'sqlite (:memory:)',
  async create() {
    const { vector } = createSqliteStorage({ path: ':memory:' });
    await vector.setup();
    return vector;
  },
});
