import { MemosError } from '../../errors/memos-error.ts';
import { StorageError } from '../../errors/storage-error.ts';

/** SQLite primary result codes after which the same call may succeed later. */
const RETRYABLE_CODES = new Set([5 /* SQLITE_BUSY */, 6 /* SQLITE_LOCKED */]);

/**
 * Translates a `node:sqlite` (or sqlite-vec) error into a {@link StorageError} with `isRetryable`
 * set for busy/locked databases. MemosErrors pass through unchanged.
 */
export function toStorageError(error: unknown, operation: string): MemosError {
  if (MemosError.isInstance(error)) return error;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  const primary = typeof errcode === 'number' ? errcode & 0xff : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('sqlite', operation, message, {
    cause: error,
    isRetryable: primary !== undefined && RETRYABLE_CODES.has(primary),
  });
}
