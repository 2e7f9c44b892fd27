export { createNeo4jStorage, type Neo4jStorage, type Neo4jStorageOptions } from './create-neo4j-storage.ts';
export { Neo4jConnection, type Neo4jConnectionOptions, type Neo4jLogger } from './neo4j-connection.ts';
export { Neo4jGraphStore, type Neo4jGraphStoreOptions } from './neo4j-graph-store.ts';
export { Neo4jVectorStore, type Neo4jVectorStoreOptions, MAX_NEO4J_VECTOR_DIMENSION } from './neo4j-vector-store.ts';
export { DEFAULT_NAMESPACE, NAMESPACE_PATTERN } from './neo4j-schema.ts';
export { dropUnusedVectorSpaces, type DropUnusedVectorSpacesOptions } from './neo4j-vector-spaces.ts';
export { createNeo4jJobQueue, dropNeo4jJobs, type Neo4jJobQueueOptions } from './neo4j-job-queue.ts';
