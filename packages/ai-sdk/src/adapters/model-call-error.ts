import { APICallError } from '@ai-sdk/provider';
import { MemosError } from '@memos-js/core';
import { RetryError } from 'ai';

/** Code of errors thrown when an AI SDK model call made by an adapter fails. */
export const MODEL_CALL_ERROR_CODE = 'MEMOS_MODEL_CALL';

/**
 * Wraps a failed AI SDK call in a `MemosError` (code `MEMOS_MODEL_CALL`, the AI SDK error as
 * `cause`, `isRetryable` from the provider's API error). MemosErrors and aborts are returned as
 * they are: an abort is the caller's decision, not a model failure.
 */
export function toModelCallError(error: unknown, what: string): unknown {
  if (MemosError.isInstance(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const isRetryable = APICallError.isInstance(last) && last.isRetryable;
  const message = error instanceof Error ? error.message : String(error);
  return new MemosError(MODEL_CALL_ERROR_CODE, `${what} failed: ${message}`, { cause: error, isRetryable });
}
