import type { MemoryItem } from '../../spec/memory-item.ts';
import type { ListQuery } from '../../spec/search.ts';

/** The ordering part of a {@link ListQuery}. */
export type ItemOrder = Pick<ListQuery, 'order' | 'direction'>;

/**
 * The reference ordering of `listItems`: by `order` (default `createdAt`) in `direction`
 * (default `asc`), then by `id` in the same direction (so `desc` is the exact reverse of `asc`). Strings compare by code unit
 * (`<`), which equals binary (byte) order for the ASCII timestamps and ids backends store.
 * Use as `items.sort((a, b) => compareItems(a, b, query))`.
 */
export function compareItems(a: MemoryItem, b: MemoryItem, order: ItemOrder = {}): number {
  const field = order.order ?? 'createdAt';
  const sign = order.direction === 'desc' ? -1 : 1;
  const byField = compareStrings(a[field], b[field]) * sign;
  return byField !== 0 ? byField : compareStrings(a.id, b.id) * sign;
}

/** Code-unit string comparison returning -1, 0 or 1 (never locale-dependent). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
