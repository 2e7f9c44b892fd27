import { ConflictError } from '../../errors/conflict-error.ts';
import { NotFoundError } from '../../errors/not-found-error.ts';
import type { MemoryEdge, MemoryItem, MemoryStatus, MetadataValue, RedactionMark, VersionAction } from '../../spec/index.ts';
import { itemWrite } from './item-terms.ts';
import type { MemoryContext } from './memory-context.ts';
import { deleteVectors, embedItems, upsertVectors } from './sync-vectors.ts';
import { auditRecord, versionRecord } from './version-record.ts';

/** Fields an update may change. */
export interface MemoryPatch {
  text?: string;
  key?: string;
  tags?: string[];
  metadata?: Record<string, MetadataValue>;
  memoryType?: string;
  importance?: number;
  /** ISO time, or null to remove the TTL. */
  expiresAt?: string | null;
  /** Pin (exempt from TTL) or unpin. */
  pinned?: boolean;
  /** The item's redaction marks after the change (set by the MOS's redaction step; empty removes them). */
  redactions?: RedactionMark[];
}

/** Writes a changed item as a new version (atomic: item + version + audit), re-embedding if its text changed. */
async function commitChange(ctx: MemoryContext, options: { before: MemoryItem; after: MemoryItem; action: VersionAction; actor: string; reason?: string; edges?: MemoryEdge[] }): Promise<MemoryItem> {
  const { before, after, action, actor } = options;
  const at = ctx.now().toISOString();
  after.version = before.version + 1;
  after.updatedAt = at;
  const textChanged = after.text !== before.text;
  const dropVector = after.status === 'deleted';
  let vectors: number[][] = [];
  if (textChanged && !dropVector) {
    vectors = await embedItems(ctx, [after]);
    after.vectorSyncState = 'pending';
    after.embeddingModel = ctx.embedder.fingerprint;
  }
  if (dropVector) after.vectorSyncState = 'none';
  // Optimistic concurrency: the write fails (ConflictError 'version-mismatch') if another writer,
  // in this process or another, changed the item since `before` was read; the MOS re-reads and retries.
  await ctx.graph.write({
    items: [{ ...itemWrite(after), expectedVersion: before.version }],
    ...(options.edges ? { edges: options.edges } : {}),
    versions: [versionRecord(after, action, actor, at, options.reason)],
    audit: [auditRecord(ctx, { actor, action, at, cubeId: after.cubeId, itemId: after.id, details: { version: after.version } })],
    requireCubes: [after.cubeId],
  });
  if (dropVector) {
    // Failures are logged and left to repair(); a restore racing the removal gets its vector back.
    await deleteVectors(ctx, [{ id: after.id, cubeId: after.cubeId }]);
  } else if (textChanged) {
    await upsertVectors(ctx, [after], vectors);
  }
  return after;
}

/** Loads an item or throws `NotFoundError`. */
export async function requireItem(ctx: MemoryContext, id: string): Promise<MemoryItem> {
  const [item] = await ctx.graph.getItems([id]);
  if (!item) throw new NotFoundError('memory', id);
  return item;
}

function assertNotDeleted(item: MemoryItem, what: string): void {
  if (item.status === 'deleted') throw new ConflictError('memory', item.id, `Memory ${item.id} is deleted; ${what} is not possible (use rollback to restore it)`);
}

/** Applies a patch as a new version. */
export async function updateMemory(ctx: MemoryContext, options: { item: MemoryItem; patch: MemoryPatch; actor: string; reason?: string }): Promise<MemoryItem> {
  const { item, patch } = options;
  assertNotDeleted(item, 'update');
  const after: MemoryItem = structuredClone(item);
  if (patch.text !== undefined) after.text = patch.text;
  if (patch.key !== undefined) after.key = patch.key;
  if (patch.tags !== undefined) after.tags = [...new Set(patch.tags)];
  if (patch.metadata !== undefined) after.metadata = { ...patch.metadata };
  if (patch.memoryType !== undefined) after.memoryType = patch.memoryType;
  if (patch.importance !== undefined) after.importance = patch.importance;
  if (patch.expiresAt === null) delete after.expiresAt;
  else if (patch.expiresAt !== undefined) after.expiresAt = patch.expiresAt;
  if (patch.pinned !== undefined) after.pinned = patch.pinned;
  if (patch.redactions !== undefined) {
    if (patch.redactions.length > 0) after.redactions = patch.redactions;
    else delete after.redactions;
  }
  return commitChange(ctx, { before: item, after, action: 'update', actor: options.actor, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
}

/** Soft delete: status `deleted`, `expiredAt` set, vector removed; history kept. */
export async function deleteMemory(ctx: MemoryContext, options: { item: MemoryItem; actor: string; reason?: string }): Promise<MemoryItem> {
  assertNotDeleted(options.item, 'delete');
  const after = withStatus(options.item, 'deleted');
  after.expiredAt = ctx.now().toISOString();
  return commitChange(ctx, { before: options.item, after, action: 'delete', actor: options.actor, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
}

/**
 * Invalidates a fact: it stops being true at `invalidAt` (world time) but is kept, visible to
 * `asOf` searches before that time. `supersededBy` records a SUPERSEDES edge from the new fact.
 */
export async function invalidateMemory(ctx: MemoryContext, options: { item: MemoryItem; actor: string; invalidAt: string; reason?: string; supersededBy?: MemoryItem }): Promise<MemoryItem> {
  const { item } = options;
  assertNotDeleted(item, 'invalidate');
  if (item.status === 'invalidated') throw new ConflictError('memory', item.id, `Memory ${item.id} is already invalidated`);
  if (item.validAt !== undefined && options.invalidAt < item.validAt) throw new ConflictError('memory', item.id, `invalidAt ${options.invalidAt} is before validAt ${item.validAt}`);
  const after = withStatus(item, 'invalidated');
  after.invalidAt = options.invalidAt;
  const edges: MemoryEdge[] = options.supersededBy
    ? [{ from: options.supersededBy.id, to: item.id, type: 'SUPERSEDES', cubeId: item.cubeId, weight: 1, createdAt: ctx.now().toISOString() }]
    : [];
  return commitChange(ctx, { before: item, after, action: 'invalidate', actor: options.actor, edges, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
}

/** Restores the content and status of an earlier version as a new version. */
export async function rollbackMemory(ctx: MemoryContext, options: { item: MemoryItem; version: number; actor: string; reason?: string }): Promise<MemoryItem> {
  const { item, version } = options;
  const record = (await ctx.graph.listVersions({ cubeId: item.cubeId, itemId: item.id })).find((v) => v.version === version);
  if (!record) throw new NotFoundError('version', `${item.id}@${version}`);
  if (version === item.version) throw new ConflictError('memory', item.id, `Memory ${item.id} is already at version ${version}`);
  const snapshot = record.snapshot;
  // Identity, ownership and bookkeeping always come from the live item, never from a stored snapshot.
  const after: MemoryItem = {
    ...structuredClone(snapshot), id: item.id, cubeId: item.cubeId, ownerId: item.ownerId, createdAt: item.createdAt,
    accessCount: item.accessCount, vectorSyncState: item.vectorSyncState,
  };
  if (item.lastAccessedAt !== undefined) after.lastAccessedAt = item.lastAccessedAt;
  else delete after.lastAccessedAt;
  const restoring = item.status === 'deleted' && after.status !== 'deleted';
  const result = await commitChange(ctx, { before: item, after, action: 'rollback', actor: options.actor, reason: options.reason ?? `rollback to version ${version}` });
  if (restoring && result.text === item.text) {
    // The vector was removed on delete and the text did not change: write it again.
    await upsertVectors(ctx, [result], await embedItems(ctx, [result]));
  }
  return result;
}

function withStatus(item: MemoryItem, status: MemoryStatus): MemoryItem {
  const after = structuredClone(item);
  after.status = status;
  return after;
}
