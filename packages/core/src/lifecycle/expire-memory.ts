import { itemWrite } from '../memory/textual/item-terms.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { auditRecord, versionRecord } from '../memory/textual/version-record.ts';
import type { MemoryItem, MemoryStatus } from '../spec/index.ts';

/** Statuses the sweep moves to `expired` once the TTL has passed (deleted and expired items stay as they are). */
export const SWEEPABLE_STATUSES: readonly MemoryStatus[] = ['active', 'archived', 'invalidated', 'merged'];

/** The actor of lifecycle changes in version records and the audit trail. */
export const SYSTEM_ACTOR = 'system';

/**
 * Expires one item whose TTL passed: status `expired`, `expiredAt` = `at`, a new version (action
 * `expire`, actor `system`) and an audit record, in one write that succeeds only if the item is
 * still at the version read (optimistic concurrency: a concurrent change wins and the caller skips
 * the item; the next sweep looks again). The vector stays: `asOf` searches still find the fact.
 */
export async function expireMemory(ctx: MemoryContext, options: { item: MemoryItem; at: string }): Promise<MemoryItem> {
  const { item, at } = options;
  const after: MemoryItem = { ...structuredClone(item), status: 'expired', expiredAt: at, version: item.version + 1, updatedAt: at };
  await ctx.graph.write({
    items: [{ ...itemWrite(after), expectedVersion: item.version }],
    versions: [versionRecord(after, 'expire', SYSTEM_ACTOR, at, `TTL passed (expiresAt ${item.expiresAt ?? '?'})`)],
    audit: [auditRecord(ctx, { actor: SYSTEM_ACTOR, action: 'expire', at, cubeId: after.cubeId, itemId: after.id, details: { version: after.version } })],
  });
  return after;
}
