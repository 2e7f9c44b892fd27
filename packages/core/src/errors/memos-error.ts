const MARKER = Symbol.for('memos-js.error');

/** Options every MemosError accepts. */
export interface MemosErrorOptions {
  /** The underlying error (driver error, I/O error, ...). */
  cause?: unknown;
}

/**
 * Base class of every error MemOS.js throws. Check with `MemosError.isInstance(e)` (works across
 * duplicated package copies) or `instanceof`. `code` is stable and machine-readable.
 */
export class MemosError extends Error {
  readonly [MARKER] = true;
  /** Stable machine-readable code, e.g. `MEMOS_VALIDATION`. */
  readonly code: string;
  /** Whether retrying the same call may succeed (e.g. a server restart). */
  readonly isRetryable: boolean;

  constructor(code: string, message: string, options: MemosErrorOptions & { isRetryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
  }

  /** True for any MemosError, even from another copy of the package. */
  static isInstance(value: unknown): value is MemosError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}
