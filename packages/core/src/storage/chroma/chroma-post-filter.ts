import type { Collection } from 'chromadb';
import type { ScoredId } from '../../spec/graph-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';

/** Largest unfiltered reply worth asking for (100k collection: ~65 ms with metadata, vs ~125 ms for any `where`). */
export const POST_FILTER_MAX_RESULTS = 1000;

/** The outcome of {@link queryPostFiltered}. */
export interface PostFilterOutcome {
  /** The answer, when the unfiltered reply was enough. */
  hits?: ScoredId[];
  /** Share of the reply that belonged to the cubes (undefined for a short reply: a small collection). */
  share?: number;
}

/**
 * Nearest records of the cubes from an unfiltered query of `nResults`, filtered here by each record's
 * `cubeId` metadata. Chroma evaluates a `where` by scanning the collection's metadata, which costs
 * about as much as the collection is large (100k records: ~125 ms for 1% matching, ~650 ms for all),
 * while an unfiltered HNSW query stays fast (~10 ms). When the cubes hold a good share of the
 * collection this finds the answer in one cheap request.
 *
 * Exact relative to the index: answers only when at least `topK` records of the cubes score strictly
 * above the worst record of the reply (so no record of the cubes outside the reply can belong in the
 * top K, ties included); otherwise the caller runs the filtered query. A reply shorter than asked (a
 * small collection) never answers: the filtered path checks those for records the index skipped.
 */
export async function queryPostFiltered(
  collection: Collection,
  request: { vector: number[]; topK: number; cubeIds: string[]; nResults: number },
): Promise<PostFilterOutcome> {
  const { topK, nResults } = request;
  const result = await collection.query({ queryEmbeddings: [request.vector], nResults, include: ['distances', 'metadatas'] });
  const ids = result.ids[0] ?? [];
  if (ids.length < nResults) return {};
  const distances = result.distances[0] ?? [];
  const metadatas = result.metadatas[0] ?? [];
  const cubes = new Set(request.cubeIds);
  let worst = Number.POSITIVE_INFINITY;
  const kept: ScoredId[] = [];
  ids.forEach((id, i) => {
    const distance = distances[i];
    if (typeof distance !== 'number' || !Number.isFinite(distance)) return;
    const score = 1 - distance;
    worst = Math.min(worst, score);
    const cubeId = metadatas[i]?.['cubeId'];
    if (typeof cubeId === 'string' && cubes.has(cubeId)) kept.push({ id, score });
  });
  kept.sort((a, b) => b.score - a.score || compareStrings(a.id, b.id));
  const cut = kept[topK - 1]?.score;
  const share = kept.length / ids.length;
  return cut !== undefined && cut > worst ? { hits: kept.slice(0, topK), share } : { share };
}

/**
 * Decides per collection and cube set whether to try the unfiltered query first and how many results
 * to ask for, from the share of matching records seen last time: `1.5 * (topK + 1) / share`, at least
 * `2 * topK + 10`, at most {@link POST_FILTER_MAX_RESULTS}; a cube set that would need more (or
 * that lives in a small collection) goes straight to the filtered query and is tried unfiltered again
 * every `retryEvery` queries (cubes grow). Bounded: the oldest entries go beyond `capacity`.
 */
export class FilterPlanner {
  readonly #plans = new Map<string, { share: number | undefined; skipped: number }>();
  readonly #capacity: number;
  readonly #retryEvery: number;

  constructor(options: { capacity?: number; retryEvery?: number } = {}) {
    this.#capacity = options.capacity ?? 10_000;
    this.#retryEvery = options.retryEvery ?? 32;
  }

  /** `nResults` for an unfiltered attempt, or undefined to go straight to the filtered query. */
  plan(key: string, topK: number): number | undefined {
    const base = 2 * topK + 10;
    const plan = this.#plans.get(key);
    if (plan === undefined) return Math.min(base, Math.max(POST_FILTER_MAX_RESULTS, topK + 1));
    const wanted = plan.share === undefined || plan.share === 0 ? Number.POSITIVE_INFINITY : Math.ceil((1.5 * (topK + 1)) / plan.share);
    const nResults = Math.max(base, wanted);
    if (nResults <= POST_FILTER_MAX_RESULTS) return nResults;
    plan.skipped += 1;
    return plan.skipped % this.#retryEvery === 0 ? Math.min(base, POST_FILTER_MAX_RESULTS) : undefined;
  }

  /** Records the share of matching records an attempt saw (undefined: short reply, small collection). */
  record(key: string, share: number | undefined): void {
    this.#plans.delete(key);
    this.#plans.set(key, { share, skipped: 0 });
    if (this.#plans.size > this.#capacity) {
      const oldest = this.#plans.keys().next().value;
      if (oldest !== undefined) this.#plans.delete(oldest);
    }
  }

  clear(): void {
    this.#plans.clear();
  }
}

/** The planner key of a query: collection name and sorted cube ids. */
export function planKey(collectionName: string, cubeIds: readonly string[]): string {
  return `${collectionName}\u0000${[...cubeIds].sort(compareStrings).join('\u0000')}`;
}
