import type { ActorScope } from '../governance/actor-scope.ts';
import { repairCubeVectors, type CubeRepairReport } from '../memory/textual/repair-vectors.ts';
import type { MosRuntime } from '../mos/mos-runtime.ts';
import { sweepExpired, type SweepReport } from './sweep-expired.ts';

/** Maintenance of stored memories: vector repair (and, as they land, TTL sweeps, decay, archive). */
export class LifecycleService {
  readonly #rt: MosRuntime;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  /** Reconciles vectors with the graph for the cubes the actor administers (all of them, or those named). */
  async repair(scope: ActorScope, cubeIds: string[] | undefined): Promise<CubeRepairReport[]> {
    const cubes = await scope.cubes('admin', cubeIds);
    const reports: CubeRepairReport[] = [];
    for (const cube of cubes) reports.push(await repairCubeVectors(this.#rt.ctx, cube));
    return reports;
  }

  /**
   * TTL sweep (see `sweepExpired`) of the cubes the actor administers (all of them, or those
   * named), or with no actor, a system sweep of every cube (or those named that exist).
   */
  async sweep(scope: ActorScope | undefined, cubeIds: string[] | undefined): Promise<SweepReport> {
    const { graph } = this.#rt.ctx;
    let ids: string[];
    if (scope) ids = (await scope.cubes('admin', cubeIds)).map((cube) => cube.id);
    else {
      const all = (await graph.listCubes()).map((cube) => cube.id);
      ids = cubeIds === undefined ? all : all.filter((id) => cubeIds.includes(id));
    }
    return sweepExpired(this.#rt.ctx, { cubeIds: ids });
  }

  /** Repairs one cube for the background retry; true when its vectors are in sync (or it is gone). */
  async repairForRetry(cubeId: string): Promise<boolean> {
    const cube = await this.#rt.ctx.graph.getCube(cubeId);
    if (!cube) return true;
    return (await repairCubeVectors(this.#rt.ctx, cube)).stillFailing === 0;
  }
}
