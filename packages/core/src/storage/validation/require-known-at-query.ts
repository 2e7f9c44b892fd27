import { ValidationError } from '../../errors/validation-error.ts';
import type { KnownAtQuery } from '../../spec/graph-store.ts';
import { isIsoTimestamp } from '../item-filter/validate-item-filter.ts';

/** Checks a {@link KnownAtQuery} (cube ids as strings, `knownAt` from `toISOString()`); throws `ValidationError`. */
export function requireKnownAtQuery(query: unknown): asserts query is KnownAtQuery {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) throw new ValidationError('query', 'must be an object');
  const { cubeIds, knownAt } = query as Record<string, unknown>;
  if (!Array.isArray(cubeIds) || !cubeIds.every((id) => typeof id === 'string')) throw new ValidationError('cubeIds', 'must be an array of strings');
  if (!isIsoTimestamp(knownAt)) throw new ValidationError('knownAt', 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
}
