export { createSqliteStorage, type SqliteStorage, type SqliteStorageOptions } from './create-sqlite-storage.ts';
export { SqliteConnection, type SqliteConnectionOptions, type SqliteLogger } from './sqlite-connection.ts';
export { SqliteGraphStore, type SqliteGraphStoreOptions } from './sqlite-graph-store.ts';
export { SqliteVectorStore, type SqliteVectorStoreOptions } from './sqlite-vector-store.ts';
export { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION, type SqliteMigration } from './sqlite-schema.ts';
export { createSqliteJobQueue, type SqliteJobQueueOptions } from './sqlite-job-queue.ts';
export { sqliteFileRows } from './sqlite-file-rows.ts';
