import { Neo4jConnection, type Neo4jConnectionOptions } from './neo4j-connection.ts';
import { Neo4jGraphStore, type Neo4jGraphStoreOptions } from './neo4j-graph-store.ts';
import { dropUnusedVectorSpaces, type DropUnusedVectorSpacesOptions } from './neo4j-vector-spaces.ts';
import { Neo4jVectorStore } from './neo4j-vector-store.ts';
import { deleteNamespaceData } from './neo4j-write.ts';

/** Options of {@link createNeo4jStorage}. */
export interface Neo4jStorageOptions extends Neo4jConnectionOptions {
  /**
   * Also serve vectors from Neo4j (its own vector indexes, one per embedder space): `vector` is
   * set. Default false (vectors live elsewhere, e.g. Chroma).
   */
  vectorIndex?: boolean;
  /** See {@link Neo4jGraphStoreOptions.keywordCandidates}. Default 250. */
  keywordCandidates?: number;
}

/** The Neo4j storage: a graph store and, with `vectorIndex`, a vector store sharing one driver. */
export interface Neo4jStorage {
  graph: Neo4jGraphStore;
  vector?: Neo4jVectorStore;
  /** The shared connection (for diagnostics and tests). */
  connection: Neo4jConnection;
  /**
   * Deletes every node of this storage's namespace (items, edges, versions, audit, users, cubes,
   * vectors); the schema stays. Connects first if needed. For tests and tenant removal.
   */
  dropNamespace(): Promise<void>;
  /**
   * Drops the vector indexes of embedder spaces that hold no vector in any namespace (after
   * `dropNamespace`, e.g. in tests); returns their names. See {@link DropUnusedVectorSpacesOptions}.
   */
  dropUnusedVectorSpaces(options?: DropUnusedVectorSpacesOptions): Promise<string[]>;
  /** Closes the stores and the driver (idempotent). */
  close(): Promise<void>;
}

/**
 * Creates the Neo4j storage. Nothing connects until `graph.setup()` / `vector.setup()`, which load
 * `neo4j-driver` lazily (a `DependencyMissingError` names the install command when it is missing),
 * verify connectivity and create the schema idempotently. Needs Neo4j 5.26+ (Community is enough).
 *
 * @example
 * const storage = createNeo4jStorage({ url: 'bolt://127.0.0.1:7687', password: 'secret', vectorIndex: true });
 * await storage.graph.setup();
 * await storage.vector?.setup();
 * const mos = createMemOS({ storage: { kind: 'custom', graph: storage.graph, vector: storage.vector } });
 */
export function createNeo4jStorage(options: Neo4jStorageOptions): Neo4jStorage {
  const connection = new Neo4jConnection(options);
  const graph = new Neo4jGraphStore({ connection, ...(options.keywordCandidates === undefined ? {} : { keywordCandidates: options.keywordCandidates }) });
  const vector = options.vectorIndex === true ? new Neo4jVectorStore({ connection }) : undefined;
  return {
    graph,
    ...(vector === undefined ? {} : { vector }),
    connection,
    async dropNamespace() {
      await connection.open();
      await deleteNamespaceData(connection);
    },
    async dropUnusedVectorSpaces(dropOptions) {
      await connection.open();
      return dropUnusedVectorSpaces(connection, dropOptions);
    },
    async close() {
      await graph.close();
      await vector?.close();
      await connection.close();
    },
  };
}
