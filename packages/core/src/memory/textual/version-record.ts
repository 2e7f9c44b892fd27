import type { AuditRecord, MemoryItem, MetadataValue, VersionAction, VersionRecord } from '../../spec/index.ts';
import type { MemoryContext } from './memory-context.ts';

/** The version record of an item's state after a change. */
export function versionRecord(item: MemoryItem, action: VersionAction, actor: string, at: string, reason?: string): VersionRecord {
  const record: VersionRecord = { itemId: item.id, cubeId: item.cubeId, version: item.version, action, actor, at, snapshot: structuredClone(item) };
  if (reason !== undefined) record.reason = reason;
  return record;
}

/** An audit entry. */
export function auditRecord(
  ctx: MemoryContext,
  entry: { actor: string; action: string; at: string; cubeId?: string; itemId?: string; itemIds?: string[]; resultCount?: number; details?: Record<string, MetadataValue> },
): AuditRecord {
  return { id: ctx.newId(), ...entry };
}
