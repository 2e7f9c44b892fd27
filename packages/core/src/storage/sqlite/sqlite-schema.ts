import type { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../../errors/storage-error.ts';

/** One schema migration: applied once, in order, inside the migration transaction. */
export interface SqliteMigration {
  /** Schema version after this migration (1, 2, ...). */
  version: number;
  /** What it changes, for logs. */
  description: string;
  /** DDL/DML to run. Never contains user input. */
  sql: string;
}

/**
 * The schema, as an append-only list of migrations. Never edit a released migration: add one.
 *
 * - `memory`: one row per memory item (ARCHITECTURE §4); a column per filterable field, `tags`,
 *   `metadata` and `sources` as JSON; `rid` is the integer key the keyword postings point to;
 *   `doc_length` is the number of BM25 terms.
 * - `postings`: the keyword inverted index, one row per (term, item): term frequency plus copies of
 *   the item's cube (as its `cube_keys` integer), status and `doc_length`, so that the common search
 *   filter (cubes + statuses) never reads `memory`. Every change of an item goes through
 *   `write`, which rewrites its postings: keep it that way (touch/sync-state change neither).
 * - `cube_keys`: an integer per cube id (removed with the cube's postings by `deleteCube`).
 * - Indexes `memory_list_created`/`memory_list_updated` cover listing, counting and corpus
 *   statistics for the common filter without reading rows.
 * - `edges`, `versions`, `audit`, `users`, `cubes` (records as JSON).
 * - `vector_spaces` (one `vec0` table per embedder fingerprint + dimension, created on demand) and
 *   `vector_records` (item id and filter metadata of each vector; its `rid` is the vec0 rowid).
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      create table users (id text primary key, record text not null) without rowid;
      create table cubes (id text primary key, record text not null) without rowid;
      create table memory (
        rid integer primary key,
        id text not null unique,
        cube_id text not null,
        owner_id text not null,
        session_id text,
        kind text not null,
        memory_type text not null,
        text text not null,
        key text not null,
        tags text not null,
        metadata text not null,
        confidence real not null,
        status text not null,
        version integer not null,
        sources text not null,
        valid_at text,
        invalid_at text,
        created_at text not null,
        updated_at text not null,
        expired_at text,
        expires_at text,
        access_count integer not null,
        last_accessed_at text,
        importance real not null,
        embedding_model text,
        vector_sync_state text not null,
        payload_ref text,
        doc_length integer not null
      );
      create index memory_list_created on memory (cube_id, status, created_at, id, doc_length);
      create index memory_list_updated on memory (cube_id, status, updated_at, id);
      create index memory_session on memory (session_id) where session_id is not null;
      create table cube_keys (ck integer primary key, cube_id text not null unique);
      create table postings (
        term text not null,
        ck integer not null,
        item_rid integer not null,
        tf integer not null,
        doc_length integer not null,
        status text not null,
        primary key (term, ck, item_rid)
      ) without rowid;
      create index postings_item on postings (item_rid);
      create table edges (
        from_id text not null,
        to_id text not null,
        type text not null,
        cube_id text not null,
        weight real not null,
        created_at text not null,
        primary key (from_id, to_id, type)
      ) without rowid;
      create index edges_to on edges (to_id);
      create index edges_cube on edges (cube_id);
      create table versions (
        item_id text not null,
        version integer not null,
        cube_id text not null,
        action text not null,
        actor text not null,
        at text not null,
        reason text,
        snapshot text not null,
        primary key (item_id, version)
      ) without rowid;
      create index versions_cube on versions (cube_id);
      create table audit (
        seq integer primary key,
        id text not null unique,
        at text not null,
        actor text not null,
        action text not null,
        cube_id text,
        item_id text,
        details text
      );
      create index audit_cube on audit (cube_id, at);
      create index audit_item on audit (item_id, at);
      create table vector_spaces (
        name text primary key,
        fingerprint text not null,
        dimension integer not null,
        created_at text not null,
        unique (fingerprint, dimension)
      );
      create table vector_records (
        rid integer primary key,
        space text not null,
        item_id text not null,
        cube_id text not null,
        owner_id text not null,
        memory_type text not null,
        created_at text not null,
        unique (space, item_id)
      );
      create index vector_records_cube on vector_records (space, cube_id);
    `,
  },
  {
    version: 2,
    description: 'pinned items (exempt from TTL); TTL and system-time travel indexes',
    // `pinned`: NULL = absent, 0 = false, 1 = true (round-trips the item header exactly). Applied
    // once per file (schema_version), so the ALTER never runs twice on an existing database.
    sql: `
      alter table memory add column pinned integer;
      create index memory_expires on memory (cube_id, status, expires_at) where expires_at is not null;
      create index versions_cube_at on versions (cube_id, at);
    `,
  },
  {
    version: 3,
    description: 'governance: redaction marks, audit targets and result counts, audit by actor/time, dump registry',
    // `memory.redactions`: JSON list of {kind, count} (NULL: nothing masked). `audit.item_ids`: JSON
    // list of further item ids a call touched; `audit.result_count`. `dumps`: dump directories the
    // runtime wrote (forget removes forgotten data from them). `memory_owner`: forget-user by owner.
    sql: `
      alter table memory add column redactions text;
      alter table audit add column item_ids text;
      alter table audit add column result_count integer;
      create index audit_actor on audit (actor, at);
      create index audit_at on audit (at);
      create index memory_owner on memory (owner_id);
      create table dumps (dir text primary key, cube_id text not null, at text not null) without rowid;
      create index dumps_cube on dumps (cube_id);
    `,
  },
  {
    version: 4,
    description: 'scheduler: the store-persisted job queue (unfinished and failed jobs; done jobs only as counters)',
    // `jobs.seq` orders claims (oldest first); `owner`/`lease_until` belong to the worker running it.
    sql: `
      create table jobs (
        seq integer primary key,
        id text not null unique,
        kind text not null,
        payload text not null,
        session_id text,
        user_id text,
        dedupe_key text,
        max_attempts integer not null,
        state text not null,
        attempts integer not null,
        run_at text not null,
        created_at text not null,
        updated_at text not null,
        last_error text,
        owner text,
        lease_until text
      );
      create index jobs_due on jobs (state, run_at, seq);
      create index jobs_session on jobs (session_id, state) where session_id is not null;
      create index jobs_dedupe on jobs (dedupe_key, state) where dedupe_key is not null;
      create table job_counters (name text primary key, value integer not null) without rowid;
    `,
  },
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the database to {@link SQLITE_SCHEMA_VERSION}, idempotently, in one `BEGIN IMMEDIATE`
 * transaction (concurrent openers serialise on it). Returns the versions applied.
 * Throws a {@link StorageError} when the file was written by a newer schema.
 */
export function migrateSqlite(db: DatabaseSync, migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS): number[] {
  const applied: number[] = [];
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('create table if not exists meta (key text primary key, value text not null) without rowid');
    const row = db.prepare(`select value from meta where key = 'schema_version'`).get();
    const current = row === undefined ? 0 : Number(row['value']);
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    if (current > latest) {
      throw new StorageError('sqlite', 'setup', `database schema version ${current} is newer than this MemOS.js (${latest})`);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      applied.push(migration.version);
    }
    if (applied.length > 0) {
      db.prepare(`insert into meta (key, value) values ('schema_version', ?) on conflict (key) do update set value = excluded.value`).run(
        String(latest),
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return applied;
}
