import type { Collection } from 'chromadb';
import type { ScoredId } from '../../spec/graph-store.ts';
import { compareStrings } from '../item-filter/compare-items.ts';

/** How many times the pre-filter's fetch the unfiltered attempt asks for. */
const POST_FILTER_FACTOR = 4;

/**
 * Nearest records of the cubes from an unfiltered query, filtered here by each record's `cubeId`
 * metadata. Chroma evaluates a `where` by listing every matching record first, which costs about as
 * much as the matches are many (100k matching records: hundreds of ms), while an unfiltered HNSW query
 * stays fast. When the cubes hold most of the collection this finds the answer in one cheap request.
 *
 * Exact relative to the index: returns only when at least `topK` records of the cubes score strictly
 * above the worst record of the reply (so no record of the cubes outside the reply can belong in the
 * top K, ties included); otherwise `undefined` and the caller runs the filtered query. A reply shorter
 * than asked (a small collection) also gives `undefined`: the filtered path checks those for records
 * the index skipped.
 */
export async function queryPostFiltered(
  collection: Collection,
  request: { vector: number[]; topK: number; cubeIds: string[]; maxResults: number },
): Promise<ScoredId[] | undefined> {
  const { topK } = request;
  const nResults = Math.min((topK * 2 + 10) * POST_FILTER_FACTOR, Math.max(request.maxResults, topK + 1));
  const result = await collection.query({ queryEmbeddings: [request.vector], nResults, include: ['distances', 'metadatas'] });
  const ids = result.ids[0] ?? [];
  if (ids.length < nResults) return undefined;
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
  return cut !== undefined && cut > worst ? kept.slice(0, topK) : undefined;
}

/**
 * Remembers, per collection and cube set, whether the unfiltered attempt answered last time, so that
 * selective cube sets (a small share of the collection) go straight to the filtered query. A cube set
 * marked filtered is tried unfiltered again every `retryEvery` queries (cubes grow). Bounded: the
 * oldest entries are dropped beyond `capacity`.
 */
export class FilterPlanner {
  readonly #plans = new Map<string, { post: boolean; since: number }>();
  readonly #capacity: number;
  readonly #retryEvery: number;

  constructor(options: { capacity?: number; retryEvery?: number } = {}) {
    this.#capacity = options.capacity ?? 10_000;
    this.#retryEvery = options.retryEvery ?? 32;
  }

  /** Whether to try the unfiltered query first for this collection and cube set. */
  tryPost(key: string): boolean {
    const plan = this.#plans.get(key);
    if (plan === undefined || plan.post) return true;
    plan.since += 1;
    return plan.since % this.#retryEvery === 0;
  }

  /** Records whether the unfiltered attempt answered. */
  record(key: string, answered: boolean): void {
    this.#plans.delete(key);
    this.#plans.set(key, { post: answered, since: 0 });
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
