import { ValidationError } from '../../errors/validation-error.ts';
import type { ItemWrite, WriteBatch } from '../../spec/graph-store.ts';
import { EDGE_TYPES, MEMORY_STATUSES, type MemoryItem } from '../../spec/memory-item.ts';
import { isIsoTimestamp, isMetadataScalar } from '../item-filter/validate-item-filter.ts';

// Backend-agnostic (depends only on spec/ and item-filter/): other backends may reuse it.

const KINDS = new Set(['plaintext', 'activation', 'parametric']);
const STATUSES = new Set<string>(MEMORY_STATUSES);
const EDGE_TYPE_SET = new Set<string>(EDGE_TYPES);
const SYNC_STATES = new Set(['pending', 'synced', 'failed', 'none']);
const VERSION_ACTIONS = new Set(['create', 'update', 'delete', 'invalidate', 'rollback', 'archive', 'expire', 'merge', 'restore']);

/**
 * Checks a whole {@link WriteBatch} before anything is written and throws a {@link ValidationError}
 * naming the first offending field (e.g. `items[1].item.status`). Rules: ids and names are non-empty
 * strings; enums come from spec/ (`MEMORY_STATUSES`, `EDGE_TYPES`, ...); numbers are finite
 * (`version` a positive integer, `accessCount` a non-negative integer, edge `weight` in [0, 1]);
 * timestamps are `toISOString()` strings; tags and terms are strings; metadata/details values are
 * scalars; `expectedVersion` is an integer >= 0, and an id whose write carries one appears once.
 * Unknown extra properties are not rejected (and not stored).
 */
export function validateWriteBatch(batch: unknown): asserts batch is WriteBatch {
  const b = record(batch, 'batch');
  list(b['requireCubes'], 'requireCubes').forEach((cubeId, i) => nonEmpty(cubeId, `requireCubes[${i}]`));
  if (b['touch'] !== undefined) {
    const touch = record(b['touch'], 'touch');
    list(touch['ids'], 'touch.ids', true).forEach((id, i) => nonEmpty(id, `touch.ids[${i}]`));
    timestamp(touch['at'], 'touch.at');
  }
  const items = list(b['items'], 'items');
  items.forEach((write, i) => validateItemWrite(write, `items[${i}]`));
  checkVersionedIds(items as ItemWrite[]);
  list(b['edges'], 'edges').forEach((edge, i) => {
    const e = record(edge, `edges[${i}]`);
    edgeKey(e, `edges[${i}]`);
    nonEmpty(e['cubeId'], `edges[${i}].cubeId`);
    const weight = e['weight'];
    if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) {
      throw new ValidationError(`edges[${i}].weight`, 'must be a number in [0, 1]');
    }
    timestamp(e['createdAt'], `edges[${i}].createdAt`);
  });
  list(b['removeEdges'], 'removeEdges').forEach((edge, i) => edgeKey(record(edge, `removeEdges[${i}]`), `removeEdges[${i}]`));
  list(b['versions'], 'versions').forEach((version, i) => {
    const field = `versions[${i}]`;
    const v = record(version, field);
    nonEmpty(v['itemId'], `${field}.itemId`);
    nonEmpty(v['cubeId'], `${field}.cubeId`);
    integer(v['version'], `${field}.version`, 1);
    oneOf(v['action'], VERSION_ACTIONS, `${field}.action`);
    nonEmpty(v['actor'], `${field}.actor`);
    timestamp(v['at'], `${field}.at`);
    optionalString(v['reason'], `${field}.reason`);
    validateMemoryItem(v['snapshot'], `${field}.snapshot`);
  });
  list(b['audit'], 'audit').forEach((entry, i) => {
    const field = `audit[${i}]`;
    const a = record(entry, field);
    nonEmpty(a['id'], `${field}.id`);
    timestamp(a['at'], `${field}.at`);
    nonEmpty(a['actor'], `${field}.actor`);
    nonEmpty(a['action'], `${field}.action`);
    optionalString(a['cubeId'], `${field}.cubeId`);
    optionalString(a['itemId'], `${field}.itemId`);
    if (a['itemIds'] !== undefined && !(Array.isArray(a['itemIds']) && a['itemIds'].every((id) => typeof id === 'string'))) {
      throw new ValidationError(`${field}.itemIds`, 'must be an array of strings when set');
    }
    if (a['resultCount'] !== undefined) integer(a['resultCount'], `${field}.resultCount`, 0);
    if (a['details'] !== undefined) scalars(a['details'], `${field}.details`);
  });
}

function validateItemWrite(value: unknown, field: string): asserts value is ItemWrite {
  const w = record(value, field);
  validateMemoryItem(w['item'], `${field}.item`);
  const terms = w['terms'];
  if (!Array.isArray(terms) || !terms.every((term) => typeof term === 'string' && term.length > 0)) {
    throw new ValidationError(`${field}.terms`, 'must be an array of non-empty strings');
  }
  if (w['expectedVersion'] !== undefined) integer(w['expectedVersion'], `${field}.expectedVersion`, 0);
}

/** An id whose write carries `expectedVersion` appears once in the batch (the check is per stored row). */
function checkVersionedIds(items: readonly ItemWrite[]): void {
  const seen = new Map<string, boolean>();
  items.forEach((write, i) => {
    const versioned = write.expectedVersion !== undefined;
    const earlier = seen.get(write.item.id);
    if (earlier !== undefined && (earlier || versioned)) {
      throw new ValidationError(`items[${i}].item.id`, 'appears twice in the batch while one of its writes has an expectedVersion');
    }
    seen.set(write.item.id, versioned);
  });
}

/** Checks one {@link MemoryItem} (see {@link validateWriteBatch} for the rules). */
export function validateMemoryItem(value: unknown, field = 'item'): asserts value is MemoryItem {
  const item = record(value, field);
  for (const key of ['id', 'cubeId', 'ownerId', 'memoryType'] as const) nonEmpty(item[key], `${field}.${key}`);
  for (const key of ['text', 'key'] as const) {
    if (typeof item[key] !== 'string') throw new ValidationError(`${field}.${key}`, 'must be a string');
  }
  for (const key of ['sessionId', 'embeddingModel', 'payloadRef'] as const) optionalString(item[key], `${field}.${key}`);
  oneOf(item['kind'], KINDS, `${field}.kind`);
  oneOf(item['status'], STATUSES, `${field}.status`);
  oneOf(item['vectorSyncState'], SYNC_STATES, `${field}.vectorSyncState`);
  const tags = item['tags'];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
    throw new ValidationError(`${field}.tags`, 'must be an array of strings');
  }
  scalars(item['metadata'], `${field}.metadata`);
  for (const key of ['confidence', 'importance'] as const) {
    if (typeof item[key] !== 'number' || !Number.isFinite(item[key])) throw new ValidationError(`${field}.${key}`, 'must be a finite number');
  }
  integer(item['version'], `${field}.version`, 1);
  integer(item['accessCount'], `${field}.accessCount`, 0);
  list(item['sources'], `${field}.sources`, true).forEach((source, i) => {
    const s = record(source, `${field}.sources[${i}]`);
    if (typeof s['role'] !== 'string') throw new ValidationError(`${field}.sources[${i}].role`, 'must be a string');
  });
  for (const key of ['createdAt', 'updatedAt'] as const) timestamp(item[key], `${field}.${key}`);
  for (const key of ['validAt', 'invalidAt', 'expiredAt', 'expiresAt', 'lastAccessedAt'] as const) {
    if (item[key] !== undefined) timestamp(item[key], `${field}.${key}`);
  }
  if (item['pinned'] !== undefined && typeof item['pinned'] !== 'boolean') throw new ValidationError(`${field}.pinned`, 'must be a boolean');
  if (item['redactions'] !== undefined) {
    list(item['redactions'], `${field}.redactions`).forEach((mark, i) => {
      const m = record(mark, `${field}.redactions[${i}]`);
      nonEmpty(m['kind'], `${field}.redactions[${i}].kind`);
      integer(m['count'], `${field}.redactions[${i}].count`, 1);
    });
  }
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'must be an object');
  return value as Record<string, unknown>;
}

function list(value: unknown, field: string, required = false): unknown[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be an array');
  return value;
}

function edgeKey(edge: Record<string, unknown>, field: string): void {
  nonEmpty(edge['from'], `${field}.from`);
  nonEmpty(edge['to'], `${field}.to`);
  oneOf(edge['type'], EDGE_TYPE_SET, `${field}.type`);
}

function nonEmpty(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(field, 'must be a non-empty string');
}

function optionalString(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== 'string') throw new ValidationError(field, 'must be a string when set');
}

function oneOf(value: unknown, allowed: ReadonlySet<string>, field: string): void {
  if (typeof value !== 'string' || !allowed.has(value)) throw new ValidationError(field, `must be one of ${[...allowed].join(', ')}`);
}

function integer(value: unknown, field: string, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(field, `must be an integer >= ${min}`);
  }
}

function timestamp(value: unknown, field: string): void {
  if (!isIsoTimestamp(value)) throw new ValidationError(field, 'must be an ISO-8601 timestamp from Date.prototype.toISOString()');
}

function scalars(value: unknown, field: string): void {
  const r = record(value, field);
  for (const [key, entry] of Object.entries(r)) {
    if (!isMetadataScalar(entry)) throw new ValidationError(`${field}.${key}`, 'must be a string, a finite number, a boolean or null');
  }
}
