import type { Embedder, GraphStore, Logger, VectorStore } from '../../spec/index.ts';
import type { ConflictRetryOptions } from './with-item-retry.ts';

/** What the memory operations need from the runtime. */
export interface MemoryContext {
  graph: GraphStore;
  vector: VectorStore;
  embedder: Embedder;
  logger: Logger;
  /** Current time (injectable for tests). */
  now: () => Date;
  /** New ids (injectable for tests). */
  newId: () => string;
  /** Told when a vector write failed (the items stay `failed`), so a retry can be scheduled. */
  onVectorFailure?: (cubeIds: string[]) => void;
  /** Retries of changes that lost an optimistic-concurrency race (default: 5 attempts, ~5 ms jittered backoff). */
  conflictRetry?: ConflictRetryOptions;
}
