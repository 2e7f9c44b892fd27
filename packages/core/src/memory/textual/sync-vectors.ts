import type { EmbedderInfo, ItemVersionRef, MemoryItem, VectorRecord } from '../../spec/index.ts';
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

/** What one {@link syncVectors} call achieved. */
export interface VectorSyncReport {
  /** Items whose vector was written and whose `synced` state was recorded at the version embedded. */
  synced: number;
  /** Items whose vector write failed (state `failed`; a background retry is scheduled). */
  failed: number;
  /**
   * Items or vectors that kept changing under the call (or whose state could not be recorded):
   * left for `repair()` / the background retry, which is scheduled.
   */
  unsettled: number;
}

/** A vector to remove: of an item deleted (or forgotten), or of no item at all (an orphan). */
export interface VectorDeletion {
  id: string;
  cubeId: string;
}

/** Options of {@link syncVectors}. */
export interface SyncVectorsOptions {
  /** Items (as read or written, at their `version`) with the vectors of their text. */
  upserts?: { item: MemoryItem; vector: number[] }[];
  /** Vectors to remove. */
  deletes?: VectorDeletion[];
  /** Vector space (default: the runtime's embedder). */
  space?: EmbedderInfo;
}

/** Rounds of re-reading and re-writing before a still-changing item is left to the background retry. */
const SETTLE_ROUNDS = 4;

/**
 * Writes and removes vectors of items the graph already holds (acknowledged) so that they never
 * end up stale or resurrected, whatever runs concurrently (an update or delete in this or another
 * process, a repair, a forget):
 * - after an upsert, the `synced` state is recorded only while the item is still at the version that
 *   was embedded (`setVectorSyncState` with `{ id, version }`, atomic in the store); when it no longer
 *   is, the item is re-read: deleted or gone, its vector is removed again; changed, its current text
 *   is embedded and written (the other writer's vector may have landed before ours);
 * - after a removal, the item is re-read: when it is live again (restored meanwhile), its vector is
 *   written again.
 * Any writer of a newer version writes its own vector after its graph commit, so a write verified
 * this way is either current or overwritten later. After {@link SETTLE_ROUNDS} rounds, what still
 * moves is left to `repair()` (the background retry is scheduled). A vector-store failure does not
 * fail the call: the items stay `failed` and are repaired later.
 */
export async function syncVectors(ctx: MemoryContext, options: SyncVectorsOptions): Promise<VectorSyncReport> {
  const space = options.space ?? ctx.embedder;
  const report: VectorSyncReport = { synced: 0, failed: 0, unsettled: 0 };
  const byText = new Map<string, number[]>();
  let upserts = options.upserts ?? [];
  let deletes = options.deletes ?? [];
  for (const { item, vector } of upserts) byText.set(item.text, vector);
  const retryLater = (cubeIds: Iterable<string>) => {
    const cubes = [...new Set(cubeIds)];
    if (cubes.length > 0) ctx.onVectorFailure?.(cubes);
  };
  for (let round = 1; upserts.length + deletes.length > 0; round += 1) {
    const recheck = new Map<string, { cubeId: string; deleted: boolean }>();
    if (upserts.length > 0) {
      const items = upserts.map((u) => u.item);
      try {
        await ctx.vector.upsert({ space, records: upserts.map(({ item, vector }) => vectorRecord(item, vector)) });
      } catch (error) {
        ctx.logger.warn('vector upsert failed; items stay searchable by keyword and will be repaired', { ids: items.length, error: String(error) });
        await markSync(ctx, items, 'failed');
        report.failed += items.length;
        retryLater(items.map((i) => i.cubeId));
        upserts = [];
      }
      if (upserts.length > 0) {
        const recorded = await markSync(ctx, items, 'synced');
        for (const item of items) {
          if (recorded === undefined) report.unsettled += 1;
          else if (recorded.has(item.id)) report.synced += 1;
          else recheck.set(item.id, { cubeId: item.cubeId, deleted: false });
        }
        if (recorded === undefined) retryLater(items.map((i) => i.cubeId));
      }
    }
    if (deletes.length > 0) {
      try {
        await ctx.vector.delete({ space, ids: deletes.map((d) => d.id) });
        for (const d of deletes) recheck.set(d.id, { cubeId: d.cubeId, deleted: true });
      } catch (error) {
        ctx.logger.warn('vector delete failed; repair() removes the orphans', { ids: deletes.length, error: String(error) });
        report.unsettled += deletes.length;
        retryLater(deletes.map((d) => d.cubeId));
      }
    }
    upserts = [];
    deletes = [];
    if (recheck.size === 0) break;
    let current: Map<string, MemoryItem>;
    try {
      current = new Map((await ctx.graph.getItems([...recheck.keys()])).map((item) => [item.id, item]));
    } catch (error) {
      // The write was acknowledged: never fail the caller for the check, leave it to repair().
      ctx.logger.warn('could not re-read items changed while their vectors were written; left to repair()', { ids: recheck.size, error: String(error) });
      report.unsettled += recheck.size;
      retryLater([...recheck.values()].map((r) => r.cubeId));
      break;
    }
    const live: MemoryItem[] = [];
    for (const [id, { cubeId, deleted }] of recheck) {
      const item = current.get(id);
      if (item === undefined || item.status === 'deleted') {
        // Still gone after our removal: settled. Gone after our upsert: remove the vector we wrote.
        if (!deleted) deletes.push({ id, cubeId });
      } else {
        live.push(item);
      }
    }
    if (live.length + deletes.length === 0) break;
    if (round >= SETTLE_ROUNDS) {
      ctx.logger.warn('items kept changing while their vectors were written; left to repair()', { ids: live.length + deletes.length });
      report.unsettled += live.length + deletes.length;
      retryLater([...live.map((i) => i.cubeId), ...deletes.map((d) => d.cubeId)]);
      break;
    }
    const missing = [...new Map(live.filter((item) => !byText.has(item.text)).map((item) => [item.text, item])).values()];
    try {
      const vectors = await embedItems(ctx, missing);
      missing.forEach((item, i) => byText.set(item.text, vectors[i] ?? []));
    } catch (error) {
      ctx.logger.warn('re-embedding a concurrently changed item failed; left to repair()', { ids: missing.length, error: String(error) });
      report.unsettled += live.length;
      retryLater(live.map((i) => i.cubeId));
      continue;
    }
    upserts = live.map((item) => ({ item, vector: byText.get(item.text) ?? [] }));
  }
  return report;
}

/**
 * Writes vectors of items the graph already holds (acknowledged), then records the sync state at
 * the items' versions (see {@link syncVectors} for what happens when they changed meanwhile). Each
 * given item's `vectorSyncState` becomes `synced` or `failed` when that was recorded for its version.
 */
export async function upsertVectors(ctx: MemoryContext, items: MemoryItem[], vectors: number[][]): Promise<VectorSyncReport> {
  if (items.length === 0) return { synced: 0, failed: 0, unsettled: 0 };
  return syncVectors(ctx, { upserts: items.map((item, i) => ({ item, vector: vectors[i] ?? [] })) });
}

/** Removes vectors (of deleted items or orphans), writing them back for items found live again afterwards. */
export async function deleteVectors(ctx: MemoryContext, deletes: VectorDeletion[], space?: EmbedderInfo): Promise<VectorSyncReport> {
  if (deletes.length === 0) return { synced: 0, failed: 0, unsettled: 0 };
  return syncVectors(ctx, { deletes, ...(space ? { space } : {}) });
}

/**
 * Records `state` for the items at their versions; sets it on the objects recorded. Resolves to the
 * ids recorded, or undefined when the store failed (logged: the items stay as they were, repair fixes them).
 */
async function markSync(ctx: MemoryContext, items: MemoryItem[], state: 'synced' | 'failed'): Promise<Set<string> | undefined> {
  try {
    const targets: ItemVersionRef[] = items.map((i) => ({ id: i.id, version: i.version }));
    const recorded = new Set(await ctx.graph.setVectorSyncState(targets, state, ctx.embedder.fingerprint));
    for (const item of items) {
      if (!recorded.has(item.id)) continue;
      item.vectorSyncState = state;
      item.embeddingModel = ctx.embedder.fingerprint;
    }
    return recorded;
  } catch (error) {
    ctx.logger.warn('could not record vector sync state', { state, error: String(error) });
    return undefined;
  }
}
