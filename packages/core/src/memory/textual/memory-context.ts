import type { Embedder, GraphStore, Logger, VectorStore } from '../../spec/index.ts';

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
}
