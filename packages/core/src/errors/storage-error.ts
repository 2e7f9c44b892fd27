import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/** A storage backend failed. `isRetryable` tells whether the same call may succeed later. */
export class StorageError extends MemosError {
  /** Backend name, e.g. `sqlite`, `neo4j`, `chroma`. */
  readonly backend: string;
  /** What was being done, e.g. `write`, `query`. */
  readonly operation: string;

  constructor(backend: string, operation: string, message: string, options: MemosErrorOptions & { isRetryable?: boolean } = {}) {
    super('MEMOS_STORAGE', `${backend} ${operation} failed: ${message}`, options);
    this.backend = backend;
    this.operation = operation;
  }
}
