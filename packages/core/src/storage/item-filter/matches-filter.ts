import type { MemoryItem, MetadataValue } from '../../spec/memory-item.ts';
import type { ItemFilter } from '../../spec/search.ts';

/**
 * The reference semantics of {@link ItemFilter}: true when `item` matches `filter`.
 *
 * Every backend implements exactly these rules (SQLite compiles them to SQL, Neo4j to Cypher, the
 * in-memory store calls this function); the conformance suite compares each backend against it.
 *
 * - Every field is optional; present fields are ANDed. An empty filter `{}` matches every item.
 * - `statuses` absent means *any* status: the store applies no default (the MOS fills in
 *   `['active']` or the statuses valid at `asOf`).
 * - Membership lists — `ids`, `cubeIds`, `statuses`, `memoryTypes`: the item's value is in the list.
 *   An empty list matches nothing.
 * - `ownerId`, `sessionId`: equality (an item without `sessionId` never matches a `sessionId` filter).
 * - `tagsAny`: the item has at least one of the tags (empty list: matches nothing).
 * - `tagsAll`: the item has every one of the tags (empty list: matches everything).
 * - `metadata`: for each key, the item's value equals the filter's scalar with the same type
 *   (`1` never equals `'1'` or `true`; `1` equals `1.0`). A `null` filter value matches a missing key
 *   or a `null` value. An empty object matches everything.
 * - `createdFrom <= createdAt < createdTo` (each bound optional).
 * - `validFrom <= validAt < validTo` (each bound optional); when either bound is set, items without
 *   `validAt` are excluded.
 * - `asOf` T (world-time travel: what was true then): `(validAt, else createdAt) <= T and
 *   (invalidAt absent or invalidAt > T)`: an item without `validAt` holds from when it was recorded.
 * - `knownAt` K (system-time travel: what the system knew then): `createdAt <= K and (expiredAt
 *   absent or expiredAt > K)` (a predicate on this row; the MOS answers knownAt from versions).
 * - `expiresAfter` E (TTL): `pinned or expiresAt absent or expiresAt > E`.
 * - `expiredBy` E (TTL, what the sweep looks for): `not pinned and expiresAt present and expiresAt <= E`.
 *
 * Timestamps are ISO-8601 UTC strings from `Date.prototype.toISOString()`, so they compare as
 * strings (code-unit order), which backends reproduce with binary string comparison.
 */
export function matchesFilter(item: MemoryItem, filter: ItemFilter): boolean {
  if (filter.ids !== undefined && !filter.ids.includes(item.id)) return false;
  if (filter.cubeIds !== undefined && !filter.cubeIds.includes(item.cubeId)) return false;
  if (filter.statuses !== undefined && !filter.statuses.includes(item.status)) return false;
  if (filter.memoryTypes !== undefined && !filter.memoryTypes.includes(item.memoryType)) return false;
  if (filter.ownerId !== undefined && item.ownerId !== filter.ownerId) return false;
  if (filter.sessionId !== undefined && item.sessionId !== filter.sessionId) return false;
  if (filter.tagsAny !== undefined && !filter.tagsAny.some((tag) => item.tags.includes(tag))) return false;
  if (filter.tagsAll !== undefined && !filter.tagsAll.every((tag) => item.tags.includes(tag))) return false;
  if (filter.metadata !== undefined) {
    for (const [key, expected] of Object.entries(filter.metadata)) {
      if (!metadataMatches(item.metadata, key, expected)) return false;
    }
  }
  if (filter.createdFrom !== undefined && !(item.createdAt >= filter.createdFrom)) return false;
  if (filter.createdTo !== undefined && !(item.createdAt < filter.createdTo)) return false;
  if (filter.validFrom !== undefined || filter.validTo !== undefined) {
    if (item.validAt === undefined) return false;
    if (filter.validFrom !== undefined && !(item.validAt >= filter.validFrom)) return false;
    if (filter.validTo !== undefined && !(item.validAt < filter.validTo)) return false;
  }
  if (filter.asOf !== undefined && !validAsOf(item, filter.asOf)) return false;
  if (filter.knownAt !== undefined && !knownAt(item, filter.knownAt)) return false;
  if (filter.expiresAfter !== undefined && !unexpiredAt(item, filter.expiresAfter)) return false;
  if (filter.expiredBy !== undefined && unexpiredAt(item, filter.expiredBy)) return false;
  return true;
}

/** World time: true when the item's fact held at instant `asOf` (from `validAt`, else `createdAt`; a missing `invalidAt` is open). */
export function validAsOf(item: MemoryItem, asOf: string): boolean {
  if (!((item.validAt ?? item.createdAt) <= asOf)) return false;
  if (item.invalidAt !== undefined && !(item.invalidAt > asOf)) return false;
  return true;
}

/** System time: true when the system knew the item at instant `at` (created, not yet expired). */
export function knownAt(item: MemoryItem, at: string): boolean {
  if (!(item.createdAt <= at)) return false;
  if (item.expiredAt !== undefined && !(item.expiredAt > at)) return false;
  return true;
}

/** TTL: true when the item has not expired by instant `at` (pinned items never expire). */
export function unexpiredAt(item: MemoryItem, at: string): boolean {
  return item.pinned === true || item.expiresAt === undefined || item.expiresAt > at;
}

function metadataMatches(metadata: Record<string, MetadataValue>, key: string, expected: MetadataValue): boolean {
  const present = Object.hasOwn(metadata, key);
  if (expected === null) return !present || metadata[key] === null;
  return present && metadata[key] === expected;
}
