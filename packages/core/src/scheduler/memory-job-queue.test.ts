import { describeJobQueueConformance } from '../testing/job-queue-conformance.ts';
import { createMemoryJobQueue } from './memory-job-queue.ts';

// One process-memory store cannot be shared by two queue instances: the suite's cross-instance tests
// (resume after close, dead worker) need a persisted store, so they run on SQLite and Neo4j only.
describeJobQueueConformance({ name: 'memory', supportsSharing: false, async create() {
  return { queue: (tuning) => createMemoryJobQueue(tuning), destroy: async () => {} };
} });
