import { ValidationError } from '../../errors/validation-error.ts';
import type { KeywordQuery, NeighborQuery } from '../../spec/graph-store.ts';
import { EDGE_TYPES } from '../../spec/memory-item.ts';
import { validateItemFilter } from '../item-filter/validate-item-filter.ts';

// Input rules of the Neo4j store beyond the shared ones in ../validation/, matching the SQLite store so both reject the same inputs.

const EDGE_TYPE_SET = new Set<string>(EDGE_TYPES);

/** `value.id` is a non-empty string. */
export function requireId(value: { id?: unknown } | null | undefined, field: string): void {
  if (typeof value !== 'object' || value === null || typeof value.id !== 'string' || value.id.length === 0) {
    throw new ValidationError(`${field}.id`, 'must be a non-empty string');
  }
}

/** `value` is an array of strings. */
export function requireStrings(value: unknown, field: string): asserts value is string[] {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw new ValidationError(field, 'must be an array of strings');
  }
}

/** `value` is a safe integer >= 0. */
export function requireCount(value: unknown, field: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ValidationError(field, 'must be an integer >= 0');
}

/** Checks a {@link KeywordQuery}: finite weights, k1 >= 0, b in [0, 1], avgDocLength > 0, limit >= 0, a valid filter. */
export function validateKeywordQuery(query: KeywordQuery): void {
  if (typeof query.weights !== 'object' || query.weights === null) throw new ValidationError('weights', 'must be an object');
  for (const [term, weight] of Object.entries(query.weights)) {
    if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new ValidationError(`weights.${term}`, 'must be a finite number');
  }
  if (typeof query.k1 !== 'number' || !(query.k1 >= 0) || !Number.isFinite(query.k1)) {
    throw new ValidationError('k1', 'must be a finite number >= 0');
  }
  if (typeof query.b !== 'number' || !(query.b >= 0 && query.b <= 1)) throw new ValidationError('b', 'must be in [0, 1]');
  if (typeof query.avgDocLength !== 'number' || !(query.avgDocLength > 0) || !Number.isFinite(query.avgDocLength)) {
    throw new ValidationError('avgDocLength', 'must be a finite number > 0');
  }
  requireCount(query.limit, 'limit');
  validateItemFilter(query.filter);
}

/** Checks a {@link NeighborQuery}: string ids, types from EDGE_TYPES, integer hops and limit >= 0, a valid filter. */
export function validateNeighborQuery(query: NeighborQuery): void {
  requireStrings(query.ids, 'ids');
  if (!Array.isArray(query.types) || !query.types.every((type) => EDGE_TYPE_SET.has(type))) {
    throw new ValidationError('types', `must be an array of ${EDGE_TYPES.join(', ')}`);
  }
  requireCount(query.hops, 'hops');
  requireCount(query.limit, 'limit');
  validateItemFilter(query.filter);
}
