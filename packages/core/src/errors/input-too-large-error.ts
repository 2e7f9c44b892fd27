import { ValidationError } from './validation-error.ts';

/** Input exceeds a documented size limit: nothing was changed. */
export class InputTooLargeError extends ValidationError {
  readonly limit: number;
  readonly actual: number;

  constructor(field: string, limit: number, actual: number) {
    super(field, `is ${actual} long, the limit is ${limit}`);
    Object.defineProperty(this, 'code', { value: 'MEMOS_INPUT_TOO_LARGE' });
    this.limit = limit;
    this.actual = actual;
  }
}
