import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/** Input failed validation: nothing was changed. */
export class ValidationError extends MemosError {
  /** Path of the offending field, e.g. `messages[2].role`. */
  readonly field: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(field: string, reason: string, options: MemosErrorOptions = {}) {
    super('MEMOS_VALIDATION', `Invalid ${field}: ${reason}`, options);
    this.field = field;
    this.reason = reason;
  }
}
