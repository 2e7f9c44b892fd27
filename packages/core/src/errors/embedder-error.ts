import { MemosError, type MemosErrorOptions } from './memos-error.ts';

const MARKER = Symbol.for('memos-js.error.embedder');

/** A built-in embedder failed to embed a text or returned a vector of the wrong shape. */
export class EmbedderError extends MemosError {
  readonly [MARKER] = true;
  /** The embedder's model, e.g. the GGUF file name. */
  readonly model: string;

  constructor(model: string, message: string, options: MemosErrorOptions & { isRetryable?: boolean } = {}) {
    super('MEMOS_EMBEDDER', message, options);
    this.model = model;
  }

  /** True for any EmbedderError, even from another copy of the package. */
  static override isInstance(value: unknown): value is EmbedderError {
    return MemosError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}
