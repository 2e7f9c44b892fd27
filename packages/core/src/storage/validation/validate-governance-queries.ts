import { ValidationError } from '../../errors/validation-error.ts';
import type { AuditQuery, DumpRecord } from '../../spec/graph-store.ts';
import { isIsoTimestamp } from '../item-filter/validate-item-filter.ts';

// Backend-neutral checks of the governance store calls (audit queries, forget, dumps): every
// backend rejects the same inputs with the same ValidationError.

/** Checks an {@link AuditQuery}. */
export function validateAuditQuery(query: unknown): asserts query is AuditQuery {
  if (typeof query !== 'object' || query === null || Array.isArray(query)) throw new ValidationError('query', 'must be an object');
  const q = query as Record<string, unknown>;
  for (const field of ['cubeId', 'itemId', 'actor'] as const) {
    if (q[field] !== undefined && typeof q[field] !== 'string') throw new ValidationError(field, 'must be a string when set');
  }
  if (q['actions'] !== undefined) requireStrings(q['actions'], 'actions');
  for (const field of ['since', 'until'] as const) {
    if (q[field] !== undefined && !isIsoTimestamp(q[field])) throw new ValidationError(field, 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
  }
  const limit = q['limit'];
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)) throw new ValidationError('limit', 'must be an integer >= 0');
  if (q['direction'] !== undefined && q['direction'] !== 'asc' && q['direction'] !== 'desc') throw new ValidationError('direction', 'must be asc or desc');
}

/** Checks `{ cubeId, ids }` of `forgetItems`. */
export function validateForgetItems(query: unknown): asserts query is { cubeId: string; ids: string[] } {
  if (typeof query !== 'object' || query === null) throw new ValidationError('query', 'must be { cubeId, ids }');
  const q = query as Record<string, unknown>;
  requireNonEmpty(q['cubeId'], 'cubeId');
  requireStrings(q['ids'], 'ids');
}

/** Checks `{ userId }` of `purgeUser`. */
export function validateUserQuery(query: unknown): asserts query is { userId: string } {
  if (typeof query !== 'object' || query === null) throw new ValidationError('query', 'must be { userId }');
  requireNonEmpty((query as Record<string, unknown>)['userId'], 'userId');
}

/** Checks a {@link DumpRecord}. */
export function validateDumpRecord(dump: unknown): asserts dump is DumpRecord {
  if (typeof dump !== 'object' || dump === null) throw new ValidationError('dump', 'must be { dir, cubeId, at }');
  const d = dump as Record<string, unknown>;
  requireNonEmpty(d['dir'], 'dump.dir');
  requireNonEmpty(d['cubeId'], 'dump.cubeId');
  if (!isIsoTimestamp(d['at'])) throw new ValidationError('dump.at', 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
}

/** Checks an array of strings. */
export function requireStrings(value: unknown, field: string): asserts value is string[] {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) throw new ValidationError(field, 'must be an array of strings');
}

function requireNonEmpty(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(field, 'must be a non-empty string');
}
