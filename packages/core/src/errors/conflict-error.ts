import { MemosError } from './memos-error.ts';

/** The operation conflicts with existing state (duplicate id, wrong status, stale version). */
export class ConflictError extends MemosError {
  readonly entity: string;
  readonly id: string;

  constructor(entity: string, id: string, message: string) {
    super('MEMOS_CONFLICT', message);
    this.entity = entity;
    this.id = id;
  }
}
