import { MemosError } from '../../errors/memos-error.ts';
import { StorageError } from '../../errors/storage-error.ts';

/** Driver error codes (client side) after which the same call may succeed later. */
const RETRYABLE_DRIVER_CODES = new Set(['ServiceUnavailable', 'SessionExpired']);

/** Node.js socket error codes that mean "the server is not (yet) reachable". */
const RETRYABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Translates a `neo4j-driver` error into a {@link StorageError}. `isRetryable` is true when the
 * driver marks the error retryable (`Neo4jError.retryable`: transient server errors, deadlocks,
 * leader switches), for `ServiceUnavailable` / `SessionExpired` (server down or restarting), for
 * `Neo.TransientError.*` codes and for refused/reset sockets. MemosErrors pass through unchanged.
 */
export function toStorageError(error: unknown, operation: string): MemosError {
  if (MemosError.isInstance(error)) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof record['code'] === 'string' ? record['code'] : '';
  const message = error instanceof Error ? error.message : String(error);
  const isRetryable =
    record['retryable'] === true ||
    record['retriable'] === true ||
    RETRYABLE_DRIVER_CODES.has(code) ||
    code.startsWith('Neo.TransientError.') ||
    RETRYABLE_SOCKET_CODES.has(code) ||
    RETRYABLE_SOCKET_CODES.has(socketCode(error));
  return new StorageError('neo4j', operation, code === '' ? message : `${message} (${code})`, { cause: error, isRetryable });
}

/** The `code` of a nested socket error (the driver wraps them), or ''. */
function socketCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_SOCKET_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}
