import type { ActorScope } from '../../governance/actor-scope.ts';
import { AuditLog } from '../../governance/audit-log.ts';
import { nowIso, type MosRuntime } from '../../mos/mos-runtime.ts';
import { listKnownAt, restorableCubes } from '../../retrieval/known-at.ts';
import { resolveFilter } from '../../mos/resolve-filter.ts';
import type { FilterInput } from '../../mos/mos-inputs.ts';
import type { MemoryItem, VersionRecord } from '../../spec/index.ts';

/** Reads of memories by id or listing: get, getAll, history. Every store query carries the actor's cubes. */
export class MemoryReads {
  readonly #rt: MosRuntime;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  /** One memory the actor may read (deleted ones only for those who may restore them). */
  async get(scope: ActorScope, id: string): Promise<MemoryItem> {
    const { item } = await scope.item(id, 'read');
    await this.#rt.audit.read({ actor: scope.userId, action: 'get', targets: [{ cubeId: item.cubeId, itemIds: [item.id] }] });
    return item;
  }

  /** Lists memories of the actor's cubes with filters and pagination. */
  async getAll(
    scope: ActorScope,
    input: { cubeIds?: string[] | undefined; filter: FilterInput & { asOf?: string; knownAt?: string }; limit: number; offset: number; order: 'createdAt' | 'updatedAt'; direction: 'asc' | 'desc' },
  ): Promise<{ items: MemoryItem[]; total: number }> {
    const { asOf, knownAt, ...rest } = input.filter;
    const cubes = await scope.listable(input.cubeIds, rest.statuses);
    const filter = resolveFilter({ filter: rest, cubeIds: cubes.map((c) => c.id), field: 'getAll.filter', asOf, knownAt, now: nowIso(this.#rt) });
    const { graph } = this.#rt.ctx;
    const page = { limit: input.limit, offset: input.offset, order: input.order, direction: input.direction };
    // knownAt: answered from the versions known then (see retrieval/known-at.ts).
    const result =
      filter.knownAt !== undefined
        ? await listKnownAt(graph, { ...page, filter: { ...filter, knownAt: filter.knownAt }, restorable: restorableCubes(scope, cubes) })
        : await Promise.all([graph.listItems({ filter, ...page }), graph.countItems(filter)]).then(([items, total]) => ({ items, total }));
    await this.#rt.audit.read({ actor: scope.userId, action: 'getAll', targets: AuditLog.targetsOf(result.items), details: { cubes: cubes.length, total: result.total } });
    return result;
  }

  /** Every version of a memory the actor may read, oldest first (the cube is part of the store query). */
  async history(scope: ActorScope, id: string): Promise<VersionRecord[]> {
    const { item } = await scope.item(id, 'read');
    const versions = await this.#rt.ctx.graph.listVersions({ cubeId: item.cubeId, itemId: item.id });
    await this.#rt.audit.read({ actor: scope.userId, action: 'history', targets: [{ cubeId: item.cubeId, itemIds: [item.id] }], details: { versions: versions.length } });
    return versions;
  }
}
