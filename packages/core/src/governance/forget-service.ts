import { AccessDeniedError } from '../errors/access-denied-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { MemoryContext } from '../memory/textual/memory-context.ts';
import { MEMORY_STATUSES, type AuditRecord, type MemCubeConfig, type MemoryItem, type MetadataValue } from '../spec/index.ts';
import type { ActorScope } from './actor-scope.ts';
import { removeCubeDumps, removeDumpsContaining } from './dump-cleanup.ts';
import type { ForgetEvent, ForgetHook } from './forget-hook.ts';

/** What one `forget` call removed (ids and counts only). */
export interface ForgetReport {
  kind: 'items' | 'cube' | 'user';
  /** Cubes removed whole. */
  cubeIds: string[];
  /** Items removed (one by one, or inside the removed cubes). */
  items: number;
  /** Version records removed with the items forgotten one by one. */
  versions: number;
  /** Dump directories removed. */
  dumps: number;
  /** Whether the store's files were compacted (SQLite: WAL checkpointed and VACUUMed; false: retry later). */
  compacted: boolean;
}

/** Options of {@link ForgetService}. */
export interface ForgetServiceOptions {
  ctx: MemoryContext;
  /** Told after the stores were cleaned (caches, files kept elsewhere). Shared, so later components may add theirs. */
  hooks: ForgetHook[];
}

/**
 * Hard deletion (`forget`): items, a cube, or everything about a user, from the graph (items,
 * versions, edges, keyword index entries), the vectors, the registered dumps and any cache behind a
 * {@link ForgetHook}; then the store is compacted so removed bytes do not linger in its files. Each
 * call leaves audit records with ids and counts only (never text). Audit records are never removed.
 */
export class ForgetService {
  readonly #ctx: MemoryContext;
  readonly #hooks: ForgetHook[];

  constructor(options: ForgetServiceOptions) {
    this.#ctx = options.ctx;
    this.#hooks = options.hooks;
  }

  /**
   * Forgets items the actor may write (`write` grant, owner or admin). Every id must name such an
   * item (else `NotFoundError`, and nothing is removed); deleted items count.
   */
  async forgetItems(scope: ActorScope, ids: readonly string[]): Promise<ForgetReport> {
    const { graph } = this.#ctx;
    const wanted = [...new Set(ids)];
    const readable = await scope.cubes('read');
    const found = wanted.length === 0 ? [] : await graph.getItems(wanted, { cubeIds: readable.map((c) => c.id) });
    const byId = new Map(found.map((item) => [item.id, item]));
    const cubes = new Map(readable.map((cube) => [cube.id, cube]));
    for (const id of wanted) {
      const item = byId.get(id);
      const cube = item && cubes.get(item.cubeId);
      if (!item || !cube || (item.status === 'deleted' && !scope.can(cube, 'write'))) throw new NotFoundError('memory', id);
      if (!scope.can(cube, 'write')) throw new AccessDeniedError(scope.userId, cube.id, 'write');
    }
    const report = emptyReport('items');
    const audit: AuditRecord[] = [];
    const forgotten: ForgetEvent['items'] = [];
    for (const [cubeId, items] of Map.groupBy(found, (item) => item.cubeId)) {
      const cube = cubes.get(cubeId) as MemCubeConfig;
      const removed = await this.#removeItems(cube, items);
      report.items += removed.ids.length;
      report.versions += removed.versions;
      report.dumps += removed.dumps;
      forgotten.push(...items.filter((item) => removed.ids.includes(item.id)).map(eventItem));
      audit.push(this.#audit(scope.userId, 'forget', { cubeId, itemIds: removed.ids, resultCount: removed.ids.length, details: { versions: removed.versions, edges: removed.edges, dumps: removed.dumps } }));
    }
    return this.#finish(report, audit, { kind: 'items', actor: scope.userId, cubeIds: [], items: forgotten });
  }

  /** Forgets a whole cube (owner or admin): like `deleteCube`, plus its dumps, caches and a compaction. */
  async forgetCube(scope: ActorScope, cubeId: string): Promise<ForgetReport> {
    const cube = await scope.cube(cubeId, 'admin');
    const report = emptyReport('cube');
    const removed = await this.removeCube(cube);
    report.cubeIds.push(cube.id);
    report.items = removed.items;
    report.dumps = removed.dumps;
    const audit = [this.#audit(scope.userId, 'forgetCube', { cubeId: cube.id, resultCount: removed.items, details: { dumps: removed.dumps } })];
    return this.#finish(report, audit, { kind: 'cube', actor: scope.userId, cubeIds: [cube.id], items: [] });
  }

  /**
   * Forgets everything about a user (the user themselves or an admin): the cubes they own, their
   * items in other cubes, their entries in access lists, their user record. Audit records naming
   * them stay (ids only).
   */
  async forgetUser(scope: ActorScope, userId: string): Promise<ForgetReport> {
    const { graph } = this.#ctx;
    if (scope.userId !== userId && scope.user.role !== 'admin') throw new AccessDeniedError(scope.userId, '', 'forget-user');
    if (!(await graph.getUser(userId))) throw new NotFoundError('user', userId);
    const report = emptyReport('user');
    const audit: AuditRecord[] = [];
    const owned = (await graph.listCubes()).filter((cube) => cube.ownerId === userId);
    for (const cube of owned) {
      const removed = await this.removeCube(cube);
      report.cubeIds.push(cube.id);
      report.items += removed.items;
      report.dumps += removed.dumps;
      audit.push(this.#audit(scope.userId, 'forgetCube', { cubeId: cube.id, resultCount: removed.items, details: { dumps: removed.dumps, forgetUser: userId } }));
    }
    // Items the user owns in other cubes: read them first (vectors and dumps need their cubes).
    const purged = await graph.purgeUser({ userId });
    const forgotten: ForgetEvent['items'] = [];
    for (const [cubeId, entries] of Map.groupBy(purged.items, (entry) => entry.cubeId)) {
      const ids = entries.map((entry) => entry.id);
      const cube = await graph.getCube(cubeId);
      if (cube) await this.#ctx.vector.delete({ space: cube.embedder, ids });
      const dumps = await removeDumpsContaining(graph, cubeId, ids);
      report.items += ids.length;
      report.dumps += dumps.length;
      forgotten.push(...entries);
      audit.push(this.#audit(scope.userId, 'forget', { cubeId, itemIds: ids, resultCount: ids.length, details: { dumps: dumps.length, forgetUser: userId } }));
    }
    audit.push(this.#audit(scope.userId, 'forgetUser', { resultCount: report.items, details: { userId, cubes: report.cubeIds.length, aclCubes: purged.aclCubes.length } }));
    return this.#finish(report, audit, { kind: 'user', actor: scope.userId, cubeIds: report.cubeIds, items: forgotten, userId });
  }

  /**
   * Removes a cube from the graph (atomically: writes racing it fail), then its vectors and
   * registered dumps; audit records stay. Shared with `deleteCube`, which keeps the dumps.
   */
  async removeCube(cube: MemCubeConfig, options: { dumps?: boolean } = {}): Promise<{ items: number; dumps: number }> {
    const { graph, vector } = this.#ctx;
    const items = await graph.countItems({ cubeIds: [cube.id], statuses: [...MEMORY_STATUSES] });
    await graph.deleteCube(cube.id);
    await vector.deleteCube({ space: cube.embedder, cubeId: cube.id });
    const dumps = options.dumps === false ? [] : await removeCubeDumps(graph, [cube.id]);
    return { items, dumps: dumps.length };
  }

  async #removeItems(cube: MemCubeConfig, items: readonly MemoryItem[]): Promise<{ ids: string[]; versions: number; edges: number; dumps: number }> {
    const { graph, vector } = this.#ctx;
    const ids = items.map((item) => item.id);
    const removed = await graph.forgetItems({ cubeId: cube.id, ids });
    await vector.delete({ space: cube.embedder, ids });
    const dumps = await removeDumpsContaining(graph, cube.id, ids);
    return { ...removed, dumps: dumps.length };
  }

  #audit(actor: string, action: string, entry: { cubeId?: string; itemIds?: string[]; resultCount: number; details?: Record<string, MetadataValue> }): AuditRecord {
    return { id: this.#ctx.newId(), at: this.#ctx.now().toISOString(), actor, action, ...entry };
  }

  /** Writes the audit, runs the hooks, compacts the store. */
  async #finish(report: ForgetReport, audit: AuditRecord[], event: ForgetEvent): Promise<ForgetReport> {
    const { graph } = this.#ctx;
    if (audit.length > 0) await graph.write({ audit });
    for (const hook of this.#hooks) await hook(event);
    report.compacted = await graph.compact();
    return report;
  }
}

function emptyReport(kind: ForgetReport['kind']): ForgetReport {
  return { kind, cubeIds: [], items: 0, versions: 0, dumps: 0, compacted: false };
}

function eventItem(item: MemoryItem): ForgetEvent['items'][number] {
  return { id: item.id, cubeId: item.cubeId, ...(item.payloadRef !== undefined ? { payloadRef: item.payloadRef } : {}) };
}
