import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/**
 * Back-pressure: the job queue holds its maximum of unfinished (queued or running) jobs, so the job was not
 * enqueued. Retryable once the queue has drained a little.
 */
export class QueueFullError extends MemosError {
  /** The queue's maximum of unfinished jobs. */
  readonly limit: number;
  /** Unfinished jobs when the job was refused. */
  readonly actual: number;

  constructor(limit: number, actual: number, options: MemosErrorOptions = {}) {
    super('MEMOS_QUEUE_FULL', `The job queue is full: ${actual} unfinished jobs, the limit is ${limit}`, { ...options, isRetryable: true });
    this.limit = limit;
    this.actual = actual;
  }
}
