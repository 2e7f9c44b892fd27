import { MemosError } from './memos-error.ts';

/** A user, cube, memory item or version does not exist. */
export class NotFoundError extends MemosError {
  readonly entity: 'user' | 'cube' | 'memory' | 'version' | 'adapter';
  readonly id: string;

  constructor(entity: NotFoundError['entity'], id: string) {
    super('MEMOS_NOT_FOUND', `Unknown ${entity}: ${JSON.stringify(id)}`);
    this.entity = entity;
    this.id = id;
  }
}
