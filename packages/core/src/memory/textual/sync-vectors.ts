import type { MemoryItem, VectorRecord } from '../../spec/index.ts';
import type { MemoryContext } from './memory-context.ts';

/** Embeds item texts (before anything is written: an embedding failure writes nothing). */
export async function embedItems(ctx: MemoryContext, items: MemoryItem[]): Promise<number[][]> {
  if (items.length === 0) return [];
  return ctx.embedder.embed(items.map((i) => i.text));
}

/** The vector store record of an item. */
export function vectorRecord(item: MemoryItem, vector: number[]): VectorRecord {
  return { id: item.id, vector, cubeId: item.cubeId, ownerId: item.ownerId, memoryType: item.memoryType, createdAt: item.createdAt };
}

/**
 * Writes vectors of items the graph already holds (acknowledged), then records the sync state.
 * A vector-store failure does not fail the call: the items stay `failed` (or `pending` if even
 * that could not be recorded) and `repair()` re-embeds and re-upserts them later.
 */
export async function upsertVectors(ctx: MemoryContext, items: MemoryItem[], vectors: number[][]): Promise<void> {
  if (items.length === 0) return;
  const ids = items.map((i) => i.id);
  try {
    await ctx.vector.upsert({ space: ctx.embedder, records: items.map((item, i) => vectorRecord(item, vectors[i] ?? [])) });
  } catch (error) {
    ctx.logger.warn('vector upsert failed; items stay searchable by keyword and will be repaired', { ids: ids.length, error: String(error) });
    await markSync(ctx, items, 'failed');
    ctx.onVectorFailure?.([...new Set(items.map((i) => i.cubeId))]);
    return;
  }
  await markSync(ctx, items, 'synced');
}

async function markSync(ctx: MemoryContext, items: MemoryItem[], state: 'synced' | 'failed'): Promise<void> {
  try {
    await ctx.graph.setVectorSyncState(items.map((i) => i.id), state, ctx.embedder.fingerprint);
    for (const item of items) item.vectorSyncState = state;
  } catch (error) {
    ctx.logger.warn('could not record vector sync state', { state, error: String(error) });
  }
}
