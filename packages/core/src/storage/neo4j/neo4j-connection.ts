import type { Driver, ManagedTransaction } from 'neo4j-driver';
import { ClosedError } from '../../errors/closed-error.ts';
import { DependencyFailedError } from '../../errors/dependency-failed-error.ts';
import { DependencyMissingError } from '../../errors/dependency-missing-error.ts';
import type { Logger } from '../../spec/logger.ts';
import { toStorageError } from './neo4j-errors.ts';
import { SCHEMA_EXISTS_CODES, SCHEMA_STATEMENTS, validateNamespace } from './neo4j-schema.ts';

/** The `neo4j-driver` module (its default export). */
export type Neo4jDriverModule = typeof import('neo4j-driver').default;

/** The part of the injectable {@link Logger} the Neo4j backend uses. */
export type Neo4jLogger = Pick<Logger, 'debug' | 'warn'>;

/** Options of {@link Neo4jConnection}. */
export interface Neo4jConnectionOptions {
  /** Bolt URL, e.g. `bolt://127.0.0.1:7687` (single server) or `neo4j://host:7687` (routing). */
  url: string;
  /** User name. Default `neo4j`. */
  username?: string;
  /** Password. Default `neo4j` (servers with auth disabled accept anything). */
  password?: string;
  /** Database name. Default: the server's default database. */
  database?: string;
  /**
   * Namespace of this store inside the database (pattern `^[A-Za-z][A-Za-z0-9_]{0,40}$`, default
   * `memos`): every node carries it and every query is restricted to it, so several stores (test
   * files, tenants) can share one Community database without seeing each other's data.
   */
  namespace?: string;
  /** Receives debug and warning messages. Default: none. */
  logger?: Neo4jLogger;
  /** Most connections the driver keeps open. Default: the driver's (100). */
  maxConnectionPoolSize?: number;
  /** How long managed transactions are retried on transient errors, in ms. Default 15000. */
  maxTransactionRetryTimeMs?: number;
  /** Timeout of one connection attempt, in ms. Default 10000. */
  connectionTimeoutMs?: number;
  /** Server-side timeout of each transaction, in ms. Default: the server's setting (none). */
  transactionTimeoutMs?: number;
  /** Loads the driver module (tests inject failures here). Default: `import('neo4j-driver')`. */
  importDriver?: () => Promise<unknown>;
}

const SILENT: Neo4jLogger = { debug: () => {}, warn: () => {} };
const DEFAULT_RETRY_MS = 15_000;

/**
 * One `neo4j-driver` driver shared by the Neo4j graph and vector stores. The constructor does no
 * I/O; {@link open} (called by the stores' `setup()`) loads the driver lazily, verifies
 * connectivity and creates the schema idempotently. The driver closes when the last store holding
 * it closes, or on {@link close}. Every call goes through {@link read} / {@link write}, which map
 * driver errors to `StorageError`s (retryable when the driver says so).
 */
export class Neo4jConnection {
  /** The namespace every query of this connection is restricted to. */
  readonly namespace: string;
  readonly #options: Neo4jConnectionOptions;
  #module: Neo4jDriverModule | undefined;
  #driver: Driver | undefined;
  #state: 'new' | 'open' | 'closed' = 'new';
  #opening: Promise<void> | undefined;
  readonly #holders = new Set<object>();

  constructor(options: Neo4jConnectionOptions) {
    this.namespace = validateNamespace(options.namespace);
    this.#options = options;
  }

  /** The logger from the options, or one that drops everything. */
  get logger(): Neo4jLogger {
    return this.#options.logger ?? SILENT;
  }

  /** Whether the connection is open. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** The loaded driver module (for `int()`); throws {@link ClosedError} before {@link open}. */
  get neo4j(): Neo4jDriverModule {
    this.#driverOrThrow();
    return this.#module as Neo4jDriverModule;
  }

  /**
   * Connects and creates the schema (idempotent; a failed attempt can be retried). `holder` (a
   * store) keeps the connection open until it calls {@link release}. Throws {@link ClosedError}
   * after {@link close}, `DependencyMissingError` without `neo4j-driver`, a `StorageError`
   * (retryable when the server is unreachable) otherwise.
   */
  async open(holder?: object): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('Neo4j connection', 'closed');
    if (this.#state === 'new') {
      this.#opening ??= this.#connect().finally(() => {
        this.#opening = undefined;
      });
      await this.#opening;
    }
    if (this.#state !== 'open') throw new ClosedError('Neo4j connection', 'closed');
    if (holder !== undefined) this.#holders.add(holder);
  }

  /** Drops `holder`'s claim; the driver closes when no holder is left. */
  async release(holder: object): Promise<void> {
    if (!this.#holders.delete(holder)) return;
    if (this.#holders.size === 0) await this.close();
  }

  /** Closes the driver (idempotent). Every later use throws {@link ClosedError}. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#holders.clear();
    const driver = this.#driver;
    this.#driver = undefined;
    if (driver === undefined) return;
    try {
      await driver.close();
    } catch (error) {
      throw toStorageError(error, 'close');
    }
  }

  /** Runs `fn` in one managed write transaction: all of it commits, or none of it (retried on transient errors). */
  async write<T>(operation: string, fn: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const driver = this.#driverOrThrow();
    const session = driver.session(this.#sessionConfig('WRITE'));
    try {
      return await session.executeWrite(fn, this.#txConfig());
    } catch (error) {
      throw toStorageError(error, operation);
    } finally {
      await session.close().catch((error: unknown) => this.logger.warn('neo4j session close failed', { error: String(error) }));
    }
  }

  /**
   * Runs one read statement in an auto-commit transaction (one round trip instead of the managed
   * transaction's two) and returns its records as objects. Retried, like managed transactions, on
   * retryable errors (server restarting, leader switch) for up to `maxTransactionRetryTimeMs`.
   */
  async query(operation: string, cypher: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    const started = Date.now();
    const budget = this.#options.maxTransactionRetryTimeMs ?? DEFAULT_RETRY_MS;
    for (let attempt = 0; ; attempt += 1) {
      const driver = this.#driverOrThrow();
      const session = driver.session(this.#sessionConfig('READ'));
      try {
        const result = await session.run(cypher, params, this.#txConfig());
        return result.records.map((record) => record.toObject() as Record<string, unknown>);
      } catch (error) {
        const mapped = toStorageError(error, operation);
        if (!mapped.isRetryable || Date.now() - started >= budget) throw mapped;
        this.logger.debug('neo4j read retried', { operation, attempt, error: mapped.message });
      } finally {
        await session.close().catch((error: unknown) => this.logger.warn('neo4j session close failed', { error: String(error) }));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
    }
  }

  /** Runs one auto-commit statement (schema changes, which cannot share a transaction with data). */
  async autoCommit(operation: string, cypher: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
    const driver = this.#driverOrThrow();
    const session = driver.session(this.#sessionConfig('WRITE'));
    try {
      const result = await session.run(cypher, params);
      return result.records.map((record) => record.toObject() as Record<string, unknown>);
    } catch (error) {
      throw toStorageError(error, operation);
    } finally {
      await session.close();
    }
  }

  #txConfig(): { timeout: number } | undefined {
    return this.#options.transactionTimeoutMs === undefined ? undefined : { timeout: this.#options.transactionTimeoutMs };
  }

  #sessionConfig(mode: 'READ' | 'WRITE') {
    const neo4j = this.#module as Neo4jDriverModule;
    return {
      defaultAccessMode: mode === 'READ' ? neo4j.session.READ : neo4j.session.WRITE,
      ...(this.#options.database === undefined ? {} : { database: this.#options.database }),
    };
  }

  #driverOrThrow(): Driver {
    if (this.#driver === undefined || this.#state !== 'open') {
      throw new ClosedError('Neo4j connection', this.#state === 'closed' ? 'closed' : 'not set up');
    }
    return this.#driver;
  }

  async #connect(): Promise<void> {
    const neo4j = await this.#loadModule();
    const options = this.#options;
    let driver: Driver;
    try {
      driver = neo4j.driver(options.url, neo4j.auth.basic(options.username ?? 'neo4j', options.password ?? 'neo4j'), {
        disableLosslessIntegers: true,
        maxTransactionRetryTime: options.maxTransactionRetryTimeMs ?? DEFAULT_RETRY_MS,
        connectionTimeout: options.connectionTimeoutMs ?? 10_000,
        ...(options.maxConnectionPoolSize === undefined ? {} : { maxConnectionPoolSize: options.maxConnectionPoolSize }),
      });
    } catch (error) {
      throw toStorageError(error, 'setup');
    }
    try {
      await driver.verifyConnectivity(options.database === undefined ? {} : { database: options.database });
      if (this.#state === 'closed') throw new ClosedError('Neo4j connection', 'closed');
      this.#module = neo4j;
      this.#driver = driver;
      this.#state = 'open';
      await this.#ensureSchema();
    } catch (error) {
      if (this.#state !== 'closed') this.#state = 'new';
      this.#driver = undefined;
      await driver.close().catch(() => {});
      throw toStorageError(error, 'setup');
    }
    this.logger.debug('neo4j connected', { url: options.url, namespace: this.namespace });
  }

  async #loadModule(): Promise<Neo4jDriverModule> {
    if (this.#module !== undefined) return this.#module;
    let loaded: unknown;
    try {
      loaded = await (this.#options.importDriver ?? (() => import('neo4j-driver')))();
    } catch (error) {
      throw new DependencyMissingError('neo4j-driver', 'The Neo4j backend', { cause: error });
    }
    const mod = ((loaded as { default?: unknown }).default ?? loaded) as Neo4jDriverModule;
    if (typeof mod?.driver !== 'function') {
      throw new DependencyFailedError('neo4j-driver', 'The Neo4j backend', 'the module exports no driver()');
    }
    return mod;
  }

  /** Creates the missing constraints and indexes (fixed statements), then waits until they are online. */
  async #ensureSchema(): Promise<void> {
    const existing = new Set<string>();
    for (const row of await this.autoCommit('setup', 'SHOW INDEXES YIELD name RETURN name')) existing.add(String(row['name']));
    for (const row of await this.autoCommit('setup', 'SHOW CONSTRAINTS YIELD name RETURN name')) existing.add(String(row['name']));
    const missing = SCHEMA_STATEMENTS.filter((statement) => !existing.has(statement.name));
    for (const statement of missing) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.autoCommit('setup', statement.cypher);
          break;
        } catch (error) {
          const code = (error as { cause?: { code?: unknown } }).cause?.code;
          if (typeof code === 'string' && SCHEMA_EXISTS_CODES.has(code)) break; // a concurrent setup created it
          // Concurrent schema changes can deadlock (a transient error): try again a few times.
          if ((error as { isRetryable?: unknown }).isRetryable === true && attempt < 6) {
            await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
            continue;
          }
          throw error;
        }
      }
    }
    // Also when nothing was missing: a concurrent setup may have created indexes that still populate.
    await this.autoCommit('setup', 'CALL db.awaitIndexes(300)');
    if (missing.length > 0) this.logger.debug('neo4j schema created', { created: missing.map((statement) => statement.name) });
  }
}
