import type { MemoryContext } from '../memory/textual/memory-context.ts';
import type { AuditRecord, MetadataValue } from '../spec/index.ts';

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** Record reads (search, get, getAll, history, dump). Default true. Changes are always recorded. */
  reads?: boolean;
}

/** The part of a read the audit names: one entry per cube the read returned something from. */
export interface ReadTarget {
  cubeId: string;
  /** Items returned from this cube (ids only). */
  itemIds: string[];
}

/**
 * Writes the audit trail of reads: one record per cube a call returned items from (actor, action,
 * cube, item ids, result count, time; never query text or content), all in one batched insert. A
 * read that returned nothing is one record without a cube (so the actor's own trail shows it).
 */
export class AuditLog {
  readonly #ctx: MemoryContext;
  /** Whether reads are recorded. */
  readonly reads: boolean;

  constructor(ctx: MemoryContext, options: AuditLogOptions = {}) {
    this.#ctx = ctx;
    this.reads = options.reads ?? true;
  }

  /**
   * Records one read call (nothing when read auditing is off), with `touch` (access counts of the
   * returned items) in the same commit.
   */
  async read(input: { actor: string; action: string; targets: readonly ReadTarget[]; details?: Record<string, MetadataValue>; touch?: { ids: string[]; at: string } }): Promise<void> {
    const touch = input.touch !== undefined && input.touch.ids.length > 0 ? input.touch : undefined;
    if (!this.reads) {
      if (touch) await this.#ctx.graph.touch(touch.ids, touch.at);
      return;
    }
    const at = this.#ctx.now().toISOString();
    const base = { actor: input.actor, action: input.action, at, ...(input.details ? { details: input.details } : {}) };
    const targets = input.targets.filter((t) => t.itemIds.length > 0);
    const records: AuditRecord[] =
      targets.length === 0
        ? [{ id: this.#ctx.newId(), ...base, resultCount: 0 }]
        : targets.map((t) => ({ id: this.#ctx.newId(), ...base, cubeId: t.cubeId, itemIds: [...t.itemIds], resultCount: t.itemIds.length }));
    await this.#ctx.graph.write({ audit: records, ...(touch ? { touch } : {}) });
  }

  /** Groups returned items by cube, in first-seen order. */
  static targetsOf(items: readonly { id: string; cubeId: string }[]): ReadTarget[] {
    const byCube = new Map<string, string[]>();
    for (const item of items) {
      const ids = byCube.get(item.cubeId) ?? [];
      ids.push(item.id);
      byCube.set(item.cubeId, ids);
    }
    return [...byCube].map(([cubeId, itemIds]) => ({ cubeId, itemIds }));
  }
}
