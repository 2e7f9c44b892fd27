import { ValidationError } from '../errors/validation-error.ts';
import type { StorageOption } from '../mos/mos-options.ts';
import type { JobQueueTuning } from '../scheduler/persisted-job-queue.ts';
import type { GraphStore, JobQueue, VectorStore } from '../spec/index.ts';

/** The graph and vector stores of a runtime, and how to close them. */
export interface OpenedStorage {
  graph: GraphStore;
  vector: VectorStore;
  close(): Promise<void>;
  /** The storage's store-persisted job queue (absent for `custom` storages). */
  createJobQueue?: (tuning: JobQueueTuning) => Promise<JobQueue>;
}

/**
 * Creates the stores a storage option names. Backends are imported lazily, so importing the core
 * (types, errors, the MOS class) never loads `node:sqlite`, `sqlite-vec` or a database driver.
 */
export async function openStorage(option: StorageOption): Promise<OpenedStorage> {
  if (option.kind === 'sqlite') {
    const { createSqliteStorage } = await import('./sqlite/create-sqlite-storage.ts');
    const sqlite = createSqliteStorage({ path: option.path, ...(option.synchronous ? { synchronous: option.synchronous } : {}) });
    return {
      graph: sqlite.graph, vector: sqlite.vector, close: () => sqlite.close(),
      createJobQueue: async (tuning) => (await import('./sqlite/sqlite-job-queue.ts')).createSqliteJobQueue({ ...tuning, connection: sqlite.connection }),
    };
  }
  if (option.kind === 'neo4j') {
    const { createNeo4jStorage } = await import('./neo4j/create-neo4j-storage.ts');
    const neo4j = createNeo4jStorage({ ...option.neo4j, vectorIndex: option.chroma === undefined });
    let vector: VectorStore | undefined = neo4j.vector;
    if (option.chroma) {
      const { createChromaVectorStore } = await import('./chroma/create-chroma-vector-store.ts');
      vector = createChromaVectorStore(option.chroma);
    }
    if (!vector) throw new ValidationError('storage', 'needs a vector store');
    const own = vector;
    return {
      graph: neo4j.graph,
      vector: own,
      close: async () => {
        if (own !== neo4j.vector) await own.close();
        await neo4j.close();
      },
      createJobQueue: async (tuning) => (await import('./neo4j/neo4j-job-queue.ts')).createNeo4jJobQueue({ ...tuning, connection: neo4j.connection }),
    };
  }
  if (option.kind === 'custom') {
    const { graph, vector } = option;
    return {
      graph,
      vector,
      close: async () => {
        await graph.close();
        if ((vector as unknown) !== graph) await vector.close();
      },
    };
  }
  throw new ValidationError('storage.kind', 'must be sqlite, neo4j or custom');
}
