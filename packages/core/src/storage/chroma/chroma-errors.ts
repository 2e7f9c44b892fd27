import { MemosError } from '../../errors/memos-error.ts';
import { StorageError } from '../../errors/storage-error.ts';

/** chromadb client error classes after which the same call may succeed later. */
const RETRYABLE_NAMES = new Set(['ChromaConnectionError', 'ChromaServerError', 'ChromaRateLimitError', 'AbortError', 'TimeoutError']);

/** chromadb client error classes that report a request the server refused (4xx) or the client rejected. */
const PERMANENT_NAMES = new Set([
  'ChromaClientError',
  'ChromaValueError',
  'ChromaUnauthorizedError',
  'ChromaForbiddenError',
  'ChromaNotFoundError',
  'ChromaUniqueError',
  'ChromaQuotaExceededError',
  'InvalidCollectionError',
  'InvalidArgumentError',
]);

/** Node's socket error codes that mean the server could not be reached or dropped the connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/**
 * Translates a chromadb client error into a {@link StorageError}: connection failures, `fetch failed`,
 * socket errors, 5xx (`ChromaServerError`) and 429 are retryable; 4xx and client-side validation errors
 * are not. The client maps statuses it does not know to `ChromaServerError`; when its message reveals a
 * 4xx status (`"413: Payload Too Large"`) that one is not retryable either. MemosErrors pass through.
 */
export function toChromaStorageError(error: unknown, operation: string): MemosError {
  if (MemosError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StorageError('chroma', operation, message, { cause: error, isRetryable: isRetryableChromaError(error) });
}

/** Whether the same call may succeed later (see {@link toChromaStorageError}). */
export function isRetryableChromaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof name === 'string' && PERMANENT_NAMES.has(name)) return false;
  if (name === 'ChromaServerError' && typeof message === 'string' && /^4\d\d\b/.test(message)) return false;
  if (typeof name === 'string' && RETRYABLE_NAMES.has(name)) return true;
  if (name === 'TypeError' && typeof message === 'string' && /fetch failed|Failed to fetch/i.test(message)) return true;
  return hasNetworkCode(error, 0);
}

function hasNetworkCode(error: unknown, depth: number): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return hasNetworkCode(cause, depth + 1);
}
