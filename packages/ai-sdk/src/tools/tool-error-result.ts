import { MemosError } from '@memos-js/core';

/** What a memory tool returns instead of throwing when MemOS rejects the call. */
export interface ToolErrorResult {
  error: {
    /** Stable MemosError code, e.g. `MEMOS_NOT_FOUND`, `MEMOS_VALIDATION`. */
    code: string;
    message: string;
  };
}

/**
 * Runs a tool body and turns a `MemosError` (bad input, unknown id, no access, ...) into a
 * {@link ToolErrorResult} the model can read and react to. Any other error is rethrown (the AI SDK
 * reports it as a tool error): it is a bug or an outage, not something the model can fix.
 */
export async function withToolErrors<T>(run: () => Promise<T>): Promise<T | ToolErrorResult> {
  try {
    return await run();
  } catch (error) {
    if (MemosError.isInstance(error)) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}
