import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { getLoadablePath } from 'sqlite-vec';
import { ClosedError } from '../../errors/closed-error.ts';
import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import type { Logger } from '../../spec/logger.ts';
import { toStorageError } from './sqlite-errors.ts';
import { migrateSqlite } from './sqlite-schema.ts';

/** The part of the injectable {@link Logger} the SQLite backend uses. */
export type SqliteLogger = Pick<Logger, 'debug' | 'warn'>;

/** Options of {@link SqliteConnection}. */
export interface SqliteConnectionOptions {
  /** Database file (parent directories are created) or `':memory:'`. */
  path: string;
  /**
   * `PRAGMA synchronous`: `full` (default) fsyncs the WAL on every commit; `normal` is faster and
   * still never corrupts the file, but may lose the last commits on power loss.
   */
  synchronous?: 'full' | 'normal';
  /** How long a writer waits for another connection's lock before failing, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Where debug and warning messages go. Default: nowhere. */
  logger?: SqliteLogger;
}

const STATEMENT_CACHE_SIZE = 256;
const SILENT: SqliteLogger = { debug: () => {}, warn: () => {} };

/**
 * One `node:sqlite` connection shared by the SQLite graph and vector stores. The constructor does
 * no I/O; {@link open} (called by the stores' `setup()`) opens the file, sets the pragmas (WAL for
 * files, `busy_timeout`, `foreign_keys`), loads `sqlite-vec` and runs the migrations. The
 * connection closes when the last store holding it closes, or on {@link close}.
 */
export class SqliteConnection {
  /** The database path as given. */
  readonly path: string;
  readonly #options: SqliteConnectionOptions;
  #db: DatabaseSync | undefined;
  #state: 'new' | 'open' | 'closed' = 'new';
  readonly #holders = new Set<object>();
  readonly #statements = new Map<string, StatementSync>();

  constructor(options: SqliteConnectionOptions) {
    this.path = options.path;
    this.#options = options;
  }

  /** The logger from the options, or one that drops everything. */
  get logger(): SqliteLogger {
    return this.#options.logger ?? SILENT;
  }

  /** Whether the connection is open. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /**
   * Opens the database and migrates it (idempotent). `holder` (a store) keeps the connection open
   * until it calls {@link release}. Throws {@link ClosedError} after {@link close}.
   */
  open(holder?: object): void {
    if (this.#state === 'closed') throw new ClosedError('SQLite connection', 'closed');
    if (this.#state === 'new') this.#openDatabase();
    if (holder !== undefined) this.#holders.add(holder);
  }

  /** Drops `holder`'s claim; the connection closes when no holder is left. */
  release(holder: object): void {
    if (!this.#holders.delete(holder)) return;
    if (this.#holders.size === 0) this.close();
  }

  /** Closes the database (idempotent). Every later use throws {@link ClosedError}. */
  close(): void {
    if (this.#state === 'closed') return;
    const db = this.#db;
    this.#state = 'closed';
    this.#db = undefined;
    this.#statements.clear();
    this.#holders.clear();
    if (db === undefined) return;
    try {
      db.close();
    } catch (error) {
      throw toStorageError(error, 'close');
    }
  }

  /** The open database; throws {@link ClosedError} before {@link open} or after {@link close}. */
  get db(): DatabaseSync {
    if (this.#db === undefined) {
      throw new ClosedError('SQLite connection', this.#state === 'closed' ? 'closed' : 'not set up');
    }
    return this.#db;
  }

  /** A prepared statement for `sql`, cached (LRU) so hot queries are compiled once. */
  statement(sql: string): StatementSync {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.db.prepare(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return statement;
  }

  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction: commits when it returns, rolls back when it
   * throws and rethrows as a MemosError (driver errors become {@link StorageError}s).
   * `fn` must be synchronous (node:sqlite is), so nothing else interleaves.
   */
  transaction<T>(operation: string, fn: () => T): T {
    const db = this.db;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw toStorageError(error, operation);
    }
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#rollback(db, operation);
      throw toStorageError(error, operation);
    }
  }

  /** Runs `fn` (synchronous reads) and translates driver errors. */
  read<T>(operation: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toStorageError(error, operation);
    }
  }

  #rollback(db: DatabaseSync, operation: string): void {
    if (!db.isTransaction) return;
    try {
      db.exec('ROLLBACK');
    } catch (rollbackError) {
      this.logger.warn('sqlite rollback failed', { operation, error: String(rollbackError) });
    }
  }

  #openDatabase(): void {
    const { path } = this.#options;
    const inMemory = path === ':memory:' || path === '';
    let db: DatabaseSync;
    try {
      if (!inMemory && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
      db = new DatabaseSync(path, { allowExtension: true });
    } catch (error) {
      throw toStorageError(error, 'open');
    }
    try {
      loadSqliteVec(db);
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(this.#options.busyTimeoutMs ?? 5000))}`);
      if (!inMemory) {
        db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA mmap_size = 268435456');
      }
      db.exec(`PRAGMA synchronous = ${this.#options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.exec('PRAGMA foreign_keys = ON');
      // Forgotten rows must not linger in free pages (governance: forget; see sqlite-forget.ts).
      db.exec('PRAGMA secure_delete = ON');
      db.exec('PRAGMA cache_size = -65536');
      db.exec('PRAGMA temp_store = MEMORY');
      const applied = migrateSqlite(db);
      this.logger.debug('sqlite opened', { path, migrationsApplied: applied });
    } catch (error) {
      try {
        db.close();
      } catch (closeError) {
        this.logger.warn('sqlite close after failed open failed', { error: String(closeError) });
      }
      throw toStorageError(error, 'setup');
    }
    this.#db = db;
    this.#state = 'open';
  }
}

function loadSqliteVec(db: DatabaseSync): void {
  let path: string;
  try {
    path = getLoadablePath();
  } catch (error) {
    throw new DependencyMissingError('sqlite-vec', 'SQLite vector search', { cause: error });
  }
  db.loadExtension(path);
  db.enableLoadExtension(false);
}
