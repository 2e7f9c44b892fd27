import type { MemoryDraft } from '../../extraction/index.ts';
import type { MemCubeConfig, MemoryEdge, MemoryItem, MetadataValue } from '../../spec/index.ts';
import { itemWrite } from './item-terms.ts';
import type { MemoryContext } from './memory-context.ts';
import { embedItems, upsertVectors } from './sync-vectors.ts';
import { auditRecord, versionRecord } from './version-record.ts';

/** Options of {@link addMemories}. */
export interface AddMemoriesOptions {
  cube: MemCubeConfig;
  /** The acting user (becomes the items' owner). */
  userId: string;
  sessionId?: string;
  drafts: MemoryDraft[];
  /** Overrides the drafts' memory type. */
  memoryType?: string;
  /** Added to the drafts' tags. */
  tags?: string[];
  /** Merged over the drafts' metadata. */
  metadata?: Record<string, MetadataValue>;
  /** TTL: ISO time when the items expire. */
  expiresAt?: string;
  /** Exempt the items from TTL. */
  pinned?: boolean;
}

/**
 * Turns reader drafts into stored items: one atomic graph write (items, FOLLOWS edges between
 * consecutive drafts, a `create` version per item, one audit entry), then the tracked vector write.
 * Embedding happens first, so an embedder failure writes nothing.
 */
export async function addMemories(ctx: MemoryContext, options: AddMemoriesOptions): Promise<MemoryItem[]> {
  const at = ctx.now().toISOString();
  const { cube, userId } = options;
  const items = options.drafts.map((draft): MemoryItem => {
    const item: MemoryItem = {
      id: ctx.newId(),
      cubeId: cube.id,
      ownerId: userId,
      kind: 'plaintext',
      memoryType: options.memoryType ?? draft.memoryType,
      text: draft.text,
      key: draft.key,
      tags: [...new Set([...draft.tags, ...(options.tags ?? [])])],
      metadata: { ...draft.metadata, ...options.metadata },
      confidence: 1,
      status: 'active',
      version: 1,
      sources: draft.sources,
      createdAt: at,
      updatedAt: at,
      accessCount: 0,
      importance: 0.5,
      embeddingModel: ctx.embedder.fingerprint,
      vectorSyncState: 'pending',
    };
    if (options.sessionId !== undefined) item.sessionId = options.sessionId;
    // World time defaults to when it was said (the message's chat time), else when it was recorded:
    // an item never counts as valid "since forever".
    item.validAt = draft.validAt ?? draft.sources.find((source) => source.chatTime !== undefined)?.chatTime ?? at;
    if (options.expiresAt !== undefined) item.expiresAt = options.expiresAt;
    if (options.pinned !== undefined) item.pinned = options.pinned;
    if (draft.redactions !== undefined && draft.redactions.length > 0) item.redactions = draft.redactions;
    return item;
  });
  if (items.length === 0) return [];
  const vectors = await embedItems(ctx, items);
  const edges: MemoryEdge[] = [];
  options.drafts.forEach((draft, i) => {
    const previous = draft.follows === undefined ? undefined : items[draft.follows];
    const current = items[i];
    if (previous && current) edges.push({ from: current.id, to: previous.id, type: 'FOLLOWS', cubeId: cube.id, weight: 1, createdAt: at });
  });
  await ctx.graph.write({
    items: items.map((item) => ({ ...itemWrite(item), expectedVersion: 0 })),
    edges,
    versions: items.map((item) => versionRecord(item, 'create', userId, at)),
    audit: [auditRecord(ctx, { actor: userId, action: 'add', at, cubeId: cube.id, itemIds: items.map((item) => item.id), resultCount: items.length, details: { count: items.length } })],
    // Fails (NotFoundError) instead of leaving orphans when the cube is deleted meanwhile.
    requireCubes: [cube.id],
  });
  await upsertVectors(ctx, items, vectors);
  return items;
}
