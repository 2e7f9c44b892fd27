import { ValidationError } from '../../errors/validation-error.ts';
import type { MemoryDraft } from '../../extraction/index.ts';
import type { ActorScope } from '../../governance/actor-scope.ts';
import { redactAdd, redactPatch } from '../../governance/redact-memory.ts';
import { assertEmbedder, nowIso, type MosRuntime } from '../../mos/mos-runtime.ts';
import type { EdgeType, MemCubeConfig, MemoryEdge, MemoryItem } from '../../spec/index.ts';
import { addMemories, type AddMemoriesOptions } from './add-memories.ts';
import { deleteMemory, invalidateMemory, rollbackMemory, updateMemory, type MemoryPatch } from './change-memory.ts';
import { auditRecord } from './version-record.ts';
import { withItemRetry, type ConflictRetryOptions } from './with-item-retry.ts';

/** Everything that changes memories: add, update, delete, invalidate, rollback, relate. */
export class MemoryChanges {
  readonly #rt: MosRuntime;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  /** Stores reader drafts in a cube the actor may write. */
  async add(scope: ActorScope, input: { cubeId: string; drafts: (cube: MemCubeConfig) => Promise<MemoryDraft[]> } & Omit<AddMemoriesOptions, 'cube' | 'userId' | 'drafts'>): Promise<MemoryItem[]> {
    const cube = await scope.cube(input.cubeId, 'write');
    assertEmbedder(this.#rt, cube);
    const { cubeId: _cubeId, drafts, ...rest } = input;
    const read = await drafts(cube);
    // Redaction runs before anything is embedded or stored (and records what it masked per item).
    const redacted = this.#rt.redactor === undefined ? { drafts: read } : redactAdd(this.#rt.redactor, { drafts: read, tags: rest.tags, metadata: rest.metadata });
    const items = await addMemories(this.#rt.ctx, { ...rest, ...redacted, cube, userId: scope.userId });
    await this.#dropVectorsIfCubeGone(cube, items);
    return items;
  }

  /**
   * A `deleteCube` may have run between this runtime's graph write (which it let through) and its
   * vector write (which it could not see yet): then the vectors just written are orphans; remove them.
   */
  async #dropVectorsIfCubeGone(cube: MemCubeConfig, items: readonly MemoryItem[]): Promise<void> {
    const { graph, vector } = this.#rt.ctx;
    if (items.length === 0 || (await graph.getCube(cube.id)) !== undefined) return;
    await vector.delete({ space: cube.embedder, ids: items.map((item) => item.id) });
  }

  /** Applies a patch as a new version. */
  update(scope: ActorScope, input: { id: string; patch: MemoryPatch; reason?: string | undefined }): Promise<MemoryItem> {
    const redactor = this.#rt.redactor;
    return this.#withItem(scope, input.id, (item) =>
      updateMemory(this.#rt.ctx, { item, patch: redactor === undefined ? input.patch : redactPatch(redactor, item, input.patch), actor: scope.userId, ...this.#reason(input.reason) }),
    );
  }

  /** Soft delete (restorable with rollback). */
  delete(scope: ActorScope, input: { id: string; reason?: string | undefined }): Promise<MemoryItem> {
    return this.#withItem(scope, input.id, (item) => deleteMemory(this.#rt.ctx, { item, actor: scope.userId, ...this.#reason(input.reason) }));
  }

  /** Marks a fact as no longer true at `invalidAt`, optionally superseded by another item of the same cube. */
  async invalidate(scope: ActorScope, input: { id: string; invalidAt: string; reason?: string | undefined; supersededBy?: string | undefined }): Promise<MemoryItem> {
    const successor = input.supersededBy === undefined ? undefined : (await scope.item(input.supersededBy, 'read')).item;
    return this.#withItem(scope, input.id, async (item) => {
      if (successor && successor.cubeId !== item.cubeId) throw new ValidationError('invalidate.supersededBy', 'must be in the same cube');
      return invalidateMemory(this.#rt.ctx, { item, actor: scope.userId, invalidAt: input.invalidAt, ...this.#reason(input.reason), ...(successor ? { supersededBy: successor } : {}) });
    });
  }

  /** Restores an earlier version as a new version. */
  rollback(scope: ActorScope, input: { id: string; version: number; reason?: string | undefined }): Promise<MemoryItem> {
    return this.#withItem(scope, input.id, (item) => rollbackMemory(this.#rt.ctx, { item, version: input.version, actor: scope.userId, ...this.#reason(input.reason) }));
  }

  /** Adds a typed edge between two items of one cube the actor may write. */
  async relate(scope: ActorScope, input: { from: string; to: string; type: EdgeType; weight?: number | undefined }): Promise<MemoryEdge> {
    const [{ item: source }, { item: target }] = await Promise.all([scope.item(input.from, 'write'), scope.item(input.to, 'read')]);
    if (source.cubeId !== target.cubeId) throw new ValidationError('relate.to', 'must be in the same cube as relate.from');
    const at = nowIso(this.#rt);
    const edge: MemoryEdge = { from: source.id, to: target.id, type: input.type, cubeId: source.cubeId, weight: input.weight ?? 1, createdAt: at };
    await this.#rt.ctx.graph.write({
      edges: [edge],
      audit: [auditRecord(this.#rt.ctx, { actor: scope.userId, action: 'relate', at, cubeId: source.cubeId, itemId: source.id, details: { to: target.id, type: input.type } })],
      requireCubes: [source.cubeId],
    });
    return edge;
  }

  /** A change's reason as stored in the version record, redacted like the memory itself. */
  #reason(value: string | undefined): { reason?: string } {
    const redactor = this.#rt.redactor;
    return reason(value === undefined || redactor === undefined ? value : redactor.redact(value).text);
  }

  /** Waits for changes in flight (used by close). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#locks.values()]);
  }

  /**
   * Runs a change of one item: under a per-item lock (concurrent calls of this runtime queue, the
   * fast path), and, since other runtimes and processes may write the same store, as an optimistic
   * transaction: the write expects the version the change read, and a `version-mismatch` conflict
   * re-reads the item (access checked again) and re-applies the change, a bounded number of times.
   */
  async #withItem(scope: ActorScope, id: string, change: (item: MemoryItem) => Promise<MemoryItem>): Promise<MemoryItem> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const attempt = async () => change((await scope.item(id, 'write')).item);
    const { ctx } = this.#rt;
    const onRetry: ConflictRetryOptions['onRetry'] = (info) => {
      ctx.logger.debug('memory change lost a race with another writer (version conflict); re-reading and retrying', info);
      ctx.conflictRetry?.onRetry?.(info);
    };
    const run = previous.catch(() => undefined).then(() => withItemRetry({ ...ctx.conflictRetry, onRetry, run: attempt }));
    this.#locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === run) this.#locks.delete(id);
    }
  }
}

function reason(value: string | undefined): { reason?: string } {
  return value === undefined ? {} : { reason: value };
}
