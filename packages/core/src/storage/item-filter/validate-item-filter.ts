import { ValidationError } from '../../errors/validation-error.ts';
import type { ItemFilter } from '../../spec/search.ts';

/** `Date.prototype.toISOString()` output, including the six-digit signed years it uses outside 0000–9999. */
const ISO_TIMESTAMP = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True when `value` is an ISO-8601 UTC timestamp as produced by `Date.prototype.toISOString()`. */
export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIMESTAMP.test(value);
}

const LIST_FIELDS = ['ids', 'cubeIds', 'statuses', 'memoryTypes', 'tagsAny', 'tagsAll'] as const;
const STRING_FIELDS = ['ownerId', 'sessionId'] as const;
const TIME_FIELDS = ['createdFrom', 'createdTo', 'validFrom', 'validTo', 'asOf', 'knownAt', 'expiresAfter', 'expiredBy'] as const;
const KNOWN_FIELDS = new Set<string>([...LIST_FIELDS, ...STRING_FIELDS, ...TIME_FIELDS, 'metadata']);

/**
 * Checks that `filter` is a well-formed {@link ItemFilter} (lists of strings, string equality
 * fields, scalar metadata values with finite numbers, `toISOString()` timestamps, no unknown keys)
 * and throws a {@link ValidationError} naming the first offending field otherwise. Fields set to
 * `undefined` count as absent. Backends call it before compiling a filter, so every backend rejects
 * the same inputs.
 */
export function validateItemFilter(filter: unknown, field = 'filter'): asserts filter is ItemFilter {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new ValidationError(field, 'must be an object');
  }
  const record = filter as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KNOWN_FIELDS.has(key)) throw new ValidationError(`${field}.${key}`, 'is not an ItemFilter field');
  }
  for (const key of LIST_FIELDS) {
    const value = record[key];
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
      throw new ValidationError(`${field}.${key}`, 'must be an array of strings');
    }
  }
  for (const key of STRING_FIELDS) {
    const value = record[key];
    if (value !== undefined && typeof value !== 'string') throw new ValidationError(`${field}.${key}`, 'must be a string');
  }
  for (const key of TIME_FIELDS) {
    const value = record[key];
    if (value !== undefined && !isIsoTimestamp(value)) {
      throw new ValidationError(`${field}.${key}`, 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
    }
  }
  const metadata = record['metadata'];
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ValidationError(`${field}.metadata`, 'must be an object of scalar values');
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (!isMetadataScalar(value)) {
        throw new ValidationError(`${field}.metadata.${key}`, 'must be a string, a finite number, a boolean or null');
      }
    }
  }
}

/** True for a valid `MetadataValue`: string, finite number, boolean or null. */
export function isMetadataScalar(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}
