import { AccessDeniedError } from '../errors/access-denied-error.ts';
import type { MosRuntime } from '../mos/mos-runtime.ts';
import type { AuditQuery, AuditRecord } from '../spec/index.ts';
import type { ActorScope } from './actor-scope.ts';
import { ForgetService, type ForgetReport } from './forget-service.ts';

/** An audit query as the MOS takes it (times already ISO strings). */
export interface AuditRequest {
  cubeId?: string | undefined;
  itemId?: string | undefined;
  actor?: string | undefined;
  actions?: string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
}

/** What to forget: items by id, a cube, or a user. */
export type ForgetRequest = { ids: string[] } | { cubeId: string } | { forgetUserId: string };

/** Audit trail queries and forgetting. */
export class GovernanceService {
  readonly #rt: MosRuntime;
  readonly #forget: ForgetService;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
    this.#forget = new ForgetService({ ctx: rt.ctx, hooks: rt.forgetHooks });
  }

  /**
   * Audit records, newest first. Who sees what: an admin, everything (also of deleted cubes); the
   * owner of a cube, that cube's records (`cubeId`); anyone, their own actions (`actor` is then the
   * caller, also when not given), in a cube they can read (`cubeId`) or anywhere. A cube the caller
   * cannot read is `NotFoundError`; another actor's records outside a cube one owns are
   * `AccessDeniedError`.
   */
  async audit(scope: ActorScope, input: AuditRequest): Promise<AuditRecord[]> {
    const query: AuditQuery = {
      limit: input.limit, direction: 'desc',
      ...(input.cubeId !== undefined ? { cubeId: input.cubeId } : {}),
      ...(input.itemId !== undefined ? { itemId: input.itemId } : {}),
      ...(input.actions !== undefined ? { actions: input.actions } : {}),
      ...(input.since !== undefined ? { since: input.since } : {}),
      ...(input.until !== undefined ? { until: input.until } : {}),
    };
    const { graph } = this.#rt.ctx;
    const asked = input.actor !== undefined ? { actor: input.actor } : {};
    // Admins see everything, also of cubes deleted since.
    if (scope.user.role === 'admin') return graph.listAudit({ ...query, ...asked });
    if (input.cubeId !== undefined) {
      // A cube the actor cannot read is the same NotFoundError as a missing one.
      const cube = await scope.cube(input.cubeId, 'read');
      if (scope.can(cube, 'admin')) return graph.listAudit({ ...query, ...asked });
    }
    if (input.actor !== undefined && input.actor !== scope.userId) throw new AccessDeniedError(scope.userId, input.cubeId ?? '', 'admin');
    return graph.listAudit({ ...query, actor: scope.userId });
  }

  /** Hard-deletes items, a cube or everything about a user (see {@link ForgetService}). */
  async forget(scope: ActorScope, request: ForgetRequest): Promise<ForgetReport> {
    if ('ids' in request) return this.#forget.forgetItems(scope, request.ids);
    if ('cubeId' in request) return this.#forget.forgetCube(scope, request.cubeId);
    return this.#forget.forgetUser(scope, request.forgetUserId);
  }

  /** Deletes a cube (owner or admin) atomically, then its vectors; audited, and the audit stays. */
  async deleteCube(scope: ActorScope, cubeId: string): Promise<void> {
    const cube = await scope.cube(cubeId, 'admin');
    const { items } = await this.#forget.removeCube(cube, { dumps: false });
    const { ctx } = this.#rt;
    await ctx.graph.write({ audit: [{ id: ctx.newId(), at: ctx.now().toISOString(), actor: scope.userId, action: 'deleteCube', cubeId: cube.id, resultCount: items }] });
  }
}
