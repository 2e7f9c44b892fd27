import type { ModelCallOutcome, ModelCallRecord } from '../spec/language-model-port.ts';
import { MemosError, type MemosErrorOptions } from './memos-error.ts';

const MARKER = Symbol.for('memos-js.error.extraction');

/** Options of {@link ExtractionError}. */
export interface ExtractionErrorOptions extends MemosErrorOptions {
  /** The model (port id) that was asked. */
  model: string;
  /** How many calls were made. */
  attempts: number;
  /** How the last call ended. */
  reason: ModelCallOutcome;
  /** The answer text of each attempt that produced one (each capped), oldest first. */
  texts: string[];
  /** Every call made, oldest first. */
  calls: ModelCallRecord[];
  /** Whether the same request may succeed later (a timeout or a retryable provider error last). */
  isRetryable?: boolean;
}

/**
 * A model did not produce a valid structured answer within the allowed attempts (invalid JSON, an
 * object that does not match the schema, an empty or oversized answer, timeouts or errors). Nothing
 * was changed; callers typically fall back (e.g. the reader's fast mode) and keep `calls` for the record.
 */
export class ExtractionError extends MemosError {
  readonly [MARKER] = true;
  /** The model (port id) that was asked. */
  readonly model: string;
  /** How many calls were made. */
  readonly attempts: number;
  /** How the last call ended. */
  readonly reason: ModelCallOutcome;
  /** The answer text of each attempt that produced one (each capped), oldest first. */
  readonly texts: readonly string[];
  /** Every call made, oldest first. */
  readonly calls: readonly ModelCallRecord[];

  constructor(message: string, options: ExtractionErrorOptions) {
    super('MEMOS_EXTRACTION', message, { cause: options.cause, isRetryable: options.isRetryable ?? false });
    this.model = options.model;
    this.attempts = options.attempts;
    this.reason = options.reason;
    this.texts = options.texts;
    this.calls = options.calls;
  }

  /** The answer text of the last attempt that produced one (capped), or `undefined`. */
  get lastText(): string | undefined {
    return this.texts[this.texts.length - 1];
  }

  /** True for any ExtractionError, even from another copy of the package. */
  static override isInstance(value: unknown): value is ExtractionError {
    return MemosError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[MARKER] === true;
  }
}
