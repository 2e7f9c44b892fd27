import { ValidationError } from '../../errors/validation-error.ts';
import type { VersionQuery } from '../../spec/graph-store.ts';

/** `query` is `{ cubeId, itemId }` with two non-empty strings (every backend rejects the same inputs). */
export function requireVersionQuery(query: VersionQuery): void {
  if (typeof query !== 'object' || query === null) throw new ValidationError('query', 'must be { cubeId, itemId }');
  for (const field of ['cubeId', 'itemId'] as const) {
    if (typeof query[field] !== 'string' || query[field].length === 0) throw new ValidationError(field, 'must be a non-empty string');
  }
}
