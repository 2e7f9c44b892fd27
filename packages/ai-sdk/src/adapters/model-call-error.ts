import { APICallError } from '@ai-sdk/provider';
import { MemosError, ModelCallError } from '@memos-js/core';
import { RetryError } from 'ai';

/** Code of errors thrown when an AI SDK model call made by an adapter fails (`ModelCallError.code`). */
export const MODEL_CALL_ERROR_CODE = 'MEMOS_MODEL_CALL';

/**
 * Wraps a failed AI SDK call in a `ModelCallError` (code `MEMOS_MODEL_CALL`, the AI SDK error as
 * `cause`, `isRetryable` from the provider's API error). MemosErrors and aborts are returned as
 * they are: an abort is the caller's decision, not a model failure.
 *
 * @param error what the AI SDK threw
 * @param model the model that failed (e.g. `openai:gpt-4o-mini`)
 * @param what the call, for the message (e.g. `Generating with openai:gpt-4o-mini`)
 */
export function toModelCallError(error: unknown, model: string, what: string): unknown {
  if (MemosError.isInstance(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const isRetryable = APICallError.isInstance(last) && last.isRetryable;
  const message = error instanceof Error ? error.message : String(error);
  return new ModelCallError(model, `${what} failed: ${message}`, { cause: error, isRetryable });
}
