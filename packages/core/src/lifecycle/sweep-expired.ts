import { ConflictError } from '../errors/conflict-error.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { expireMemory, SWEEPABLE_STATUSES } from './expire-memory.ts';

/** Options of {@link sweepExpired}. */
export interface SweepExpiredOptions {
  /** Cubes to sweep. */
  cubeIds: string[];
  /** The instant that decides what has expired (ISO); default the context's clock. */
  at?: string;
  /** Items read per page (default 200). */
  batchSize?: number;
}

/** What one sweep did. */
export interface SweepReport {
  /** The instant the sweep judged expiry at. */
  at: string;
  /** Items moved to `expired`. */
  expired: number;
  /** Items left for the next sweep because a concurrent change won (optimistic concurrency). */
  skipped: number;
  /** Items expired per cube (only cubes where something expired). */
  byCube: Record<string, number>;
}

/**
 * The TTL sweep: every item of the cubes whose `expiresAt` is at or before `at`, not pinned and
 * not yet deleted or expired, moves to status `expired` (see {@link expireMemory}). Reads pages
 * through the store's TTL index (`expiredBy` filter), oldest first; idempotent (a second sweep at
 * the same instant finds nothing). Default reads already leave such items out before the sweep
 * runs (`expiresAfter`); the sweep makes it durable and visible in history.
 */
export async function sweepExpired(ctx: MemoryContext, options: SweepExpiredOptions): Promise<SweepReport> {
  const at = options.at ?? ctx.now().toISOString();
  const batchSize = options.batchSize ?? 200;
  const report: SweepReport = { at, expired: 0, skipped: 0, byCube: {} };
  if (options.cubeIds.length === 0) return report;
  const filter = { cubeIds: options.cubeIds, statuses: [...SWEEPABLE_STATUSES], expiredBy: at };
  for (;;) {
    // Expired items leave the filter; skipped ones stay, and sort before everything not yet seen.
    const page = await ctx.graph.listItems({ filter, limit: batchSize, offset: report.skipped, order: 'createdAt', direction: 'asc' });
    for (const item of page) {
      try {
        await expireMemory(ctx, { item, at });
        report.expired += 1;
        report.byCube[item.cubeId] = (report.byCube[item.cubeId] ?? 0) + 1;
      } catch (error) {
        if (!ConflictError.isConflict(error, 'version-mismatch')) throw error;
        report.skipped += 1;
        ctx.logger.debug('sweep skipped an item changed concurrently', { id: item.id });
      }
    }
    if (page.length < batchSize) return report;
  }
}
