import { MemosError } from './memos-error.ts';

/** A resource was used before `setup()` or after `close()`. */
export class ClosedError extends MemosError {
  readonly resource: string;

  constructor(resource: string, state: 'not set up' | 'closed') {
    super('MEMOS_CLOSED', `${resource} is ${state}`);
    this.resource = resource;
  }
}
