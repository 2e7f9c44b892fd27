import type { ActorScope } from '../governance/actor-scope.ts';
import { AuditLog } from '../governance/audit-log.ts';
import type { FilterInput } from '../mos/mos-inputs.ts';
import { assertEmbedder, nowIso, type MosRuntime } from '../mos/mos-runtime.ts';
import { resolveFilter } from '../mos/resolve-filter.ts';
import type { SearchResult, SignalWeights } from '../spec/index.ts';
import { hybridSearch, type HybridSearchConfig } from './hybrid-search.ts';
import { restorableCubes, searchKnownAt } from './known-at.ts';

/** Hybrid search over the cubes the actor may read. */
export class SearchService {
  readonly #rt: MosRuntime;

  constructor(rt: MosRuntime) {
    this.#rt = rt;
  }

  async search(
    scope: ActorScope,
    input: { query: string; cubeIds?: string[] | undefined; filter?: FilterInput | undefined; topK: number; asOf?: string | undefined; knownAt?: string | undefined; weights?: Partial<SignalWeights> | undefined },
  ): Promise<SearchResult> {
    const cubes = await scope.listable(input.cubeIds, input.filter?.statuses);
    for (const cube of cubes) assertEmbedder(this.#rt, cube);
    const filter = resolveFilter({ filter: input.filter, cubeIds: cubes.map((c) => c.id), asOf: input.asOf, knownAt: input.knownAt, now: nowIso(this.#rt), field: 'search.filter' });
    const base = this.#rt.searchConfig;
    const config: HybridSearchConfig = input.weights ? { ...base, weights: { ...base.weights, ...input.weights } } : base;
    const { graph, vector, embedder } = this.#rt.ctx;
    const request = { embedder, query: input.query, topK: input.topK, config };
    // knownAt: answered from the versions known then (see retrieval/known-at.ts).
    const result =
      filter.knownAt !== undefined
        ? await searchKnownAt({ ...request, graph, vector, filter: { ...filter, knownAt: filter.knownAt }, restorable: restorableCubes(scope, cubes) })
        : await hybridSearch({ ...request, graph, vector, filter });
    // The audit of the read (cubes and item ids returned, never the query text) and the hits' access
    // counts, in one commit.
    await this.#rt.audit.read({
      actor: scope.userId, action: 'search', targets: AuditLog.targetsOf(result.hits.map((h) => h.item)), details: { cubes: cubes.length, topK: input.topK },
      ...(this.#rt.trackAccess && result.hits.length > 0 ? { touch: { ids: result.hits.map((h) => h.item.id), at: nowIso(this.#rt) } } : {}),
    });
    return result;
  }
}
