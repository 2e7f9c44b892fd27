/**
 * `@memos-js/core/testing`: the backend conformance suites (vitest) and deterministic fixtures.
 *
 * @example
 * import { describeGraphStoreConformance } from '@memos-js/core/testing';
 * describeGraphStoreConformance({ name: 'my-backend', create: async () => { const s = new MyStore(); await s.setup(); return s; } });
 */
export {
  describeGraphStoreConformance,
  expectMemosError,
  type GraphStoreConformanceOptions,
  type GraphConformanceContext,
} from './graph-store-conformance.ts';
export { describeVectorStoreConformance, cosineSimilarity, type VectorStoreConformanceOptions } from './vector-store-conformance.ts';
export { referenceKeywordSearch, referenceKeywordStats } from './graph-store-conformance-keyword.ts';
export { referenceNeighbors } from './graph-store-conformance-neighbors.ts';
export { referenceVersionsKnownAt } from './graph-store-conformance-time-travel.ts';
export {
  FIXTURE_EPOCH,
  VARIED_MEMORY_TYPES,
  VARIED_TAGS,
  createFixtures,
  createRandom,
  isoAt,
  itemTerms,
  makeAudit,
  makeCube,
  makeEdge,
  makeItem,
  makeUser,
  makeVariedItems,
  makeVersion,
  toItemWrite,
  uniqueSuffix,
  type Fixtures,
  type VariedItemsOptions,
} from './fixtures.ts';
export {
  describeJobQueueConformance,
  type JobQueueConformanceBackend,
  type JobQueueConformanceOptions,
  type JobQueueConformanceTuning,
} from './job-queue-conformance.ts';
export { flakyVectorStore, type FlakyVectorStore } from './flaky-vector-store.ts';
