import type { MosRuntime } from '../mos/mos-runtime.ts';
import type { AuditRecord } from '../spec/index.ts';
import type { ActorScope } from './actor-scope.ts';

/** Audit trail queries (and, as they land, forgetting and redaction policy). */
export class GovernanceService {
  readonly #rt: MosRuntime;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  /** Audit trail of a cube, newest first (owner or admin). */
  async audit(scope: ActorScope, input: { cubeId: string; itemId?: string | undefined; limit: number }): Promise<AuditRecord[]> {
    const cube = await scope.cube(input.cubeId, 'admin');
    return this.#rt.ctx.graph.listAudit({ cubeId: cube.id, ...(input.itemId ? { itemId: input.itemId } : {}), limit: input.limit });
  }
}
