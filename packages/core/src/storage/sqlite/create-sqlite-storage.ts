import { SqliteConnection, type SqliteLogger } from './sqlite-connection.ts';
import { SqliteGraphStore } from './sqlite-graph-store.ts';
import { SqliteVectorStore } from './sqlite-vector-store.ts';

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageOptions {
  /** Database file (parent directories are created on setup) or `':memory:'`. */
  path: string;
  /** `PRAGMA synchronous`: `full` (default, durable) or `normal` (faster; may lose the last commits on power loss). */
  synchronous?: 'full' | 'normal';
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Receives debug and warning messages. Default: none. */
  logger?: SqliteLogger;
}

/** The embedded default storage: a graph store and a vector store sharing one SQLite connection. */
export interface SqliteStorage {
  graph: SqliteGraphStore;
  vector: SqliteVectorStore;
  /** The shared connection (for diagnostics and tests). */
  connection: SqliteConnection;
  /** Closes both stores and the connection (idempotent). */
  close(): Promise<void>;
}

/**
 * Creates the embedded SQLite storage. Nothing is opened until `graph.setup()` or
 * `vector.setup()`; the file closes when both stores are closed, or on `close()`.
 *
 * @example
 * const storage = createSqliteStorage({ path: './data/memos.db' });
 * await storage.graph.setup();
 * await storage.vector.setup();
 */
export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  const connection = new SqliteConnection(options);
  const graph = new SqliteGraphStore({ connection });
  const vector = new SqliteVectorStore({ connection });
  return {
    graph,
    vector,
    connection,
    async close() {
      await graph.close();
      await vector.close();
      connection.close();
    },
  };
}
