import { MemosError, type MemosErrorOptions } from './memos-error.ts';

const MARKER = Symbol.for('memos-js.error.model-call');

/**
 * A language or embedding model call failed (the provider answered with an error, the local
 * model could not be loaded or generate, or it returned something unusable). `isRetryable`
 * tells whether the same call may succeed later (e.g. a rate limit or a 5xx from the provider).
 */
export class ModelCallError extends MemosError {
  readonly [MARKER] = true;
  /** The model that failed, e.g. `openai:gpt-4o-mini` or a GGUF file name. */
  readonly model: string;

  constructor(model: string, message: string, options: MemosErrorOptions & { isRetryable?: boolean } = {}) {
    super('MEMOS_MODEL_CALL', message, options);
    this.model = model;
  }

  /** True for any ModelCallError, even from another copy of the package. */
  static override isInstance(value: unknown): value is ModelCallError {
    return MemosError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}
