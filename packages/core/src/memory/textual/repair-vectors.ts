import { allCubeItems } from '../../cube/dump-cube.ts';
import type { MemCubeConfig } from '../../spec/index.ts';
import type { MemoryContext } from './memory-context.ts';
import { deleteVectors, embedItems, upsertVectors } from './sync-vectors.ts';

/** What one repair did to one cube. */
export interface CubeRepairReport {
  cubeId: string;
  /** Items checked (every status). */
  items: number;
  /** Items whose vector was missing, pending or failed and was written again. */
  reembedded: number;
  /** Vectors without a live item (deleted or unknown), removed. */
  orphansRemoved: number;
  /**
   * Items still not synced, or orphans not removed, after the repair (the vector store is still
   * failing, or the items kept changing meanwhile): the background retry takes them up.
   */
  stillFailing: number;
}

const BATCH = 500;

/**
 * Reconciles a cube's vectors with the graph (the source of truth): every item that is not
 * deleted must have exactly one vector, tracked as `synced`. Missing, `pending` and `failed`
 * vectors are re-embedded and upserted (upserts are idempotent, so nothing is duplicated);
 * vectors of deleted or unknown items are removed.
 */
export async function repairCubeVectors(ctx: MemoryContext, cube: MemCubeConfig): Promise<CubeRepairReport> {
  const items = await allCubeItems(ctx, cube.id);
  const stored = new Set(await ctx.vector.listIds({ space: cube.embedder, cubeIds: [cube.id] }));
  const live = items.filter((item) => item.status !== 'deleted');
  const liveIds = new Set(live.map((item) => item.id));
  const broken = live.filter((item) => item.vectorSyncState !== 'synced' || !stored.has(item.id));
  let stillFailing = 0;
  let notRewritten = 0;
  for (let i = 0; i < broken.length; i += BATCH) {
    const batch = broken.slice(i, i + BATCH);
    // Checked writes: an item updated or deleted while this repair embeds it is never left with a
    // stale or resurrected vector (see syncVectors).
    const report = await upsertVectors(ctx, batch, await embedItems(ctx, batch));
    notRewritten += report.failed + report.unsettled;
  }
  stillFailing += notRewritten;
  // Orphans as of the listing above; an item added (or restored) since then gets its vector back.
  const orphans = [...stored].filter((id) => !liveIds.has(id));
  for (let i = 0; i < orphans.length; i += BATCH) {
    const report = await deleteVectors(ctx, orphans.slice(i, i + BATCH).map((id) => ({ id, cubeId: cube.id })), cube.embedder);
    stillFailing += report.failed + report.unsettled;
  }
  return { cubeId: cube.id, items: items.length, reembedded: broken.length - notRewritten, orphansRemoved: orphans.length, stillFailing };
}
